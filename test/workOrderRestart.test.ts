import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Work-order deadlines live in the Job table: a complaint opened on one server process, which then
 * stops, is warned about and escalated by the next one when due, once, however often that one (or
 * a third) polls.
 */
describe(`work-order deadlines across a restart on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  const servers: Server[] = [];
  const clock = manualClock('2026-12-07T02:00:00Z'); // Monday 10:00 in Shanghai
  const boot = async () => {
    const server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), createLogger('silent'), { clock, spec: createLendingConversation });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    database = await createTestDatabase({ persistent: true });
  });
  afterAll(async () => {
    for (const s of servers) await s.app.close().catch(() => {});
    await database?.drop();
  });

  it('a complaint opened before a restart is escalated after it, once', async () => {
    const first = await boot();
    const res = await first.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'restart-borrower', messageId: 'r1', text: '我要投诉' } });
    expect(res.statusCode, res.body).toBe(200);
    const order = await first.db.prisma.workItem.findFirstOrThrow({ where: { kind: 'complaint' } });
    await first.app.close();

    // Past the first-response deadline (12:00) while no process ran.
    clock.set('2026-12-07T04:30:00Z');
    const second = await boot();
    const { scheduler } = second.conversations!;
    expect((await scheduler.runDue(clock.now())).done).toBe(2); // the first response's warning and escalation
    expect((await scheduler.runDue(clock.now())).claimed).toBe(0);
    await second.app.close();

    const third = await boot();
    expect((await third.conversations!.scheduler.runDue(clock.now())).claimed).toBe(0);
    const after = await third.db.prisma.workItem.findUniqueOrThrow({ where: { id: order.id } });
    expect(after.escalatedAt?.toISOString()).toBe('2026-12-07T04:30:00.000Z');
    const supervisors = await third.db.prisma.staffUser.count({ where: { username: 'zhuguan' } });
    const notices = await third.db.prisma.staffNotice.findMany({ where: { workItemId: order.id } });
    expect(notices.filter((n) => n.key.includes(':escalate:'))).toHaveLength(supervisors);
    expect(notices.filter((n) => n.key.includes(':warn:'))).toHaveLength(supervisors);
    expect(await third.db.prisma.auditLog.count({ where: { action: 'workOrder.escalated', subjectId: order.id } })).toBe(1);
    // Three boots of the server (migrations checked each time): more than the default 30 s on a loaded machine.
  }, 120_000);
});
