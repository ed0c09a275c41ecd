import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import type { QueueRow } from '../server/console/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin, type ConsoleSession } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

interface QueueAnswer {
  view: string;
  rows: QueueRow[];
  counts: Record<'requested' | 'mine' | 'unassigned' | 'all', number>;
  steps: string[];
}

/**
 * The live queue's server side: views and their counts, the filters (channel, flow step, SLA
 * deadline, flags), roles, and a queue read that stays fast with 10,000 conversations.
 */
describe(`console queue on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let agent: ConsoleSession;
  let supervisor: ConsoleSession;
  const clock = manualClock('2026-12-07T02:00:00Z');
  let n = 0;
  const say = async (userId: string, text: string) => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId: `q-${++n}`, text } });
    expect(res.statusCode, res.body).toBe(200);
    const c = await server.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'rest', externalUserId: userId } });
    return { conversationId: c.id };
  };
  const queue = async (as: ConsoleSession, query: string): Promise<QueueAnswer> => {
    const res = await consoleCall(server.app, 'GET', `/api/v1/staff/queue?${query}`, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as QueueAnswer;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', RATE_LIMIT_PER_USER: '10000' }), createLogger('silent'), { clock, spec: createLendingConversation });
    agent = await consoleLogin(server.app, 'kefu');
    supervisor = await consoleLogin(server.app, 'zhuguan');
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('answers agents and supervisors only', async () => {
    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/queue', null)).statusCode).toBe(401);
    for (const username of ['jingli', 'shenpi', 'admin']) {
      const s = await consoleLogin(server.app, username);
      expect((await consoleCall(server.app, 'GET', '/api/v1/staff/queue', s)).statusCode, username).toBe(403);
    }
    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/queue?view=nope', agent)).statusCode).toBe(400);
  });

  it('puts a request for a person in 待接入, a taken one in the taker\'s 我的, and counts every view', async () => {
    const waiting = await say('q-waiting', '转人工');
    const chatting = await say('q-chatting', '你好');
    await say('q-taken', '转人工');
    const taken = (await say('q-taken', '帮助')).conversationId;
    const took = await consoleCall(server.app, 'POST', `/api/v1/staff/conversations/${taken}/takeover`, supervisor);
    expect(took.statusCode, took.body).toBe(200);

    const requested = await queue(agent, 'view=requested');
    expect(requested.rows.map((r) => r.id)).toEqual([waiting.conversationId]);
    expect(requested.rows[0]).toMatchObject({ handoff: 'requested', channel: 'rest', requestedAt: clock.now().toISOString(), assignee: null });
    // The hand-off work order's deadline is the row's SLA.
    expect(requested.rows[0]!.slaDueAt).toEqual(expect.any(String));
    expect(requested.counts).toEqual({ requested: 1, mine: 0, unassigned: 2, all: 3 });

    const mine = await queue(supervisor, 'view=mine');
    expect(mine.rows.map((r) => r.id)).toEqual([taken]);
    expect(mine.rows[0]!.assignee).toMatchObject({ displayName: '李娜', employeeNo: 'ZG001' });
    expect(mine.counts.mine).toBe(1);
    expect((await queue(agent, 'view=mine')).rows).toEqual([]);
    const unassigned = await queue(agent, 'view=unassigned');
    expect(unassigned.rows.map((r) => r.id).sort()).toEqual([waiting.conversationId, chatting.conversationId].sort());
    expect(unassigned.steps).toContain('menu');
  });

  it('filters by channel, step, SLA deadline and flags', async () => {
    expect((await queue(agent, 'view=all&channel=web')).rows).toEqual([]);
    expect((await queue(agent, 'view=all&channel=rest')).counts.all).toBe(3);
    const all = await queue(agent, 'view=all');
    const step = all.rows[0]!.step!.split('.')[0]!;
    const byStep = await queue(agent, `view=all&step=${step}`);
    expect(byStep.rows.length).toBeGreaterThan(0);
    expect(byStep.rows.every((r) => r.step === step || r.step!.startsWith(`${step}.`))).toBe(true);
    expect((await queue(agent, 'view=all&step=nosuchstep')).rows).toEqual([]);
    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/queue?view=all&step=%3Bdrop', agent)).statusCode).toBe(400);

    // SLA: two open hand-off orders; none due within the hour; past the deadline both are overdue.
    expect((await queue(agent, 'view=all&sla=open')).counts.all).toBe(2);
    expect((await queue(agent, 'view=all&sla=breached')).rows).toEqual([]);
    const due = await server.db.prisma.workItem.findFirst({ where: { kind: 'handoff' }, orderBy: { dueAt: 'asc' } });
    clock.set(new Date(due!.dueAt.getTime() + 1_000));
    // Hours later: the morning's session has gone idle; a fresh one.
    const later = await consoleLogin(server.app, 'kefu');
    expect((await queue(later, 'view=all&sla=breached')).counts.all).toBeGreaterThanOrEqual(1);
    clock.set('2026-12-07T02:00:00Z');

    // Flags: an open complaint on the conversation.
    const target = all.rows.find((r) => r.handoff === 'bot')!;
    expect((await queue(agent, 'view=all&flag=complaint')).rows).toEqual([]);
    await server.db.prisma.workItem.create({ data: { kind: 'complaint', conversationId: target.id, reason: 'test complaint', dueAt: new Date('2026-12-08T02:00:00Z') } });
    const complaints = await queue(agent, 'view=all&flag=complaint');
    expect(complaints.rows.map((r) => r.id)).toEqual([target.id]);
    expect(complaints.rows[0]!.flags).toEqual({ declined: false, overdue: false, complaint: true });
    expect((await queue(agent, 'view=all&flag=declined')).rows).toEqual([]);
  });

  it('reads the queue of 10,000 conversations quickly (one pass, counts and the first page)', async () => {
    // Conversations as the runtime leaves them, with the console's view rows; a tenth wait for a person.
    await server.db.prisma.$executeRawUnsafe(`
      INSERT INTO "Conversation" (id, channel, "externalUserId", "externalChatId", "machineId", "machineVersion", "handoffStatus", version, "lastSeq", locale, "createdAt", "updatedAt")
      SELECT gen_random_uuid(), 'web', 'bulk-' || g, '', 'bulk', 1, CASE WHEN g % 10 = 0 THEN 'requested'::"HandoffStatus" ELSE 'bot'::"HandoffStatus" END, 1, 0, 'zh', now(), now()
      FROM generate_series(1, 10000) g`);
    await server.db.prisma.$executeRawUnsafe(`
      INSERT INTO "ConsoleConversation" ("conversationId", step, "handoffRequestedAt", "lastMessageAt", version)
      SELECT id, CASE WHEN random() < 0.5 THEN 'menu' ELSE 'application.mobile' END, CASE WHEN "handoffStatus" = 'requested' THEN now() - random() * interval '1 hour' END, now() - random() * interval '1 day', 1
      FROM "Conversation" WHERE "externalUserId" LIKE 'bulk-%'`);
    await server.db.prisma.$executeRawUnsafe('ANALYZE');
    await queue(agent, 'view=requested');
    const times: number[] = [];
    for (const q of ['view=requested', 'view=all', 'view=unassigned&step=application', 'view=all&flag=overdue']) {
      const started = performance.now();
      const answer = await queue(agent, q);
      times.push(performance.now() - started);
      expect(answer.rows.length).toBeLessThanOrEqual(50);
    }
    expect((await queue(agent, 'view=requested')).counts.requested).toBe(1_001);
    // The target is 200 ms on an idle server (bench/); a loaded two-core test machine gets slack.
    expect(Math.max(...times), `queue reads took ${times.map((t) => t.toFixed(0)).join(', ')} ms`).toBeLessThan(1_500);
    console.info(`[console queue] 10,000 conversations: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
  });
});
