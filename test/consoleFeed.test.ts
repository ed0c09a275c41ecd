import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin, openEventStream, type ConsoleSession } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The console's live feed over a real socket: who may open it, a borrower's request for a person
 * reaching an agent's stream with the new queue row, events of other kinds reaching the roles
 * that hear them, and the stream ending when the session does.
 */
describe(`console live feed on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let server: Server;
  let baseUrl: string;
  const clock = manualClock('2026-12-07T02:00:00Z');
  let n = 0;
  const say = (userId: string, text: string) => server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId: `feed-${++n}`, text } });

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), createLogger('silent'), { clock, spec: createLendingConversation, consoleHeartbeatMs: 200 });
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  it('is open to agents, supervisors, reviewers and admins only; refused without a session', async () => {
    const none = await openEventStream(baseUrl, '/api/v1/staff/feed', undefined);
    expect(none.status).toBe(401);
    const manager = await consoleLogin(server.app, 'jingli');
    expect((await openEventStream(baseUrl, '/api/v1/staff/feed', manager.cookie)).status).toBe(403);
    for (const username of ['kefu', 'zhuguan', 'shenpi', 'admin']) {
      const s = await consoleLogin(server.app, username);
      const stream = await openEventStream(baseUrl, '/api/v1/staff/feed', s.cookie);
      expect(stream.status, username).toBe(200);
      stream.close();
    }
  });

  it('streams a borrower\'s request for a person to an agent with the new queue row, heartbeats, and kinds by role', async () => {
    const agent = await consoleLogin(server.app, 'kefu');
    const reviewer = await consoleLogin(server.app, 'shenpi');
    const agentStream = await openEventStream(baseUrl, '/api/v1/staff/feed', agent.cookie);
    const reviewerStream = await openEventStream(baseUrl, '/api/v1/staff/feed', reviewer.cookie);
    try {
      const asked = await say('feed-borrower', '转人工');
      expect(asked.statusCode, asked.body).toBe(200);
      const event = await agentStream.next((e) => (e.data as { kind: string; row?: { handoff?: string } }).kind === 'conversation' && (e.data as { row: { handoff: string } }).row?.handoff === 'requested');
      const row = (event.data as { id: string; row: Record<string, unknown> }).row;
      expect(row).toMatchObject({ channel: 'rest', handoff: 'requested', assignee: null, requestedAt: clock.now().toISOString() });
      expect(row.step).toEqual(expect.any(String));
      expect(row.lastMessage).toEqual({ author: 'borrower', text: '转人工' });
      // Taken by a supervisor: the agent's queue hears who has it.
      const supervisor = await consoleLogin(server.app, 'zhuguan');
      const conversationId = (event.data as { id: string }).id;
      expect((await consoleCall(server.app, 'POST', `/api/v1/staff/conversations/${conversationId}/takeover`, supervisor)).statusCode).toBe(200);
      const taken = await agentStream.next((e) => (e.data as { row?: { handoff?: string } }).row?.handoff === 'staff');
      expect((taken.data as { id: string; row: Record<string, unknown> })).toMatchObject({ id: conversationId, row: { assignee: { id: supervisor.staffId, displayName: '李娜', employeeNo: 'ZG001' }, requestedAt: null } });

      // Reviewers hear conversations too (an applicant answering their question); both hear work orders; reviews reach reviewers, not agents.
      server.app.consoleFeed.publish({ kind: 'workOrder', id: 'wo-1' });
      server.app.consoleFeed.publish({ kind: 'review', id: 'rv-1' });
      await agentStream.next((e) => (e.data as { id: string }).id === 'wo-1');
      await reviewerStream.next((e) => (e.data as { id: string }).id === 'rv-1');
      await reviewerStream.next((e) => (e.data as { id: string }).id === 'wo-1');
      expect(reviewerStream.events.some((e) => (e.data as { kind: string; id: string }).kind === 'conversation' && (e.data as { id: string }).id === conversationId)).toBe(true);
      expect(agentStream.events.some((e) => (e.data as { id: string }).id === 'rv-1')).toBe(false);
      await new Promise((r) => setTimeout(r, 450));
      expect(agentStream.comments).toContain('heartbeat');
    } finally {
      agentStream.close();
      reviewerStream.close();
    }
  });

  it('tells the others who is viewing a conversation (presence), and when they leave', async () => {
    const agent = await consoleLogin(server.app, 'kefu');
    const supervisor = await consoleLogin(server.app, 'zhuguan');
    await say('feed-viewed', '你好');
    const id = (await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'feed-viewed' } })).id;
    const stream = await openEventStream(baseUrl, '/api/v1/staff/feed', supervisor.cookie);
    try {
      const viewing = await consoleCall(server.app, 'POST', `/api/v1/staff/conversations/${id}/presence`, agent, { payload: { viewing: true } });
      expect(viewing.statusCode, viewing.body).toBe(200);
      expect(viewing.json()).toMatchObject({ viewers: [{ displayName: '小王', employeeNo: 'KF001' }], renewEveryMs: 20_000 });
      const seen = await stream.next((e) => (e.data as { kind: string; id: string }).kind === 'presence' && (e.data as { id: string }).id === id);
      expect((seen.data as { viewers: { staffId: string }[] }).viewers.map((v) => v.staffId)).toEqual([agent.staffId]);
      await consoleCall(server.app, 'POST', `/api/v1/staff/conversations/${id}/presence`, agent, { payload: { viewing: false } });
      await stream.next((e) => (e.data as { kind: string; viewers?: unknown[] }).kind === 'presence' && (e.data as { viewers: unknown[] }).viewers.length === 0);
      // A viewer whose page stopped renewing is gone after 45 s.
      await consoleCall(server.app, 'POST', `/api/v1/staff/conversations/${id}/presence`, agent, { payload: { viewing: true } });
      clock.advance(46_000);
      const now = (await consoleCall(server.app, 'POST', `/api/v1/staff/conversations/${id}/presence`, supervisor, { payload: { viewing: true } })).json() as { viewers: { staffId: string }[] };
      expect(now.viewers.map((v) => v.staffId)).toEqual([supervisor.staffId]);
      expect(await server.db.prisma.consolePresence.count({ where: { conversationId: id } })).toBe(1);
    } finally {
      stream.close();
    }
  });

  it('ends a stream at once on logout and every stream of a disabled account; with PostgreSQL, a second server\'s change reaches this one\'s consoles', async () => {
    // A heartbeat far away: only the acts themselves can end the streams within the test.
    const slow = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), createLogger('silent'), { clock, spec: createLendingConversation, consoleHeartbeatMs: 600_000 });
    try {
      const url = await slow.app.listen({ host: '127.0.0.1', port: 0 });
      const agent = await consoleLogin(slow.app, 'kefu');
      const other = await consoleLogin(slow.app, 'zhuguan');
      const admin = await consoleLogin(slow.app, 'admin');
      const [a1, o1, o2] = await Promise.all([openEventStream(url, '/api/v1/staff/feed', agent.cookie), openEventStream(url, '/api/v1/staff/feed', other.cookie), openEventStream(url, '/api/v1/staff/feed', other.cookie)]);
      expect((await consoleCall(slow.app, 'POST', '/api/v1/staff/logout', agent)).statusCode).toBe(200);
      await a1.next((e) => e.event === 'end', 3_000);
      expect(o1.events.some((e) => e.event === 'end')).toBe(false);
      const disabled = await consoleCall(slow.app, 'POST', `/api/v1/staff/accounts/${other.staffId}/disable`, admin);
      expect(disabled.statusCode, disabled.body).toBe(200);
      await Promise.all([o1.next((e) => e.event === 'end', 3_000), o2.next((e) => e.event === 'end', 3_000)]);
      await consoleCall(slow.app, 'POST', `/api/v1/staff/accounts/${other.staffId}/enable`, admin);

      // With PostgreSQL this second server shares the database with the first (two processes, as in
      // production): a borrower writing through one reaches a console on the other, through the push
      // signal. (On the embedded database each server here has its own; one process is all there is.)
      if (testDatabaseKind() === 'postgres') {
        const watcher = await consoleLogin(server.app, 'zhuguan');
        const elsewhere = await openEventStream(baseUrl, '/api/v1/staff/feed', watcher.cookie);
        try {
          const res = await slow.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'feed-other-process', messageId: 'op-1', text: '转人工' } });
          expect(res.statusCode, res.body).toBe(200);
          const id = (await slow.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'feed-other-process' } })).id;
          await elsewhere.next((e) => (e.data as { id: string; row?: { handoff?: string } }).id === id && (e.data as { row: { handoff: string } }).row?.handoff === 'requested', 5_000);
        } finally {
          elsewhere.close();
        }
      }
    } finally {
      await slow.app.close();
    }
  });

  it('ends the stream with an `end` event when the person logs out', async () => {
    const agent: ConsoleSession = await consoleLogin(server.app, 'kefu');
    const stream = await openEventStream(baseUrl, '/api/v1/staff/feed', agent.cookie);
    expect((await consoleCall(server.app, 'POST', '/api/v1/staff/logout', agent)).statusCode).toBe(200);
    await stream.next((e) => e.event === 'end', 5_000);
    await stream.ended;
  });
});
