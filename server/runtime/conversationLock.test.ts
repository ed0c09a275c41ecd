import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind } from '../../test/support/testDatabase.js';
import { applyMigrations, openDatabase } from '../db/index.js';
import { advisoryKeys, inProcessLock, postgresAdvisoryLock, type ConversationLock } from './conversationLock.js';
import { ConversationStore, type ConversationKey } from './conversationStore.js';
import { openSql } from './sql.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs three overlapping holders of one key and one of another; returns the order of events. */
async function exercise(locks: [ConversationLock, ConversationLock]): Promise<string[]> {
  const log: string[] = [];
  const hold = (lock: ConversationLock, key: string, name: string, ms: number) =>
    lock.withLock(key, async () => {
      log.push(`${name}+`);
      await sleep(ms);
      log.push(`${name}-`);
    });
  await Promise.all([hold(locks[0], 'k', 'a', 40), hold(locks[1], 'k', 'b', 10), hold(locks[0], 'k', 'c', 10), hold(locks[1], 'other', 'x', 5)]);
  return log;
}

const exclusive = (log: string[], names: string[]) => {
  const events = log.filter((e) => names.includes(e.slice(0, -1)));
  for (let i = 0; i < events.length; i += 2) expect(events[i]!.slice(0, -1)).toBe(events[i + 1]!.slice(0, -1));
};

