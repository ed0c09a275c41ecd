// The thread that owns the embedded PGlite. Its WebAssembly engine, PGlite's JavaScript around it
// and the Prisma driver adapter run here, so the server's thread stays free for sockets and
// machines (a busy engine on the server's thread once held each event-loop turn ~400 ms and new
// connections waited past their timeout). One thread, one PGlite, one writer: nothing else opens
// the data directory.
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type QueryOptions, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import type { SqlDriverAdapter, Transaction } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { serializeError, type PgliteRequest, type PgliteResponse, type PgliteWorkerData } from './pgliteProtocol.js';
import { PgliteStatements } from './pgliteStatements.js';

const port = parentPort!;
const { dataDir, template } = workerData as PgliteWorkerData;

/** A transaction opened by `begin`: PGlite's handle, and how the server's thread ends it. */
interface OpenTransaction {
  readonly tx: PgliteTransaction;
  readonly end: (commit: boolean) => void;
  readonly done: Promise<void>;
}

/** Thrown inside PGlite's transaction callback to make it roll back; never reaches the caller. */
class RollbackRequested extends Error {}

let pglite: PGlite;
let statements: PgliteStatements;
let adapter: SqlDriverAdapter;
const transactions = new Map<number, OpenTransaction>();
const prismaTransactions = new Map<number, Transaction>();
let nextTx = 1;

const queryable = (tx: number | undefined): PGlite | PgliteTransaction => {
  if (tx === undefined) return pglite;
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
};

/** The first word of the command tags of statements that change the schema (`DO` may run any of them). */
const SCHEMA_COMMANDS = new Set(['CREATE', 'ALTER', 'DROP', 'DO']);

/** `query` through the prepared statements, in the transaction `tx` or outside any. */
const query = (tx: number | undefined, sql: string, params: unknown[], options?: QueryOptions) => {
  if (tx === undefined) return statements.query(sql, params, options);
  return statements.queryInTransaction(queryable(tx) as PgliteTransaction, sql, params, options);
};

/**
 * What the Prisma driver adapter is given instead of PGlite itself: the same client, whose queries
 * (and those of its transactions) go through the prepared statements.
 */
function preparedClient(): PGlite {
  // PGlite's transaction handle is a plain object; PGlite itself keeps private fields, so it is wrapped, not inherited from.
  const inTransaction = (tx: PgliteTransaction): PgliteTransaction =>
    Object.create(tx, { query: { value: (sql: string, params?: unknown[], options?: QueryOptions) => statements.queryInTransaction(tx, sql, params, options) } }) as PgliteTransaction;
  const client: Pick<PGlite, 'query' | 'exec' | 'transaction'> = {
    query: (sql, params, options) => statements.query(sql, params, options),
    exec: (sql, options) => pglite.exec(sql, options),
    transaction: (fn) => pglite.transaction((tx) => fn(inTransaction(tx))),
  };
  return client as PGlite;
}

const prismaQueryable = (tx: number | undefined): SqlDriverAdapter | Transaction => {
  if (tx === undefined) return adapter;
  const open = prismaTransactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open;
};

async function begin(): Promise<number> {
  const id = nextTx++;
  return new Promise<number>((resolve, reject) => {
    let end!: (commit: boolean) => void;
    const ended = new Promise<boolean>((r) => (end = r));
    const done = pglite
      .transaction(async (tx) => {
        transactions.set(id, { tx, end, done });
        resolve(id);
        if (!(await ended)) throw new RollbackRequested();
      })
      .then(
        () => undefined,
        (e: unknown) => {
          // BEGIN itself failed (no-op once the handle was given); a COMMIT that failed reaches `end`.
          reject(e instanceof Error ? e : new Error(String(e)));
          if (!(e instanceof RollbackRequested)) throw e;
        },
      )
      .finally(() => transactions.delete(id));
    // `done` is awaited by `end`; until then a failure is held, not unhandled.
    done.catch(() => {});
  });
}

async function end(tx: number, commit: boolean): Promise<void> {
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  open.end(commit);
  await open.done;
}

async function handle(m: PgliteRequest): Promise<unknown> {
  switch (m.op) {
    case 'query': {
      const r = await query(m.tx, m.sql, [...m.params], m.blob ? { blob: m.blob } : undefined);
      return { rows: r.rows, fields: r.fields, affectedRows: r.affectedRows };
    }
    case 'exec': {
      const results = await queryable(m.tx).exec(m.sql);
      // A script that changed the schema may leave statements planned for the old one; the
      // maintenance job's VACUUM, ANALYZE and CHECKPOINT do not.
      if (results.some((r) => SCHEMA_COMMANDS.has(r.command ?? ''))) await statements.clear();
      return results.map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }));
    }
    case 'begin':
      return begin();
    case 'end':
      return end(m.tx, m.commit);
    case 'prismaQuery':
      return prismaQueryable(m.tx).queryRaw(m.query);
    case 'prismaExecute':
      return prismaQueryable(m.tx).executeRaw(m.query);
    case 'prismaScript':
      await adapter.executeScript(m.script);
      return statements.clear();
    case 'prismaBegin': {
      const tx = await adapter.startTransaction(m.isolationLevel);
      const id = nextTx++;
      prismaTransactions.set(id, tx);
      return { tx: id, options: tx.options };
    }
    case 'prismaEnd': {
      const tx = prismaTransactions.get(m.tx);
      if (!tx) throw new Error(`transaction ${m.tx} is not open`);
      prismaTransactions.delete(m.tx);
      return m.commit ? tx.commit() : tx.rollback();
    }
    case 'dump': {
      const tar = await pglite.dumpDataDir('none');
      return new Uint8Array(await tar.arrayBuffer());
    }
    case 'close':
      await pglite.close();
      return undefined;
  }
}

const answer = (r: PgliteResponse) => port.postMessage(r);

/**
 * PGlite 0.5's own start parameters, plus a smaller buffer cache: PostgreSQL's 128 MB is allocated
 * and touched at start in the WebAssembly heap, and the operating system's page cache holds the data
 * files anyway. 32 MB keeps an embedded server under ~320 MiB at rest.
 */
const START_PARAMS = [
  '--single', '-F', '-O', '-j',
  '-c', 'search_path=public', '-c', 'exit_on_error=false', '-c', 'log_checkpoints=false',
  '-c', 'max_worker_processes=0', '-c', 'max_parallel_workers=0', '-c', 'max_parallel_workers_per_gather=0',
  '-c', 'io_method=sync', '-c', 'max_parallel_maintenance_workers=0',
  '-c', 'shared_buffers=32MB',
  // Single-user PostgreSQL never checkpoints by log volume: the maintenance job does (server/maintenance).
  // After its checkpoint, keep at most two 16 MB segments for reuse rather than 80 MB.
  '-c', 'min_wal_size=32MB', '-c', 'max_wal_size=256MB',
];

try {
  const loadDataDir = template ? new Blob([await readFile(template)]) : undefined;
  pglite = await PGlite.create({ dataDir, startParams: START_PARAMS, ...(loadDataDir ? { loadDataDir } : {}) });
  statements = new PgliteStatements(pglite);
  adapter = await new PrismaPGlite(preparedClient()).connect();
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ ready: false, error: serializeError(e) });
}

port.on('message', (m: PgliteRequest) => {
  handle(m).then(
    (value) => answer({ id: m.id, ok: true, value }),
    (e: unknown) => answer({ id: m.id, ok: false, error: serializeError(e) }),
  );
});
