import { mkdir } from 'node:fs/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DatabaseTarget } from '../config/index.js';
import { AppError } from '../errors.js';
import { PrismaClient } from './generated/client.js';
import type { EmbeddedDatabase } from './embeddedDatabase.js';
import { newPgPool } from './pgPool.js';
import { StatementNames } from './statementNames.js';
import { PgliteThread } from './pgliteThread.js';
import { rawStatements, type RawStatements } from './rawStatements.js';

export interface Database {
  readonly kind: DatabaseTarget['kind'];
  readonly prisma: PrismaClient;
  /** Prisma's raw statements on the same driver adapter, without its client's per-query cost (the effects' hot path). */
  readonly raw: RawStatements;
  /** For the schema engine (migrations, status). */
  readonly adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** The embedded PGlite for our own SQL below Prisma; undefined on PostgreSQL. */
  readonly embedded?: EmbeddedDatabase | undefined;
  /** A human-readable location without credentials, for logs. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * Opens the configured database: embedded PGlite (a directory or memory) or PostgreSQL through a
 * pg pool. Same schema, same migrations, same generated client. PGlite is single-process: two
 * servers on one PGlite directory would lose writes, so the directory is this process's alone.
 * PGlite runs on a thread of its own (pgliteThread.ts): its engine never holds the event loop.
 * `onFatal` hears if that thread dies.
 */
export async function openDatabase(target: DatabaseTarget, options: { poolSize?: number; connectTimeoutMs?: number; onFatal?: (e: Error) => void } = {}): Promise<Database> {
  if (target.kind === 'pglite') {
    if (target.dataDir !== 'memory://') await mkdir(target.dataDir, { recursive: true });
    // By default a lost database thread is thrown where nothing catches it: server/main.ts then logs
    // it (DB_UNAVAILABLE) and exits, for a supervisor to restart the process on its data directory.
    const onFatal =
      options.onFatal ??
      ((e: Error) =>
        setImmediate(() => {
          throw e;
        }));
    const thread = await PgliteThread.open(target.dataDir, { onFatal, template: target.template });
    const adapterFactory = thread.prismaAdapterFactory();
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return {
      kind: 'pglite',
      prisma,
      raw: rawStatements(await adapterFactory.connect()),
      adapterFactory,
      embedded: thread,
      where: target.dataDir === 'memory://' ? 'embedded PGlite (in memory)' : `embedded PGlite at ${target.dataDir}`,
      async close() {
        await prisma.$disconnect();
        await thread.close();
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
  // Prisma's statements are prepared once per connection (its SQL names every column, so a schema
  // change re-plans them rather than changing their result).
  const names = new StatementNames();
  const statementNameGenerator = (query: { sql: string }) => names.name(query.sql) ?? '';
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator }) });
  // The raw statements' adapter on the same pool and statement names: no connections of its own.
  const raw = rawStatements(await new PrismaPg(pool, { statementNameGenerator }).connect());
  // Migrations get connections of their own, ended after each run (see runScriptsWhole's release):
  // the schema engine's advisory lock would otherwise stay with a pooled connection of this server.
  const adapterFactory = new PrismaPg({ connectionString: target.url, max: 1, application_name: 'kuaidai-migrate' });
  return {
    kind: 'postgres',
    prisma,
    raw,
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
