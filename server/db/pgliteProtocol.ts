import type { IsolationLevel, SqlQuery } from '@prisma/driver-adapter-utils';

/**
 * The messages between the server's thread and the thread that owns the embedded PGlite
 * (pgliteWorker.ts). Everything in them is structured-cloneable data: the Prisma driver adapter and
 * PGlite's parsers run on the database's thread, so no function crosses.
 */
export type PgliteRequest =
  | { readonly id: number; readonly op: 'query'; readonly sql: string; readonly params: readonly unknown[]; readonly blob?: Blob | undefined; readonly tx?: number | undefined }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string; readonly tx?: number | undefined }
  /** Opens a transaction (PGlite's `transaction`, holding its lock) and answers its handle. */
  | { readonly id: number; readonly op: 'begin' }
  | { readonly id: number; readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly id: number; readonly op: 'prismaQuery'; readonly query: SqlQuery; readonly tx?: number | undefined }
  | { readonly id: number; readonly op: 'prismaExecute'; readonly query: SqlQuery; readonly tx?: number | undefined }
  | { readonly id: number; readonly op: 'prismaScript'; readonly script: string }
  | { readonly id: number; readonly op: 'prismaBegin'; readonly isolationLevel?: IsolationLevel | undefined }
  | { readonly id: number; readonly op: 'prismaEnd'; readonly tx: number; readonly commit: boolean }
  /** The whole data directory as an uncompressed tarball (PGlite's `dumpDataDir`). */
  | { readonly id: number; readonly op: 'dump' }
  | { readonly id: number; readonly op: 'close' };

export type PgliteResponse = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** An error as data: its name, message and own fields (PostgreSQL's code, detail…; a driver adapter error's cause). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** What the thread is started with. */
export interface PgliteWorkerData {
  readonly dataDir: string;
  /** A tarball from `dump` to start an in-memory database from, instead of an empty cluster. */
  readonly template?: string | undefined;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e)) {
    if (value === undefined || typeof value === 'function') continue;
    try {
      fields[key] = structuredClone(value);
    } catch {
      fields[key] = String(value);
    }
  }
  if (e.cause !== undefined && !('cause' in fields)) {
    try {
      fields.cause = structuredClone(e.cause);
    } catch {
      fields.cause = String(e.cause);
    }
  }
  return { name: e.name, message: e.message, fields };
}
