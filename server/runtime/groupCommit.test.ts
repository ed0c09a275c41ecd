import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { applyMigrations, openDatabase, type Database } from '../db/index.js';
import { AppError } from '../errors.js';
import { ConversationStore, type ConversationKey, type MessageRow, type TurnWrite } from './conversationStore.js';
import { COMMIT_SQL, GroupCommit } from './groupCommit.js';
import { openSql, sqlState, type Sql, type SqlArg, type SqlRow } from './sql.js';

/** A fake Sql that holds every statement until `answer` is called, and records what was sent. */
function heldSql() {
  const sent: { text: string; args: readonly SqlArg[]; answer: (rows: SqlRow[]) => void; fail: (e: Error) => void }[] = [];
  const sql: Sql = {
    query: (text, args = []) => new Promise<SqlRow[]>((resolve, reject) => sent.push({ text, args, answer: resolve, fail: reject })),
    close: async () => {},
  };
  return { sql, sent };
}

const tick = () => new Promise((r) => setImmediate(r));
const many = (text: string) => text.includes('kuaidai_turn_commit_many');

describe('GroupCommit: commits that wait for one under way go together', () => {
  it('sends a commit alone when none is under way, and the ones arriving meanwhile as one statement, in order', async () => {
    const { sql, sent } = heldSql();
    const group = new GroupCommit(sql);
    const first = group.commit('{"t":1}');
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toBe(COMMIT_SQL);
    expect(sent[0]!.args).toEqual(['{"t":1}']);
    const rest = [group.commit('{"t":2}'), group.commit('{"t":3}'), group.commit('{"t":4}')];
    await tick();
    expect(sent).toHaveLength(1); // nothing else goes while the first is at the database
    sent[0]!.answer([{ committed: 1 }]);
    await expect(first).resolves.toBe(1);
    await tick();
    expect(sent).toHaveLength(2);
    expect(many(sent[1]!.text)).toBe(true);
    expect(JSON.parse(sent[1]!.args[0] as string)).toEqual([{ t: 2 }, { t: 3 }, { t: 4 }]);
    // Each turn gets its own answer, by position (0: its conversation was changed meanwhile).
    sent[1]!.answer([{ committed: 1 }, { committed: 0 }, { committed: 1 }]);
    expect(await Promise.all(rest)).toEqual([1, 0, 1]);
  });

  it('sends at most `max` in one statement; the rest follow in the next', async () => {
    const { sql, sent } = heldSql();
    const group = new GroupCommit(sql, 2);
    const all = [group.commit('{"t":1}'), group.commit('{"t":2}'), group.commit('{"t":3}'), group.commit('{"t":4}')];
    await tick();
    sent[0]!.answer([{ committed: 1 }]);
    await tick();
    expect(JSON.parse(sent[1]!.args[0] as string)).toEqual([{ t: 2 }, { t: 3 }]);
    sent[1]!.answer([{ committed: 1 }, { committed: 1 }]);
    await tick();
    expect(sent[2]!.text).toBe(COMMIT_SQL);
    expect(sent[2]!.args).toEqual(['{"t":4}']);
    sent[2]!.answer([{ committed: 1 }]);
    expect(await Promise.all(all)).toEqual([1, 1, 1, 1]);
  });

  it('when the group statement fails, sends each turn again alone: each ends as it would have alone', async () => {
    const { sql, sent } = heldSql();
    const group = new GroupCommit(sql);
    const first = group.commit('{"t":1}');
    await tick();
    const rest = [group.commit('{"t":2}'), group.commit('{"t":3}')].map((p) => p.then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    sent[0]!.answer([{ committed: 1 }]);
    await first;
    await tick();
    sent[1]!.fail(new Error('duplicate key value violates unique constraint'));
    await tick();
    expect(sent.slice(2).map((s) => [s.text, s.args[0]])).toEqual([
      [COMMIT_SQL, '{"t":2}'],
      [COMMIT_SQL, '{"t":3}'],
    ]);
    sent[2]!.fail(new Error('duplicate key value violates unique constraint'));
    sent[3]!.answer([{ committed: 1 }]);
    expect(await Promise.all(rest)).toEqual([{ e: 'duplicate key value violates unique constraint' }, { v: 1 }]);
    // And the next commit goes at once.
    const next = group.commit('{"t":5}');
    await tick();
    expect(sent[4]!.args).toEqual(['{"t":5}']);
    sent[4]!.answer([{ committed: 1 }]);
    await expect(next).resolves.toBe(1);
  });
});

/** A conversation's turn as the runtime writes it (no cipher: the snapshot is stored as JSON). */
function turnOf(key: ConversationKey, id: string, expectedVersion: number | undefined, lastSeq: number, channelMessageId: string): TurnWrite {
  const inbound: MessageRow = {
    id: randomUUID(),
    seq: lastSeq - 1,
    direction: 'inbound',
    channelMessageId,
    author: 'borrower',
    text: '你好',
    payload: null,
    replyToId: null,
    deliveryStatus: 'none',
    deliveredAt: null,
    nextAttemptAt: null,
  };
  const reply: MessageRow = { ...inbound, id: randomUUID(), seq: lastSeq, direction: 'outbound', channelMessageId: null, author: 'bot', text: '您好', replyToId: inbound.id, deliveryStatus: 'delivered' };
  return {
    conversationId: id,
    key,
    expectedVersion,
    machine: { id: 'kuaidai.session', version: 1, snapshot: JSON.stringify({ value: 'menu', turn: lastSeq }) },
    status: undefined,
    referral: undefined,
    lastSeq,
    lastInboundAt: new Date(),
    messages: [inbound, reply],
    jobs: [{ kind: 'deadline', key: `deadline:${id}:nudge`, dueAt: new Date(Date.now() + 60_000).toISOString(), payload: { conversationId: id } }],
    cancelledJobKeys: [],
    now: new Date(),
    console: { step: 'menu' },
  };
}

describe('group commit on the database', () => {
  let database: TestDatabase;
  let db: Database;
  let sql: Sql;
  const statements: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase(database.target);
    await applyMigrations(db.adapterFactory);
    const inner = await openSql(db);
    sql = {
      query: (text, args) => {
        statements.push(text);
        return inner.query(text, args);
      },
      close: () => inner.close(),
    };
  });

  afterAll(async () => {
    await sql.close();
    await db.close();
    await database.drop();
  });

  it('stores each turn of a group as it would alone: new and continued conversations, a stale one refused, a duplicate message failing only its own turn', async () => {
    const store = new ConversationStore(sql, undefined, { groupCommits: true });
    const keys = Array.from({ length: 5 }, (_, i): ConversationKey => ({ channel: 'rest', userId: `group-${i}-${randomUUID()}`, chatId: '' }));
    const ids = keys.map(() => randomUUID());
    await store.commit(turnOf(keys[0]!, ids[0]!, undefined, 2, `cm-${ids[0]}-1`));

    statements.length = 0;
    const outcomes = await Promise.all(
      [
        // Goes alone (nothing under way); the others wait for it and go together.
        turnOf(keys[1]!, ids[1]!, undefined, 2, `cm-${ids[1]}-1`),
        turnOf(keys[0]!, ids[0]!, 1, 4, `cm-${ids[0]}-2`),
        turnOf(keys[2]!, ids[2]!, undefined, 2, `cm-${ids[2]}-1`),
        // Expects version 7 of a conversation at version 0: changed by another writer.
        { ...turnOf(keys[3]!, ids[3]!, 7, 2, `cm-${ids[3]}-1`) },
        // Reuses the first conversation's channel message id: the unique index refuses it.
        turnOf(keys[4]!, ids[4]!, undefined, 2, `cm-${ids[0]}-1`),
      ].map((w) => store.commit(w).then(() => 'stored', (e: unknown) => (e instanceof AppError ? e.code : `sqlstate ${sqlState(e)}`))),
    );
    expect(outcomes).toEqual(['stored', 'stored', 'stored', 'CONFLICT', 'sqlstate 23505']);
    // One alone, one group that failed on the duplicate, then each of the group alone.
    expect(statements.filter((s) => s === COMMIT_SQL)).toHaveLength(5);
    expect(statements.filter(many)).toHaveLength(1);

    const rows = await sql.query(
      `SELECT c.id::text AS id, c.version AS version, c."lastSeq" AS "lastSeq", (SELECT count(*)::int FROM "Message" m WHERE m."conversationId" = c.id) AS messages,
        (SELECT count(*)::int FROM "Job" j WHERE j.key = 'deadline:' || c.id::text || ':nudge') AS jobs,
        (SELECT count(*)::int FROM "ConsoleConversation" k WHERE k."conversationId" = c.id) AS console
       FROM "Conversation" c WHERE c.id = ANY($1::uuid[]) ORDER BY c."externalUserId"`,
      [`{${ids.join(',')}}`],
    );
    expect(rows).toEqual([
      { id: ids[0], version: 2, lastSeq: 4, messages: 4, jobs: 1, console: 1 },
      { id: ids[1], version: 1, lastSeq: 2, messages: 2, jobs: 1, console: 1 },
      { id: ids[2], version: 1, lastSeq: 2, messages: 2, jobs: 1, console: 1 },
    ]);
  });

  it('a group that commits: one statement for all of them, each answered', async () => {
    const store = new ConversationStore(sql, undefined, { groupCommits: true });
    const keys = Array.from({ length: 6 }, (_, i): ConversationKey => ({ channel: 'rest', userId: `many-${i}-${randomUUID()}`, chatId: '' }));
    const ids = keys.map(() => randomUUID());
    statements.length = 0;
    await Promise.all(keys.map((k, i) => store.commit(turnOf(k, ids[i]!, undefined, 2, `cm-${ids[i]}-1`))));
    expect(statements.filter((s) => s === COMMIT_SQL)).toHaveLength(1);
    expect(statements.filter(many)).toHaveLength(1);
    const [row] = await sql.query(`SELECT count(*)::int AS n FROM "Message" WHERE "conversationId" = ANY($1::uuid[])`, [`{${ids.join(',')}}`]);
    expect(row!.n).toBe(12);
  });
});
