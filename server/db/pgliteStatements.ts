import { messages, parse, protocol, type PGlite, type QueryOptions, type Results } from '@electric-sql/pglite';
import { bindExecuteSync } from './bindExecuteSync.js';
import { STALE_STATEMENT } from './statementNames.js';

type BackendMessage = Parameters<typeof parse.parseResults>[0][number];

/** A statement prepared under a name: its parameters' types and the row it answers (or none). */
interface Prepared {
  readonly name: string;
  readonly paramTypes: readonly number[];
  readonly row: BackendMessage | undefined;
}

/** Statement names are unique in the process, so two instances on one PGlite never collide. */
let nextName = 1;

/**
 * PGlite's `query`, with each SQL text prepared once under a name and every later run sent to the
 * engine as one message batch (Bind, Execute, Sync). PGlite's own `query` parses, plans and
 * describes the text again on every call, in six separate trips into the engine; on the embedded
 * database that was a large share of a turn's work. Parameters are serialized and results parsed by
 * PGlite's own serializers and parsers, so callers see exactly what `query` answers. The newest
 * `max` statements are kept; the oldest is closed.
 */
export class PgliteStatements {
  private readonly prepared = new Map<string, Prepared>();
  private merged = new WeakMap<object, PGlite['parsers']>();

  constructor(
    private readonly pg: PGlite,
    private readonly max = 500,
  ) {}

  /** Outside any transaction: waits its turn as PGlite's `query` does, and syncs the files after. */
  query<T>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    if (options?.blob) return this.pg.query<T>(sql, [...params], options);
    return this.pg._runExclusiveTransaction(async () => {
      const result = await this.pg._runExclusiveQuery(() => this.run<T>(sql, params, options));
      await this.pg.syncToFs();
      return result;
    });
  }

  /** Inside a transaction opened by PGlite's `transaction`, which holds its lock: `tx.query`'s place. */
  queryInTransaction<T>(tx: { query: PGlite['query']; readonly closed: boolean }, sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    if (options?.blob || tx.closed) return tx.query<T>(sql, [...params], options);
    return this.pg._runExclusiveQuery(() => this.run<T>(sql, params, options));
  }

  /** Forgets every statement (after a script that may have changed the schema). */
  async clear(): Promise<void> {
    this.merged = new WeakMap();
    const names = [...this.prepared.values()].map((p) => p.name);
    this.prepared.clear();
    if (names.length > 0) await this.pg._runExclusiveQuery(() => this.close(names));
  }

  private async run<T>(sql: string, params: readonly unknown[], options: QueryOptions | undefined, retried = false): Promise<Results<T>> {
    const key = options?.paramTypes ? `${options.paramTypes.join(',')}\0${sql}` : sql;
    let statement = this.prepared.get(key);
    if (statement) {
      // Newest last: the Map's order is the eviction order.
      this.prepared.delete(key);
      this.prepared.set(key, statement);
    } else {
      statement = await this.prepare(key, sql, params, options);
    }
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = statement.paramTypes[i]!;
      const serialize = options?.serializers?.[type] ?? this.pg.serializers[type];
      return serialize ? serialize(value) : String(value);
    });
    let answered: BackendMessage[];
    try {
      answered = (await this.pg.execProtocol(bindExecuteSync(statement.name, values), { syncToFs: false, ...(options?.onNotice ? { onNotice: options.onNotice } : {}) })).messages;
    } catch (e) {
      if (e instanceof messages.DatabaseError && STALE_STATEMENT.has(e.code ?? '') && !retried) {
        this.prepared.delete(key);
        await this.close([statement.name]);
        return this.run<T>(sql, params, options, true);
      }
      throw withQuery(e, sql, params);
    }
    // PGlite merges a query's own parsers into its defaults on every call (a copy of some 200 entries);
    // the merged table is kept per parsers object instead.
    const parsers = options?.parsers ? this.mergedParsers(options.parsers) : this.pg.parsers;
    const rowMode = options?.rowMode ? { rowMode: options.rowMode } : undefined;
    return parse.parseResults(statement.row ? [statement.row, ...answered] : answered, parsers, rowMode)[0] as Results<T>;
  }

  private mergedParsers(own: NonNullable<QueryOptions['parsers']>): PGlite['parsers'] {
    let merged = this.merged.get(own);
    if (!merged) this.merged.set(own, (merged = { ...this.pg.parsers, ...own }));
    return merged;
  }

  private async prepare(key: string, sql: string, params: readonly unknown[], options: QueryOptions | undefined): Promise<Prepared> {
    const name = `kd_${nextName++}`;
    let answered: BackendMessage[];
    try {
      answered = (await this.pg.execProtocol(concat([protocol.serialize.parse({ name, text: sql, ...(options?.paramTypes ? { types: options.paramTypes } : {}) }), protocol.serialize.describe({ type: 'S', name }), protocol.serialize.sync()]), { syncToFs: false })).messages;
    } catch (e) {
      throw withQuery(e, sql, params);
    }
    const statement: Prepared = {
      name,
      paramTypes: parse.parseDescribeStatementResults(answered),
      row: answered.find((m) => m.name === 'rowDescription'),
    };
    this.prepared.set(key, statement);
    if (this.prepared.size > this.max) {
      const [oldestKey, oldest] = this.prepared.entries().next().value!;
      this.prepared.delete(oldestKey);
      await this.close([oldest.name]);
    }
    return statement;
  }

  private async close(names: readonly string[]): Promise<void> {
    await this.pg.execProtocol(concat([...names.map((name) => protocol.serialize.close({ type: 'S', name })), protocol.serialize.sync()]), { syncToFs: false, throwOnError: false });
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What PGlite's `query` attaches to a database error. */
function withQuery(e: unknown, sql: string, params: readonly unknown[]): unknown {
  if (e instanceof messages.DatabaseError) Object.assign(e, { query: sql, params });
  return e;
}
