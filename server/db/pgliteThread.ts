import type { ResourceLimits, Worker } from 'node:worker_threads';
import { DriverAdapterError, type IsolationLevel, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory, type SqlQuery, type SqlResultSet, type Transaction } from '@prisma/driver-adapter-utils';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { AppError } from '../errors.js';
import { createPgliteDirectory } from './createPgliteDirectory.js';
import type { EmbeddedDatabase, EmbeddedQueryable, EmbeddedResult } from './embeddedDatabase.js';
import type { PgliteRequest, PgliteResponse, PgliteWorkerData, SerializedError } from './pgliteProtocol.js';
import { startWorker } from '../threads/index.js';
import { serverLoop } from '../loop/index.js';

type Call = PgliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** An error from the database's thread, rebuilt so callers see what they would have seen in-thread. */
function reviveError(e: SerializedError): Error {
  if (e.name === 'DriverAdapterError' && e.fields.cause && typeof e.fields.cause === 'object') {
    return new DriverAdapterError(e.fields.cause as ConstructorParameters<typeof DriverAdapterError>[0]);
  }
  const error = new Error(e.message);
  error.name = e.name;
  Object.assign(error, e.fields);
  return error;
}

/**
 * The database thread's JavaScript allocates little and briefly (a statement's messages and rows), so
 * a young generation of 8 MB (V8 sizes it 32 MB by default) collects as well and keeps ~24 MB less
 * resident; its WebAssembly heap is not JavaScript's and is not limited here.
 */
const DATABASE_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 } as const satisfies ResourceLimits;

/** How busy an embedded database's thread is: active time so far, requests sent, requests not yet answered. */
export interface PgliteThreadStats {
  readonly activeSeconds: number;
  readonly requests: number;
  readonly inFlight: number;
}

/** The embedded databases of this process not yet closed (tests may hold several), for the metrics. */
const live = new Set<PgliteThread>();

/**
 * How busy this process's embedded databases are (summed; none on PostgreSQL): their threads' active
 * time (JavaScript and the WebAssembly engine; not idle in the event loop), requests sent to them and
 * requests not yet answered. GET /metrics reads it at scrape time: a thread active most of every second
 * is the server's limit, whatever the server's own thread is doing.
 */
export function pgliteThreadStats(): PgliteThreadStats | undefined {
  if (live.size === 0) return undefined;
  const total = { activeSeconds: 0, requests: 0, inFlight: 0 };
  for (const thread of live) {
    const s = thread.stats();
    total.activeSeconds += s.activeSeconds;
    total.requests += s.requests;
    total.inFlight += s.inFlight;
  }
  return total;
}

/**
 * The embedded PGlite on a thread of its own (pgliteWorker.ts), seen from the server's thread: plain
 * queries and transactions for our own SQL (EmbeddedDatabase), and a Prisma driver adapter whose
 * queries run on that thread. The thread is started once, owns the data directory, and is ended by
 * `close()`. Should it die otherwise, every call fails DB_UNAVAILABLE and the process is told
 * through `onFatal` (server/main.ts exits; a supervisor restarts it).
 */
