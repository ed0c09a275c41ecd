import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface ScratchDatabase {
  /** `DATABASE_URL` for the benchmark's server. */
  readonly url: string;
  /** Drops the database (or removes the directory) unless it is kept. */
  cleanup(): Promise<void>;
}

/**
 * A benchmark's own database, so a run never disturbs anyone's: on PostgreSQL a fresh database on
 * the server of `DATABASE_URL` (or `existing`, a kept one reused), else an embedded PGlite directory
 * in the temp folder. `keep` leaves it behind and says where.
 */
export async function scratchDatabase(options: { readonly postgres: boolean; readonly prefix: string; readonly keep?: boolean; readonly existing?: string }): Promise<ScratchDatabase> {
  if (!options.postgres) {
    const dir = await mkdtemp(path.join(os.tmpdir(), `${options.prefix.replaceAll('_', '-')}-`));
    return { url: `pglite:${dir}`, cleanup: async () => (options.keep ? console.log(`kept ${dir}`) : rm(dir, { recursive: true, force: true })) };
  }
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = options.existing ?? `${options.prefix}_${process.pid}`;
  const withAdmin = async (statement: string) => {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(statement);
    } finally {
      await admin.end();
    }
  };
  if (!options.existing) await withAdmin(`CREATE DATABASE "${name}"`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  return { url: u.toString(), cleanup: async () => (options.keep ? console.log(`kept database ${name}`) : withAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)) };
}
