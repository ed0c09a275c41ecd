import type { ArgType, SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { newPgPool, StatementNames, STALE_STATEMENT, type Database } from '../db/index.js';
import { serverLoop } from '../loop/index.js';

export type SqlArg = string | number | boolean | null;
export type SqlRow = Record<string, unknown>;

/**
 * Raw SQL for the runtime's hot path, below Prisma: a conversation turn is two statements, and on
 * embedded PGlite the Prisma client (or its driver adapter) costs two to three times the query.
 * On PGlite it talks to the database's own PGlite (on its thread); on PostgreSQL to a small pg pool of its
 * own; otherwise through the Prisma driver adapter of the open database.
 *
 * Contract for callers: select only text, int4, float8 and boolean columns (cast jsonb to text,
 * timestamps to epoch ms), and cast arguments in SQL (`$1::uuid`, `$2::jsonb`): every driver passes
 * arguments as text and returns those types the same way.
 */
export interface Sql {
  query(sql: string, args?: readonly SqlArg[]): Promise<SqlRow[]>;
  close(): Promise<void>;
}

const argType = (arg: SqlArg): ArgType => {
  switch (typeof arg) {
    case 'number':
      return { scalarType: Number.isInteger(arg) ? 'int' : 'float', arity: 'scalar' };
    case 'boolean':
      return { scalarType: 'boolean', arity: 'scalar' };
    default:
      return { scalarType: 'string', arity: 'scalar' };
  }
};

export async function openSql(db: Database, options: { postgresUrl?: string; poolSize?: number; connectTimeoutMs?: number } = {}): Promise<Sql> {
  // PGlite is single-process and serialises every query; the instance behind Prisma is the database.
  const embedded = db.embedded;
  if (embedded) {
    return {
      query: async (sql, args = []) => (await embedded.query<SqlRow>(sql, args)).rows,
      close: async () => {},
    };
  }
  if (db.kind === 'postgres' && options.postgresUrl) {
    // A dropped connection fails the query on it, never the process (newPgPool).
    const pool = newPgPool({ connectionString: options.postgresUrl, max: options.poolSize ?? 10, application_name: 'kuaidai-runtime', connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000 });
    const names = new StatementNames();
    const run = async (sql: string, args: readonly SqlArg[]) => {
      const { rows } = await pool.query<SqlRow>({ text: sql, values: [...args], name: names.name(sql) });
      // The caller resumes in a slice of the server's loop, as after an embedded answer (server/loop).
      await serverLoop.turn();
      return rows;
    };
    return {
      query: (sql, args = []) =>
        run(sql, args).catch((e: unknown) => {
          if (!STALE_STATEMENT.has(sqlState(e) ?? '')) throw e;
          names.renamed(sql);
          return run(sql, args);
        }),
      close: () => pool.end(),
    };
  }
  const adapter: SqlDriverAdapter = await db.adapterFactory.connect();
  return {
    async query(sql, args = []) {
      const result = await adapter.queryRaw({ sql, args: [...args], argTypes: args.map(argType) });
      const names = result.columnNames;
      return result.rows.map((values) => {
        const row: SqlRow = {};
        for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
        return row;
      });
    },
    close: () => adapter.dispose(),
  };
}

/** The PostgreSQL error code (SQLSTATE) behind an error from `Sql.query`, if any. */
export function sqlState(error: unknown): string | undefined {
  const e = error as { cause?: { originalCode?: unknown }; code?: unknown } | undefined;
  // pg and PGlite errors carry `code`; the Prisma driver adapter wraps it in `cause.originalCode`.
  const code = e?.cause?.originalCode ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `timestamptz` → epoch ms, as a float8 column both adapters return as a number. */
export const epochMs = (column: string): string => `(extract(epoch from ${column}) * 1000)::float8`;
