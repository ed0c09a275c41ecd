import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { applyMigrations, openDatabase, type Database } from '../db/index.js';
import { AppError } from '../errors.js';
import { ConversationStore, type ConversationKey, type MessageRow, type TurnWrite } from './conversationStore.js';
import { StatementGroup } from './statementGroup.js';
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

const STATEMENT = { sql: 'SELECT one($1, $2)', manySql: 'SELECT * FROM many($1::jsonb)' };

describe('StatementGroup: statements that wait for one under way go together', () => {
  it('sends a statement alone when none is under way, and the ones arriving meanwhile as one, each answered with its rows', async () => {
    const { sql, sent } = heldSql();
    const group = new StatementGroup(sql, STATEMENT);
    const first = group.query(['a', 1]);
    await tick();
    expect(sent.map((s) => [s.text, s.args])).toEqual([[STATEMENT.sql, ['a', 1]]]);
    const rest = [group.query(['b', 2]), group.query(['c', null]), group.query(['d', 4])];
    await tick();
    expect(sent).toHaveLength(1); // nothing else goes while the first is at the database
    sent[0]!.answer([{ x: 'a' }]);
    await expect(first).resolves.toEqual([{ x: 'a' }]);
    await tick();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.text).toBe(STATEMENT.manySql);
    expect(JSON.parse(sent[1]!.args[0] as string)).toEqual([
      ['b', 2],
      ['c', null],
      ['d', 4],
    ]);
    // Rows go to their turn by position `n` (from 1), which is left out: none, one or several a turn.
    sent[1]!.answer([
      { n: 1, x: 'b1' },
      { n: 3, x: 'd1' },
      { n: 1, x: 'b2' },
    ]);
    expect(await Promise.all(rest)).toEqual([[{ x: 'b1' }, { x: 'b2' }], [], [{ x: 'd1' }]]);
  });

  it("splices each turn's element as `element` makes it (JSON text already built is not encoded again)", async () => {
    const { sql, sent } = heldSql();
    const group = new StatementGroup(sql, { ...STATEMENT, element: (args) => args[0] as string });
    const all = [group.query(['{"t":1}']), group.query(['{"t":2}']), group.query(['{"t":3}'])];
    await tick();
    sent[0]!.answer([]);
    await tick();
    expect(sent[1]!.args).toEqual(['[{"t":2},{"t":3}]']);
    sent[1]!.answer([]);
    await Promise.all(all);
  });

  it('sends at most `max` in one statement; the rest follow in the next', async () => {
    const { sql, sent } = heldSql();
    const group = new StatementGroup(sql, STATEMENT, 2);
    const all = [1, 2, 3, 4].map((t) => group.query([t]));
    await tick();
    sent[0]!.answer([{ t: 1 }]);
    await tick();
    expect(JSON.parse(sent[1]!.args[0] as string)).toEqual([[2], [3]]);
    sent[1]!.answer([
      { n: 1, t: 2 },
      { n: 2, t: 3 },
    ]);
    await tick();
    expect(sent[2]!.text).toBe(STATEMENT.sql);
    expect(sent[2]!.args).toEqual([4]);
    sent[2]!.answer([{ t: 4 }]);
    expect(await Promise.all(all)).toEqual([[{ t: 1 }], [{ t: 2 }], [{ t: 3 }], [{ t: 4 }]]);
  });

  it('when the group statement fails, sends each turn again alone: each ends as it would have alone', async () => {
    const { sql, sent } = heldSql();
    const group = new StatementGroup(sql, STATEMENT);
    const first = group.query([1]);
    await tick();
    const rest = [group.query([2]), group.query([3])].map((p) => p.then((rows) => ({ rows }), (e: Error) => ({ e: e.message })));
    sent[0]!.answer([]);
    await first;
    await tick();
    sent[1]!.fail(new Error('duplicate key value violates unique constraint'));
    await tick();
    expect(sent.slice(2).map((s) => [s.text, s.args])).toEqual([
      [STATEMENT.sql, [2]],
      [STATEMENT.sql, [3]],
    ]);
    sent[2]!.fail(new Error('duplicate key value violates unique constraint'));
    sent[3]!.answer([{ t: 3 }]);
    expect(await Promise.all(rest)).toEqual([{ e: 'duplicate key value violates unique constraint' }, { rows: [{ t: 3 }] }]);
    // And the next statement goes at once.
    const next = group.query([5]);
    await tick();
    expect(sent[4]!.args).toEqual([5]);
    sent[4]!.answer([]);
    await expect(next).resolves.toEqual([]);
  });
});