export class PgliteThread implements EmbeddedDatabase {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;
  private busyTotalMs = 0;
  private busySince = 0;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly where: string,
  ) {}

  /** `template` (in memory only): a tarball from `dump()` to start from instead of an empty cluster. */
  static async open(dataDir: string, options: { onFatal?: (e: Error) => void; template?: string | undefined } = {}): Promise<PgliteThread> {
    if (options.template && dataDir !== 'memory://') throw new AppError('DB_UNAVAILABLE', { reason: `a template starts an in-memory database only, not ${dataDir}` });
    if (dataDir !== 'memory://') {
      try {
        await createPgliteDirectory(dataDir);
      } catch (e) {
        // The child's own error line (its stack and Node's version line follow it).
        const reason = (e as { stderr?: string }).stderr?.split('\n').find((l) => /error/i.test(l))?.trim() ?? (e as Error).message;
        throw new AppError('DB_UNAVAILABLE', { reason: `cannot create the embedded database at ${dataDir}: ${reason}` }, { cause: e });
      }
    }
    const thread = await PgliteThread.start(dataDir, options.template);
    thread.watch(options.onFatal);
    live.add(thread);
    return thread;
  }

  private static async start(dataDir: string, template: string | undefined): Promise<PgliteThread> {
    const worker = startWorker(new URL('./pgliteWorker.ts', import.meta.url), { workerData: { dataDir, template } satisfies PgliteWorkerData, resourceLimits: DATABASE_THREAD_LIMITS });
    const where = dataDir === 'memory://' ? 'in memory' : dataDir;
    await new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => reject(new AppError('DB_UNAVAILABLE', { reason: `cannot open embedded database at ${where}: ${e.message}` }, { cause: e }));
      worker.once('error', failed);
      worker.once('exit', (code) => failed(new Error(`its thread exited with code ${code}`)));
      worker.once('message', (m: { ready: boolean; error?: SerializedError }) => {
        worker.removeAllListeners('error');
        worker.removeAllListeners('exit');
        if (m.ready) resolve();
        else failed(reviveError(m.error!));
      });
    }).catch(async (e: unknown) => {
      await worker.terminate();
      throw e;
    });
    return new PgliteThread(worker, where);
  }

  private watch(onFatal: ((e: Error) => void) | undefined): void {
    // Answers resume their callers in slices of the server's loop (server/loop): the database answers
    // faster than the turns that wait on it run, and back to back they held the loop from sockets.
    this.worker.on('message', (m: PgliteResponse) => serverLoop.run(() => this.settle(m)));
    const died = (e: Error) => {
      if (this.closing || this.dead) return;
      this.fail(new AppError('DB_UNAVAILABLE', { reason: `the embedded database's thread stopped: ${e.message}` }, { cause: e }));
      onFatal?.(this.dead!);
    };
    this.worker.on('error', died);
    this.worker.on('exit', (code) => died(new Error(`exit code ${code}`)));
  }

  private settle(m: PgliteResponse): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.busyTotalMs += performance.now() - this.busySince;
    if (m.ok) w.resolve(m.value);
    else w.reject(reviveError(m.error));
  }

  private fail(e: Error): void {
    live.delete(this);
    this.dead = e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private call<T>(request: Call): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.waiting.size === 0) this.busySince = performance.now();
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private queryable(tx: number | undefined): EmbeddedQueryable {
    return {
      query: <T>(sql: string, params: readonly unknown[] = [], options?: { blob?: Blob }) => this.call<EmbeddedResult<T>>({ op: 'query', sql, params, blob: options?.blob, tx }),
      exec: (sql: string) => this.call<EmbeddedResult[]>({ op: 'exec', sql, tx }),
    };
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], options?: { blob?: Blob }): Promise<EmbeddedResult<T>> {
    return this.call<EmbeddedResult<T>>({ op: 'query', sql, params, blob: options?.blob });
  }

  exec(sql: string): Promise<EmbeddedResult[]> {
    return this.call<EmbeddedResult[]>({ op: 'exec', sql });
  }

  /** Its thread's active time so far, the requests sent to it and those not yet answered. */
  stats(): PgliteThreadStats {
    return { activeSeconds: this.worker.performance.eventLoopUtilization().active / 1000, requests: this.nextId - 1, inFlight: this.waiting.size };
  }

  busyMs(): number {
    return this.busyTotalMs + (this.waiting.size > 0 ? performance.now() - this.busySince : 0);
  }

  async transaction<T>(fn: (tx: EmbeddedQueryable) => Promise<T>): Promise<T> {
    const tx = await this.call<number>({ op: 'begin' });
    let value: T;
    try {
      value = await fn(this.queryable(tx));
    } catch (e) {
      await this.call({ op: 'end', tx, commit: false }).catch(() => {});
      throw e;
    }
    await this.call({ op: 'end', tx, commit: true });
    return value;
  }

  /** A Prisma driver adapter factory whose queries run on the database's thread. */
  prismaAdapterFactory(): SqlMigrationAwareDriverAdapterFactory {
    const call = <T>(request: Call) => this.call<T>(request);
    const queryable = (tx: number | undefined) => ({
      provider: 'postgres' as const,
      adapterName: 'kuaidai-pglite-thread',
      queryRaw: (query: SqlQuery) => call<SqlResultSet>({ op: 'prismaQuery', query, tx }),
      executeRaw: (query: SqlQuery) => call<number>({ op: 'prismaExecute', query, tx }),
    });
    const adapter: SqlDriverAdapter = {
      ...queryable(undefined),
      executeScript: (script: string) => call<void>({ op: 'prismaScript', script }),
      async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
        const { tx, options } = await call<{ tx: number; options: Transaction['options'] }>({ op: 'prismaBegin', isolationLevel });
        return {
          ...queryable(tx),
          options,
          commit: () => call<void>({ op: 'prismaEnd', tx, commit: true }),
          rollback: () => call<void>({ op: 'prismaEnd', tx, commit: false }),
        };
      },
      getConnectionInfo: () => ({ supportsRelationJoins: true }),
      dispose: async () => {},
    };
    return {
      provider: 'postgres',
      adapterName: 'kuaidai-pglite-thread',
      connect: async () => adapter,
      // Only `npm run db:new` diffs against a shadow database: a throwaway one in memory, on this thread.
      connectToShadowDb: () => new PrismaPGlite(new PGlite('memory://')).connect(),
    };
  }

  /** The data directory as an uncompressed tarball, for `open(…, { template })`. */
  dump(): Promise<Uint8Array> {
    return this.call<Uint8Array>({ op: 'dump' });
  }

  /** Closes PGlite (its last writes reach the directory) and ends the thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    try {
      if (!this.dead) await this.call({ op: 'close' });
    } finally {
      this.closing = true;
      await this.worker.terminate();
      this.fail(new AppError('DB_UNAVAILABLE', { reason: `the embedded database at ${this.where} is closed` }));
    }
  }
}
