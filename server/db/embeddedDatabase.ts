/** A statement's result from the embedded database: rows as objects (PGlite's parsers applied). */
export interface EmbeddedResult<T = Record<string, unknown>> {
  readonly rows: T[];
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
  readonly affectedRows?: number | undefined;
}

export interface EmbeddedQueryable {
  /** One statement with `$n` parameters; `blob` feeds `COPY … FROM '/dev/blob'`. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: { blob?: Blob }): Promise<EmbeddedResult<T>>;
  /** Several statements without parameters; one result per statement. */
  exec(sql: string): Promise<EmbeddedResult[]>;
}

/**
 * The embedded PGlite for our own SQL (the runtime's hot path, the job runner, bulk loads), below
 * Prisma: what PGlite's `query`, `exec` and `transaction` offer, whichever thread it runs on. A
 * transaction holds the database's one lock until `fn` settles: commit if it resolves, roll back if
 * it throws.
 */
export interface EmbeddedDatabase extends EmbeddedQueryable {
  transaction<T>(fn: (tx: EmbeddedQueryable) => Promise<T>): Promise<T>;
  /** Milliseconds the engine has had work outstanding since it opened: how busy its one thread is (maintenance waits for quiet). */
  busyMs(): number;
  /** The data directory as an uncompressed tarball (PGlite's `dumpDataDir`): what `DatabaseTarget.template` starts from. */
  dump(): Promise<Uint8Array>;
}