describe('conversation locks', () => {
  it('in-process: one holder per key in arrival order; other keys run alongside', async () => {
    const lock = inProcessLock({ waitTimeoutMs: 1_000 });
    const log = await exercise([lock, lock]);
    expect(log.filter((e) => e.startsWith('a') || e.startsWith('b') || e.startsWith('c'))).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(log.indexOf('x-')).toBeLessThan(log.indexOf('a-'));
  });

  it('in-process: gives up after the wait limit without blocking later waiters, and survives a throwing holder', async () => {
    const lock = inProcessLock({ waitTimeoutMs: 30 });
    const first = lock.withLock('k', () => sleep(100));
    await expect(lock.withLock('k', async () => 'never')).rejects.toMatchObject({ code: 'CONVERSATION_BUSY' });
    await first;
    await expect(lock.withLock('k', async () => Promise.reject(new Error('bug')))).rejects.toThrow('bug');
    expect(await lock.withLock('k', async () => 'free')).toBe('free');
  });

  it('advisory keys are stable and spread', () => {
    expect(advisoryKeys('rest\u0000u1\u0000')).toEqual(advisoryKeys('rest\u0000u1\u0000'));
    expect(advisoryKeys('rest\u0000u1\u0000')).not.toEqual(advisoryKeys('rest\u0000u2\u0000'));
  });

  // Runs on whichever database the suite targets (CI runs both): on PostgreSQL, two advisory-lock
  // instances stand for two server processes; PGlite serves one process, whose in-process lock is shared.
  it(`${testDatabaseKind()}: the lock a server uses on this database excludes a second holder, and times out`, async () => {
    const database = await createTestDatabase();
    const url = database.target.kind === 'postgres' ? database.target.url : undefined;
    const make = (waitTimeoutMs: number): ConversationLock => (url ? postgresAdvisoryLock({ url, waitTimeoutMs }) : inProcessLock({ waitTimeoutMs }));
    const one = make(2_000);
    const two = url ? make(2_000) : one;
    try {
      const log = await exercise([one, two]);
      exclusive(log, ['a', 'b', 'c']);
      const impatient = url ? make(100) : one;
      const held = one.withLock('slow', () => sleep(400));
      await sleep(50);
      if (url) await expect(impatient.withLock('slow', async () => 'never')).rejects.toMatchObject({ code: 'CONVERSATION_BUSY' });
      else await expect(inProcessLock({ waitTimeoutMs: 100 }).withLock('slow', async () => 'free')).resolves.toBe('free'); // a separate process's lock knows nothing of this one
      await held;
      expect(await impatient.withLock('slow', async () => 'free')).toBe('free');
      if (impatient !== one) await impatient.close();
    } finally {
      await one.close();
      if (two !== one) await two.close();
      await database.drop();
    }
  });

  // PGlite is in-process: it has no connection that could drop.
  it.skipIf(testDatabaseKind() !== 'postgres')('postgres only: a lock connection terminated during the turn tells the holder (lost), does not end the process, and frees the key', async () => {
    const database = await createTestDatabase();
    const lock = postgresAdvisoryLock({ url: database.url, waitTimeoutMs: 2_000 });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const seen = await lock.withLock('k', async (lost) => {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kuaidai-conversation-lock' AND datname = current_database()`);
        for (let i = 0; i < 100 && !lost.aborted; i++) await sleep(20);
        return lost.reason as unknown;
      });
      expect(seen).toMatchObject({ code: 'DB_UNAVAILABLE', statusCode: 503 });
      // PostgreSQL released the dropped session's lock; the pool replaced the connection.
      expect(await lock.withLock('k', async (lost) => (lost.aborted ? 'lost' : 'held'))).toBe('held');
    } finally {
      await admin.end();
      await lock.close();
      await database.drop();
    }
  });

  // The turn's load takes the lock in the same statement (one round trip): it must still see what the
  // holder before it committed while it waited, and exclude a second holder as the plain lock does.
  it.skipIf(testDatabaseKind() !== 'postgres')('postgres only: the load that takes the lock sees what the previous holder committed, however long it waited', async () => {
    const database = await createTestDatabase();
    const db = await openDatabase(database.target);
    await applyMigrations(db.adapterFactory);
    const sql = await openSql(db, { postgresUrl: database.url });
    const store = new ConversationStore(sql);
    const [one, two] = [postgresAdvisoryLock({ url: database.url, waitTimeoutMs: 5_000 }), postgresAdvisoryLock({ url: database.url, waitTimeoutMs: 5_000 })];
    const key: ConversationKey = { channel: 'rest', userId: 'u-lock', chatId: '' };
    const lockKey = 'rest\u0000u-lock\u0000';
    const turn = (expectedVersion: number | undefined, lastSeq: number) =>
      store.commit({ conversationId: '6f1c1c9e-2d7b-4f59-9a4e-3c1f0b8a7d21', key, expectedVersion, machine: { id: 'm', version: 1, snapshot: JSON.stringify({ n: lastSeq }) }, status: undefined, referral: undefined, lastSeq, lastInboundAt: undefined, messages: [], jobs: [], cancelledJobKeys: [], now: new Date() });
    try {
      await turn(undefined, 1);
      const log: string[] = [];
      let entered!: () => void;
      const firstIn = new Promise<void>((r) => (entered = r));
      const first = one.withLock(
        lockKey,
        async (_lost, opened) => {
          log.push(`first saw v${opened?.find((r) => r.row === 'conversation')?.version}`);
          entered();
          await sleep(300);
          await turn(1, 2);
          log.push('first committed v2');
        },
        store.loadOpening(key, null),
      );
      await firstIn;
      const second = two.withLock(
        lockKey,
        async (_lost, opened) => {
          const loaded = await store.load(key, null, opened);
          log.push(`second saw v${loaded.conversation?.version} ${JSON.stringify(loaded.conversation?.snapshot)}`);
        },
        store.loadOpening(key, null),
      );
      await Promise.all([first, second]);
      expect(log).toEqual(['first saw v1', 'first committed v2', 'second saw v2 {"n":2}']);
      // Free again, and a lock held elsewhere makes the opening wait, then give up with CONVERSATION_BUSY.
      const impatient = postgresAdvisoryLock({ url: database.url, waitTimeoutMs: 100 });
      const held = one.withLock(lockKey, () => sleep(400));
      await sleep(50);
      await expect(impatient.withLock(lockKey, async () => 'never', store.loadOpening(key, null))).rejects.toMatchObject({ code: 'CONVERSATION_BUSY' });
      await held;
      expect(await impatient.withLock(lockKey, async (_lost, opened) => opened?.length, store.loadOpening(key, null))).toBe(1);

      // The last write goes with the unlock: a failed one is rolled back and the lock stays held (the
      // impatient holder gives up); the next one commits, and only then is the key free.
      const order: string[] = [];
      const closingTurn = one.withLock(
        lockKey,
        async (_lost, _opened, closing) => {
          await expect(closing!('SELECT 1 / $1::int AS "x"', [0])).rejects.toMatchObject({ code: '22012' });
          await expect(impatient.withLock(lockKey, async () => 'never')).rejects.toMatchObject({ code: 'CONVERSATION_BUSY' });
          order.push('failed write, still held');
          await turn(2, 3);
          const conversation = await store.load(key, null);
          const rows = await closing!(`SELECT $1::text || ' ' || $2::text AS "said", $3::int AS "n", $4::boolean AS "yes", $5::text AS "none"`, ["it's", 'a \\ b', 7, true, null]);
          order.push(`closed: ${JSON.stringify(rows)} at v${conversation.conversation?.version}`);
          // Nothing more is written once the lock is released.
          await expect(closing!('SELECT $1::int AS "n"', [1])).rejects.toMatchObject({ code: 'INTERNAL' });
          // Released with that round trip, while this turn still runs.
          order.push(await impatient.withLock(lockKey, async () => 'free at once'));
        },
        store.loadOpening(key, null),
      );
      await closingTurn;
      expect(order).toEqual(['failed write, still held', `closed: [{"said":"it's a \\\\ b","n":7,"yes":true,"none":null}] at v3`, 'free at once']);
      expect(await impatient.withLock(lockKey, async (_lost, opened) => opened?.find((r) => r.row === 'conversation')?.version, store.loadOpening(key, null))).toBe(3);
      await impatient.close();
    } finally {
      await Promise.all([one.close(), two.close()]);
      await sql.close();
      await db.close();
      await database.drop();
    }
  });
});
