import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseTarget } from '../config/index.js';
import { AppError } from '../errors.js';
import { PrismaClient } from './generated/client.js';
import { newPgPool } from './pgPool.js';

export interface Database {
  readonly kind: DatabaseTarget['kind'];
  readonly prisma: PrismaClient;
  /** For the schema engine (migrations, status). */
  readonly adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** A human-readable location without credentials, for logs. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * Opens the configured database: embedded PGlite (a directory or memory) or PostgreSQL through a
 * pg pool. Same schema, same migrations, same generated client. PGlite is single-process: two
 * servers on one PGlite directory would lose writes, so the directory is this process's alone.
 */
export async function openDatabase(target: DatabaseTarget, options: { poolSize?: number; connectTimeoutMs?: number } = {}): Promise<Database> {
  if (target.kind === 'pglite') {
    if (target.dataDir !== 'memory://') await mkdir(target.dataDir, { recursive: true });
    let pglite: PGlite;
    try {
      pglite = await PGlite.create(target.dataDir);
    } catch (e) {
      throw new AppError('DB_UNAVAILABLE', { reason: `cannot open embedded database at ${target.dataDir}: ${(e as Error).message}` }, { cause: e });
    }
    const adapterFactory = new PrismaPGlite(pglite);
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return {
      kind: 'pglite',
      prisma,
      adapterFactory,
      where: target.dataDir === 'memory://' ? 'embedded PGlite (in memory)' : `embedded PGlite at ${target.dataDir}`,
      async close() {
        await prisma.$disconnect();
        await pglite.close();
      },
    };
  }
  // A connection attempt that hangs (a host that drops packets) fails after the connect timeout, so
  // requests answer DB_UNAVAILABLE instead of waiting. A dropped connection fails its query, never
  // the process (newPgPool); the next query connects again.
  const pool = newPgPool({ connectionString: target.url, max: options.poolSize ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000 });
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw new AppError('DB_UNAVAILABLE', { reason: `cannot connect to PostgreSQL at ${redactUrl(target.url)}: ${(e as Error).message}` }, { cause: e });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  // Migrations get connections of their own, ended after each run (see runScriptsWhole's release):
  // the schema engine's advisory lock would otherwise stay with a pooled connection of this server.
  const adapterFactory = new PrismaPg({ connectionString: target.url, max: 1, application_name: 'kuaidai-migrate' });
  return {
    kind: 'postgres',
    prisma,
    adapterFactory,
    where: `PostgreSQL at ${redactUrl(target.url)}`,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
