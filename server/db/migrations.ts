import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { AppError } from '../errors.js';
import { openSchemaEngine } from './schemaEngine.js';
import { runScriptsWhole } from './wholeScripts.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MIGRATIONS_DIR = path.join(root, 'prisma', 'migrations');
export const SCHEMA_PATH = path.join(root, 'prisma', 'schema.prisma');

const noFilters = { externalTables: [], externalEnums: [] };

/** Reads prisma/migrations the way `prisma migrate` does. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: await readFile(lockPath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(dir, name, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (e: Error) => ({ tag: 'error' as const, value: e.message }),
          ),
        },
      })),
    ),
  };
}

export const migrationNames = (list: MigrationList): string[] => list.migrationDirectories.map((d) => d.path);

/** `prisma migrate deploy`, in-process: applies every migration not yet in _prisma_migrations. */
export async function applyMigrations(factory: SqlMigrationAwareDriverAdapterFactory, list?: MigrationList): Promise<string[]> {
  const migrationsList = list ?? (await readMigrations());
  const scoped = runScriptsWhole(factory);
  const engine = await openSchemaEngine(scoped);
  try {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  } catch (e) {
    throw new AppError('MIGRATION_FAILED', { reason: errorText(e) }, { cause: e });
  } finally {
    engine.free();
    await scoped.release();
  }
}

export interface MigrationStatus {
  readonly migrations: string[];
  readonly pending: string[];
  readonly failed: string[];
  readonly edited: string[];
  /** Applied to the database but missing from prisma/migrations. */
  readonly unknown: string[];
}

/** `prisma migrate status`, in-process. */
export async function migrationStatus(factory: SqlMigrationAwareDriverAdapterFactory): Promise<MigrationStatus> {
  const migrationsList = await readMigrations();
  const scoped = runScriptsWhole(factory);
  const engine = await openSchemaEngine(scoped);
  try {
    const d = await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: noFilters });
    const h = d.history;
    return {
      migrations: migrationNames(migrationsList),
      pending: !d.hasMigrationsTable
        ? migrationNames(migrationsList)
        : h?.diagnostic === 'databaseIsBehind' || h?.diagnostic === 'historiesDiverge'
          ? h.unappliedMigrationNames
          : [],
      unknown: h?.diagnostic === 'migrationsDirectoryIsBehind' || h?.diagnostic === 'historiesDiverge' ? h.unpersistedMigrationNames : [],
      failed: d.failedMigrationNames,
      edited: d.editedMigrationNames,
    };
  } finally {
    engine.free();
    await scoped.release();
  }
}

/**
 * `prisma migrate dev --create-only`, without any database: replays the history on an in-memory
 * PGlite and diffs it against prisma/schema.prisma. Returns the new folder, or null when the
 * schema has no changes.
 */
export async function createMigration(name: string, now: Date): Promise<{ dir: string; sql: string } | null> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new AppError('VALIDATION_FAILED', { field: 'name', reason: 'use lower_snake_case letters, digits and _' });
  const shadow = new PGlite('memory://');
  const factory = new PrismaPGlite(shadow);
  const migrationsList = await readMigrations();
  const engine = await openSchemaEngine(factory);
  try {
    await engine.applyMigrations({ migrationsList, filters: noFilters });
    const schema = { path: SCHEMA_PATH, content: await readFile(SCHEMA_PATH, 'utf8') };
    const diff = await engine.diff({
      from: { tag: 'schemaDatasource', files: [schema], configDir: root },
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    const sql = diff.stdout ?? '';
    if (!sql.trim() || /^-- This is an empty migration\.\s*$/.test(sql.trim())) return null;
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), sql);
    await writeFile(
      path.join(MIGRATIONS_DIR, 'migration_lock.toml'),
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
    return { dir, sql };
  } finally {
    engine.free();
    await shadow.close();
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e)).split('\n')[0]!.slice(0, 500);
