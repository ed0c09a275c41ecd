import { createHash } from 'node:crypto';
import type pg from 'pg';
import { newPgPool, sqlLiteral, StatementNames } from '../db/index.js';
import { AppError, dbUnavailable } from '../errors.js';
import type { SqlArg, SqlRow } from './sql.js';

/**
 * Serialises the turns of one conversation: whoever holds the key restores, runs and persists the
 * machine; everyone else with the same key waits. Keys are opaque strings (see `conversationKey`).
 */
export interface ConversationLock {
  /**
   * Runs `fn` holding `key`; throws CONVERSATION_BUSY when the key cannot be had within the wait
   * limit, DB_UNAVAILABLE when the database cannot be asked. `lost` is aborted (its reason a
   * DB_UNAVAILABLE) if the lock is lost while `fn` runs: its connection dropped, so another process
   * may take the key; `fn` must then store nothing.
   *
   * `opening`, if given, is the statement `fn` would run first. A lock held in the database may run
   * it in its place, in the same round trip as taking the lock (`LockOpening.lockingSql`); `fn` then
   * gets its rows as `opened`, and otherwise undefined (it runs the statement itself). Such a lock
   * also gives `closing`, to run the turn's last write (see LockClosing).
   */
  withLock<T>(key: string, fn: (lost: AbortSignal, opened?: SqlRow[], closing?: LockClosing) => Promise<T>, opening?: LockOpening): Promise<T>;
  close(): Promise<void>;
}

/**
 * Runs a turn's last write on the lock's connection, in a transaction committed before the lock is
 * released, all in one round trip; its rows are answered. The arguments are sent as literals in the
 * text (`$n` stands for the n-th): the statement must hold no other `$`. If it fails, it is rolled
 * back and the lock is still held (the turn may store something else, an apology, the same way);
 * once it succeeded the lock is released, and a later call is refused (INTERNAL): a bug.
 */
export type LockClosing = (sql: string, args: readonly SqlArg[]) => Promise<SqlRow[]>;

/** A turn's first statement, in the form that also takes the conversation's advisory lock. */
export interface LockOpening {
  /**
   * Takes the session-level advisory lock named by its last two parameters (int4, after `args`),
   * then answers the statement's rows from a snapshot taken after the lock was had.
   */
  readonly lockingSql: string;
  readonly args: readonly SqlArg[];
}

const busy = (reason: string) => new AppError('CONVERSATION_BUSY', { reason });

const NEVER_LOST = new AbortController().signal;

/** A keyed mutex for one process: waiters queue per key in arrival order. */
export function inProcessLock(options: { waitTimeoutMs: number }): ConversationLock {
  const tails = new Map<string, Promise<void>>();
  return {
    async withLock(key, fn) {
      const previous = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          previous,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(busy(`waited ${options.waitTimeoutMs} ms for an earlier message`)), options.waitTimeoutMs);
          }),
        ]);
      } catch (e) {
        // Give up our place without blocking whoever queued behind us: they run once `previous` is done.
        release();
        throw e;
      } finally {
        clearTimeout(timer);
      }
      try {
        return await fn(NEVER_LOST);
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    close: async () => {},
  };
}

/** An argument as an SQL literal, for a statement sent as text (LockClosing). */
function literal(value: SqlArg | undefined): string {
  if (value === undefined) throw new AppError('INTERNAL', { reason: 'a statement names a parameter it was not given' });
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AppError('INTERNAL', { reason: `${value} has no SQL literal` });
    return String(value);
  }
  return typeof value === 'boolean' ? String(value) : sqlLiteral(value);
}

/** Two int4 keys for `pg_advisory_lock(k1, k2)` from a conversation key. */
export function advisoryKeys(key: string): [number, number] {
  const digest = createHash('sha256').update(key).digest();
  return [digest.readInt32BE(0), digest.readInt32BE(4)];
}

