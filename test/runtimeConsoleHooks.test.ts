import { afterAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { ConsoleFeed, consoleTurnRecorder, type ConsoleFeedEvent } from '../server/console/index.js';
import { openSql } from '../server/runtime/index.js';
import { AppError } from '../server/errors.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The runtime's two hooks for the console: every committed turn is recorded (step, hand-off
 * request time, guarded by version) and announced on the feed; `dispatch(…, { before })` runs under
 * the conversation's lock and a refusal there stores nothing.
 */
describe(`runtime hooks for the console on ${testDatabaseKind()}`, () => {
  let database: TestDatabase | undefined;
  let server: Server | undefined;
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('records and announces each committed turn, and a refusing `before` stores nothing', async () => {
    database = await createTestDatabase();
    const clock = manualClock('2026-12-07T02:00:00Z');
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), createLogger('silent'), { clock, spec: createEchoSpec() });
    const { runtime } = server.conversations!;
    const heard: ConsoleFeedEvent[] = [];
    server.app.consoleFeed.subscribe((e) => heard.push(e));

    const first = await runtime.receive({ channel: 'rest', userId: 'hook-1', messageId: 'h1', text: '张三' });
    const id = first.conversationId!;
    expect(heard).toEqual([{ kind: 'conversation', id }]);
    const view = await server.db.prisma.consoleConversation.findUniqueOrThrow({ where: { conversationId: id } });
    expect(view).toMatchObject({ version: 1, handoffRequestedAt: null, lastMessageAt: clock.now() });
    expect(view.step).toEqual(expect.any(String));

    clock.advance(60_000);
    await runtime.dispatch(id, { type: 'staff.takeover', staffId: '00000000-0000-4000-8000-0000000000aa', staffName: '小王', at: clock.now().getTime() });
    expect(heard).toHaveLength(2);
    expect(await server.db.prisma.consoleConversation.findUniqueOrThrow({ where: { conversationId: id } })).toMatchObject({ version: 2, lastMessageAt: clock.now() });

    const before = await server.db.prisma.message.count({ where: { conversationId: id } });
    await expect(
      runtime.dispatch(id, { type: 'staff.message', staffId: '00000000-0000-4000-8000-0000000000bb', text: '我来', at: clock.now().getTime() }, {
        before: async () => {
          throw new AppError('CONVERSATION_TAKEN', { conversationId: id, holder: '小王' });
        },
      }),
    ).rejects.toMatchObject({ code: 'CONVERSATION_TAKEN' });
    expect(await server.db.prisma.message.count({ where: { conversationId: id } })).toBe(before);
    expect(heard).toHaveLength(2);
    expect((await server.db.prisma.conversation.findUniqueOrThrow({ where: { id } })).version).toBe(2);

    // A late write of an older turn never replaces a newer one; asking for a person keeps its first moment.
    const sql = await openSql(server.db);
    const record = consoleTurnRecorder(sql, new ConsoleFeed());
    const at = (m: number) => new Date(Date.parse('2026-12-07T03:00:00Z') + m * 60_000);
    const turn = (version: number, handoff: 'bot' | 'requested' | 'staff', minute: number) => ({ conversationId: id, channel: 'rest' as const, version, lastSeq: 0, event: 'user.text' as const, status: { handoff, step: `s${version}`, locale: 'zh' as const }, at: at(minute) });
    await record(turn(5, 'requested', 1));
    await record(turn(6, 'requested', 2));
    await record(turn(4, 'bot', 3));
    expect(await server.db.prisma.consoleConversation.findUniqueOrThrow({ where: { conversationId: id } })).toMatchObject({ version: 6, step: 's6', handoffRequestedAt: at(1), lastMessageAt: at(2) });
    await record(turn(7, 'staff', 4));
    expect(await server.db.prisma.consoleConversation.findUniqueOrThrow({ where: { conversationId: id } })).toMatchObject({ version: 7, handoffRequestedAt: null });
    await sql.close();
  });
});