const commitAlone = (text: string) => text.includes('kuaidai_turn_commit(');
const commitMany = (text: string) => text.includes('kuaidai_turn_commit_many(');
const loadMany = (text: string) => text.includes('kuaidai_turn_load_many(');

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

describe('loads and commits in groups on the database', () => {
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
    const store = new ConversationStore(sql, undefined, { groupStatements: true });
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
        turnOf(keys[3]!, ids[3]!, 7, 2, `cm-${ids[3]}-1`),
        // Reuses the first conversation's channel message id: the unique index refuses it.
        turnOf(keys[4]!, ids[4]!, undefined, 2, `cm-${ids[0]}-1`),
      ].map((w) => store.commit(w).then(() => 'stored', (e: unknown) => (e instanceof AppError ? e.code : `sqlstate ${sqlState(e)}`))),
    );
    expect(outcomes).toEqual(['stored', 'stored', 'stored', 'CONFLICT', 'sqlstate 23505']);
    // One alone, one group that failed on the duplicate, then each of the group alone.
    expect(statements.filter(commitAlone)).toHaveLength(5);
    expect(statements.filter(commitMany)).toHaveLength(1);

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
    const store = new ConversationStore(sql, undefined, { groupStatements: true });
    const keys = Array.from({ length: 6 }, (_, i): ConversationKey => ({ channel: 'rest', userId: `many-${i}-${randomUUID()}`, chatId: '' }));
    const ids = keys.map(() => randomUUID());
    statements.length = 0;
    await Promise.all(keys.map((k, i) => store.commit(turnOf(k, ids[i]!, undefined, 2, `cm-${ids[i]}-1`))));
    expect(statements.filter(commitAlone)).toHaveLength(1);
    expect(statements.filter(commitMany)).toHaveLength(1);
    const [row] = await sql.query(`SELECT count(*)::int AS n FROM "Message" WHERE "conversationId" = ANY($1::uuid[])`, [`{${ids.join(',')}}`]);
    expect(row!.n).toBe(12);
  });

  it('loads in a group as alone: the conversation, a message seen before, a conversation that does not exist', async () => {
    const grouped = new ConversationStore(sql, undefined, { groupStatements: true });
    const keys = Array.from({ length: 3 }, (_, i): ConversationKey => ({ channel: 'rest', userId: `load-${i}-${randomUUID()}`, chatId: '' }));
    const ids = keys.map(() => randomUUID());
    for (let i = 0; i < 2; i++) await grouped.commit(turnOf(keys[i]!, ids[i]!, undefined, 2, `cm-${ids[i]}-1`));
    const asked: [ConversationKey, string][] = [
      [keys[0]!, `cm-${ids[0]}-2`],
      [keys[1]!, `cm-${ids[1]}-1`], // seen before: the duplicate and its reply
      [keys[2]!, `cm-${ids[2]}-1`], // no such conversation
      [keys[0]!, `cm-${ids[1]}-1`], // another conversation's message id
    ];
    // A store of its own (nothing kept from the commits above), alone and then grouped.
    const alone = await Promise.all(asked.map(([k, m]) => new ConversationStore(sql).load(k, m)));
    statements.length = 0;
    const together = await Promise.all(asked.map(([k, m]) => new ConversationStore(sql, undefined, { groupStatements: true }).load(k, m)));
    expect(together).toEqual(alone);
    expect(alone[0]!.conversation).toMatchObject({ id: ids[0], version: 1, lastSeq: 2, snapshot: { value: 'menu', turn: 2 } });
    expect(alone[1]!.duplicate).toMatchObject({ conversationId: ids[1], replies: [{ text: '您好' }] });
    expect(alone[2]).toEqual({ conversation: undefined, duplicate: undefined, expects: undefined });
    expect(alone[3]!.duplicate?.conversationId).toBe(ids[1]);
    // Separate stores, separate groups: each of these went alone. One store groups its own.
    expect(statements.filter(loadMany)).toHaveLength(0);
    statements.length = 0;
    const shared = await Promise.all(asked.map(([k, m]) => grouped.load(k, m)));
    expect(shared.map((l) => [l.conversation?.id, l.duplicate?.conversationId])).toEqual(alone.map((l) => [l.conversation?.id, l.duplicate?.conversationId]));
    expect(statements.filter(loadMany)).toHaveLength(1);
  });
});
