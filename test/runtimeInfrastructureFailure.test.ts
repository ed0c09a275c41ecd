import { fromPromise, setup } from 'xstate';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConversationEvent, ConversationSpec, ConversationStart, Deadline, Reply } from '../flows/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
const databases: TestDatabase[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.app.close()));
  await Promise.all(databases.map((d) => d.drop()));
});

/** How the test's one effect behaves on its next call. */
type Mode = 'ok' | 'database down' | 'bug';

const TEMPORARY = '系统繁忙，请稍后再试。';
// What pg throws on a backend terminated under a query (PostgreSQL 57P01).
const terminated = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });

/**
 * A machine like the lending flows: each message is saved by an effect in a `busy` state, and an
 * effect that throws is answered the flows' way (`onError` → a "try again later" reply).
 */
function savingSpec(control: { mode: Mode; saved: string[] }): ConversationSpec {
  const machine = setup({
    types: { context: {} as { count: number }, events: {} as ConversationEvent, input: {} as ConversationStart },
    actions: { reply: (_, _r: Reply) => {}, scheduleDeadline: (_, _d: Deadline) => {}, cancelDeadline: (_, _k: { key: string }) => {} },
    actors: {
      save: fromPromise<string, { text: string }>(async ({ input }) => {
        await new Promise((r) => setTimeout(r, 5));
        if (control.mode === 'database down') throw terminated();
        if (control.mode === 'bug') throw new TypeError('cannot read properties of undefined');
        control.saved.push(input.text);
        return input.text;
      }),
    },
  }).createMachine({
    id: 'saving',
    context: { count: 0 },
    initial: 'idle',
    states: {
      idle: { on: { 'user.text': 'saving' } },
      saving: {
        tags: ['busy'],
        invoke: {
          id: 'save',
          src: 'save',
          input: ({ event }) => ({ text: event.type === 'user.text' ? event.text : '' }),
          onDone: { target: 'idle', actions: { type: 'reply', params: ({ event }) => ({ text: `已保存：${event.output}` }) } },
          onError: { target: 'idle', actions: { type: 'reply', params: { text: TEMPORARY } } },
        },
      },
    },
  });
  return {
    machineId: 'saving',
    version: 1,
    createMachine: (sink) => machine.provide({ actions: { reply: sink.reply, scheduleDeadline: sink.scheduleDeadline, cancelDeadline: sink.cancelDeadline } }),
    input: (start) => start,
    status: (snapshot) => ({ handoff: 'bot', step: String(snapshot.value), locale: 'zh' }),
    migrate: (_v, _p, start) => ({ kind: 'restart', input: start, notice: { text: '重新开始' } }),
  };
}

const control = { mode: 'ok' as Mode, saved: [] as string[] };
let shared: Server | undefined;
async function server(): Promise<Server> {
  if (shared) return shared;
  const database = await createTestDatabase();
  databases.push(database);
  shared = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, { spec: savingSpec(control) });
  servers.push(shared);
  return shared;
}

describe(`a turn that failed on the database stores nothing (${testDatabaseKind()})`, () => {
  it('answers 503 DB_UNAVAILABLE and stores nothing when an effect hit a database fault, though the machine handled it; the same messageId is answered for real later', async () => {
    const { app, db } = await server();
    control.mode = 'database down';
    const post = (messageId: string, text: string) => app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'u1', messageId, text } });

    const failed = await post('m1', '第一条');
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toEqual({ error: { code: 'DB_UNAVAILABLE', message: 'Database unavailable: the database closed the connection' } });
    expect(await db.prisma.message.count({ where: { conversation: { externalUserId: 'u1' } } })).toBe(0);
    expect(await db.prisma.conversation.count({ where: { externalUserId: 'u1' } })).toBe(0);

    // The database is back: the same message gets its real answer, once.
    control.mode = 'ok';
    const answered = await post('m1', '第一条');
    expect(answered.statusCode).toBe(200);
    expect(answered.json<{ replies: { text: string }[] }>().replies.map((r) => r.text)).toEqual(['已保存：第一条']);
    const again = await post('m1', '第一条');
    expect(again.json()).toEqual(answered.json());
    expect(control.saved).toEqual(['第一条']);

    // A failure during a later turn keeps the stored state as it was.
    const before = await db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'u1' } });
    control.mode = 'database down';
    expect((await post('m2', '第二条')).statusCode).toBe(503);
    const after = await db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'u1' } });
    expect(after.version).toBe(before.version);
    expect(await db.prisma.message.count({ where: { conversationId: before.id } })).toBe(2);
    control.mode = 'ok';
    expect((await post('m2', '第二条')).json<{ replies: { text: string }[] }>().replies.map((r) => r.text)).toEqual(['已保存：第二条']);
    const messages = await db.prisma.message.findMany({ where: { conversationId: before.id }, orderBy: { seq: 'asc' } });
    expect(messages.map((m) => m.text)).toEqual(['第一条', '已保存：第一条', '第二条', '已保存：第二条']);
  });

  it('still answers (and stores) the machine’s own reply when an effect fails with a bug, not the database', async () => {
    const { conversations } = await server();
    const { runtime } = conversations!;
    control.mode = 'bug';
    const first = await runtime.receive({ channel: 'rest', userId: 'u2', messageId: 'b1', text: '你好' });
    expect(first.replies.map((r) => r.text)).toEqual([TEMPORARY]);
    const again = await runtime.receive({ channel: 'rest', userId: 'u2', messageId: 'b1', text: '你好' });
    expect(again).toMatchObject({ duplicate: true, replies: [{ text: TEMPORARY }] });
  });
});