/**
 * Across processes on PostgreSQL: the in-process mutex first (so one process never queues a second
 * connection for the same conversation), then a session-level advisory lock held on a dedicated
 * connection for the whole turn and released after the commit. Each is a round trip saved when the
 * turn lets them ride: the statement that takes the lock can be the turn's first (its load, `opening`),
 * and the unlock is sent with the turn's last write (`closing`), after that write's own transaction:
 * a lock released inside it would let the next holder load before the write is visible. A crashed
 * process's connection drops, which frees its locks. `lock_timeout` bounds the wait. A held connection that drops (the
 * database restarted, the backend was terminated) is an error on that connection alone: the turn
 * holding it is told through `lost`, the connection is discarded, the process carries on.
 */
export function postgresAdvisoryLock(options: { url: string; waitTimeoutMs: number; poolSize?: number }): ConversationLock {
  const local = inProcessLock(options);
  // The turn holding a connection hears of its drop: the lock is gone with it.
  const holders = new WeakMap<pg.Client, (error: Error) => void>();
  // Prepared once per connection, as the runtime's own statements are (server/db/statementNames.ts).
  const names = new StatementNames();
  const pool = newPgPool(
    {
      connectionString: options.url,
      max: options.poolSize ?? 20,
      connectionTimeoutMillis: options.waitTimeoutMs,
      options: `-c lock_timeout=${options.waitTimeoutMs}`,
      application_name: 'kuaidai-conversation-lock',
    },
    (client, error) => holders.get(client)?.(error),
  );
  return {
    withLock: (key, fn, opening) =>
      local.withLock(key, async () => {
        const [k1, k2] = advisoryKeys(key);
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (e) {
          throw dbUnavailable(e);
        }
        const lost = new AbortController();
        holders.set(client, (e) => lost.abort(dbUnavailable(e)));
        const release = (error?: Error) => {
          holders.delete(client);
          client.release(error);
        };
        let opened: SqlRow[] | undefined;
        try {
          if (opening) {
            const text = opening.lockingSql;
            opened = (await client.query<SqlRow>({ text, values: [...opening.args, k1, k2], name: names.name(text) })).rows;
          } else await client.query('SELECT pg_advisory_lock($1, $2)', [k1, k2]);
        } catch (e) {
          if ((e as { code?: string }).code === '55P03') {
            release();
            throw busy(`another server held the conversation for ${options.waitTimeoutMs} ms`);
          }
          // Whatever failed, the connection goes, and with its session any lock the statement took.
          release(e as Error);
          // The opening's own error (a database fault or a bug) is its caller's to classify, as if it had run it.
          throw opening ? e : dbUnavailable(e);
        }
        let unlocked = false;
        const closing: LockClosing = async (text, args) => {
          // Nothing is written once the lock is gone: another process may hold the conversation.
          if (unlocked) throw new AppError('INTERNAL', { reason: 'the turn wrote after its last write had released the lock' });
          const statement = text.replace(/\$(\d+)/g, (_, n: string) => literal(args[Number(n) - 1]));
          try {
            // One Query message: the statement's transaction commits, then the unlock runs after it.
            const results = (await client.query(`BEGIN; ${statement}; COMMIT; SELECT pg_advisory_unlock(${k1}, ${k2})`)) as unknown as pg.QueryResult<SqlRow>[];
            unlocked = true;
            return results[1]!.rows;
          } catch (e) {
            // The rest of the message was skipped, the lock is still ours; the transaction is left aborted.
            if (!lost.signal.aborted) await client.query('ROLLBACK').catch(() => undefined);
            throw e;
          }
        };
        try {
          return await fn(lost.signal, opened, closing);
        } finally {
          // A dropped connection is discarded (PostgreSQL released its locks with the session).
          if (lost.signal.aborted) release(lost.signal.reason as Error);
          else if (unlocked) release();
          else
            await client.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]).then(
              () => release(),
              (e: unknown) => release(e as Error),
            );
        }
      }),
    close: () => pool.end(),
  };
}
