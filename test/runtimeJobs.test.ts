import { afterAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { Scheduler } from '../server/jobs/index.js';
import { createLogger } from '../server/logging/index.js';
import { openSql, type ChannelSender, type StoredReply } from '../server/runtime/index.js';
import { createEchoSpec, ECHO, NUDGE_AFTER_MS } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const logger = createLogger('silent');
const databases: TestDatabase[] = [];
const servers = new Set<Server>();
afterAll(async () => {
  await Promise.allSettled([...servers].map((s) => s.app.close()));
  await Promise.all(databases.map((d) => d.drop()));
});

const T0 = Date.parse('2026-11-22T08:00:00.000Z');

async function boot(options: { database?: TestDatabase; senders?: ChannelSender[] } = {}) {
  const database = options.database ?? (await createTestDatabase());
  if (!options.database) databases.push(database);
  const clock = manualClock(new Date(T0));
  const server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, { clock, spec: createEchoSpec({ lookupMs: 1 }), senders: options.senders ?? [] });
  servers.add(server);
  await server.app.ready();
  return { server, database, clock, ...server.conversations!, db: server.db };
}

async function stop(server: Server) {
  servers.delete(server);
  await server.app.close();
}

describe(`scheduler on ${testDatabaseKind()}`, () => {
  it('fires a due deadline exactly once, across two runDue calls and two schedulers', async () => {
    const { runtime, scheduler, db, clock } = await boot();
    const { conversationId } = await runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'm1', text: '张三' });

    expect(await scheduler.runDue(new Date(T0 + NUDGE_AFTER_MS - 1))).toMatchObject({ claimed: 0 });
    clock.set(new Date(T0 + NUDGE_AFTER_MS));
    // A second scheduler on the same table (another server would be the same on PostgreSQL).
    const sql = await openSql(db);
    const other = new Scheduler({ sql, clock, logger }).register('conversation.deadline', (job, ctx) => runtime.dispatch((job.payload as { conversationId: string }).conversationId, { type: 'deadline.due', key: 'nudge', kind: 'nudge', at: ctx.now.getTime() }).then(() => {}));
    const at = clock.now();
    const runs = await Promise.all([scheduler.runDue(at), other.runDue(at), scheduler.runDue(at)]);
    expect(runs.reduce((n, r) => n + r.done, 0)).toBe(1);
    expect(await scheduler.runDue(new Date(at.getTime() + 1))).toMatchObject({ claimed: 0 });
    await sql.close();

    const nudges = await db.prisma.message.findMany({ where: { conversationId: conversationId!, text: ECHO.nudge } });
    expect(nudges).toHaveLength(1);
    // A deadline's replies on a pull channel wait to be fetched.
    expect(nudges[0]).toMatchObject({ direction: 'outbound', deliveryStatus: 'pending', replyToId: null });
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ status: 'done', attempts: 1, lockedBy: null });
  });

  it('never fires a cancelled deadline; a rescheduled one fires at its new time', async () => {
    const { runtime, scheduler, db, clock } = await boot();
    await runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'm1', text: '李四' });
    await runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'm2', text: '取消提醒' });
    expect(await scheduler.runDue(new Date(T0 + 10 * NUDGE_AFTER_MS))).toMatchObject({ claimed: 0 });

    clock.advance(1_000);
    await runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'm3', text: '又来了' });
    expect(await scheduler.runDue(new Date(T0 + NUDGE_AFTER_MS))).toMatchObject({ claimed: 0 });
    expect(await scheduler.runDue(new Date(T0 + 1_000 + NUDGE_AFTER_MS))).toMatchObject({ done: 1 });
    expect(await db.prisma.message.count({ where: { text: ECHO.nudge } })).toBe(1);
  });

  it('retries a failing job with backoff, records the error, and gives up after the last attempt', async () => {
    const { db, clock } = await boot();
    const sql = await openSql(db);
    let calls = 0;
    const scheduler = new Scheduler({ sql, clock, logger, maxAttempts: 3, baseDelayMs: 1_000 }).register('test.flaky', async () => {
      calls++;
      throw new Error('bank API down');
    });
    await scheduler.schedule({ kind: 'test.flaky', key: 'flaky:1', dueAt: new Date(T0), payload: { n: 1 } });
    expect(await scheduler.runDue(new Date(T0))).toMatchObject({ claimed: 1, retried: 1 });
    let job = await db.prisma.job.findFirstOrThrow();
    expect(job).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Error: bank API down' });
    expect(job.dueAt.getTime()).toBe(T0 + 1_000);
    expect(await scheduler.runDue(new Date(T0 + 999))).toMatchObject({ claimed: 0 });
    expect(await scheduler.runDue(new Date(T0 + 1_000))).toMatchObject({ retried: 1 });
    expect((await db.prisma.job.findFirstOrThrow()).dueAt.getTime()).toBe(T0 + 1_000 + 2_000);
    expect(await scheduler.runDue(new Date(T0 + 3_000))).toMatchObject({ failed: 1 });
    job = await db.prisma.job.findFirstOrThrow();
    expect(job).toMatchObject({ status: 'failed', attempts: 3, lastError: 'Error: bank API down' });
    expect(await scheduler.runDue(new Date(T0 + 10 * 60_000))).toMatchObject({ claimed: 0 });
    expect(calls).toBe(3);
    await sql.close();
  });

  it('reclaims a job whose worker died (lease expired), and ignores kinds it has no handler for', async () => {
    const { db, clock } = await boot();
    const sql = await openSql(db);
    const seen: string[] = [];
    const scheduler = new Scheduler({ sql, clock, logger, leaseMs: 60_000 }).register('test.kind', async (job) => void seen.push(job.key));
    await scheduler.schedule({ kind: 'test.kind', key: 'k1', dueAt: new Date(T0), payload: null });
    await scheduler.schedule({ kind: 'test.other', key: 'k2', dueAt: new Date(T0), payload: null });
    await db.prisma.job.update({ where: { key: 'k1' }, data: { status: 'running', lockedBy: 'dead-worker', lockedUntil: new Date(T0 + 30_000), attempts: 1 } });
    expect(await scheduler.runDue(new Date(T0 + 29_999))).toMatchObject({ claimed: 0 });
    expect(await scheduler.runDue(new Date(T0 + 30_001))).toMatchObject({ done: 1 });
    expect(seen).toEqual(['k1']);
    expect(await db.prisma.job.findUniqueOrThrow({ where: { key: 'k2' } })).toMatchObject({ status: 'pending' });
    expect(await db.prisma.job.findUniqueOrThrow({ where: { key: 'k1' } })).toMatchObject({ status: 'done', attempts: 2 });
    await sql.close();
  });

  it('a job the database failed under, and whose outcome could not be written either, runs again at its retry time once the database is back, not when its lease runs out', async () => {
    const { db, clock } = await boot();
    const real = await openSql(db);
    // The database as this worker sees it: down from inside the handler until `down` is cleared.
    let down = false;
    const sql = { query: (q: string, args?: Parameters<typeof real.query>[1]) => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : real.query(q, args)), close: () => real.close() };
    let runs = 0;
    const scheduler = new Scheduler({ sql, clock, logger, baseDelayMs: 1_000, leaseMs: 60_000 }).register('payments.recovery', async () => {
      runs++;
      if (runs === 1) {
        down = true;
        throw new Error('connect ECONNREFUSED');
      }
    });
    await scheduler.schedule({ kind: 'payments.recovery', key: 'recovery', dueAt: new Date(T0), payload: {} });
    await expect(scheduler.runDue(new Date(T0))).rejects.toThrow('ECONNREFUSED');
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ status: 'running', attempts: 1 });
    // Still down: the round fails again and keeps what it has to write.
    await expect(scheduler.runDue(new Date(T0 + 500))).rejects.toThrow('ECONNREFUSED');
    down = false;
    // Back: the failed attempt is written (retry in 1 s), and the job runs then, well inside its one-minute lease.
    expect(await scheduler.runDue(new Date(T0 + 999))).toMatchObject({ claimed: 0 });
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Error: connect ECONNREFUSED', lockedBy: null });
    expect(await scheduler.runDue(new Date(T0 + 1_000))).toMatchObject({ claimed: 1, done: 1 });
    expect(runs).toBe(2);
    expect(await db.prisma.job.findFirstOrThrow()).toMatchObject({ status: 'done', attempts: 2 });
    await real.close();
  });

  it('fires deadlines through the job runner\'s deadline.sweep queue when JOBS_POLL_MS is set, and stops with the app', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const clock = manualClock(new Date(T0));
    const server = await bootServer(testConfig(database, { JOBS_POLL_MS: '20' }), logger, { clock, spec: createEchoSpec({ lookupMs: 1 }) });
    servers.add(server);
    await server.app.ready();
    await server.conversations!.runtime.receive({ channel: 'rest', userId: 'u1', messageId: 'm1', text: '王五' });
    expect(server.jobs.running).toBe(true);
    // A moved clock (a manual one here, the demo clock in the sandbox) wakes a sweep, as demo:advance does.
    clock.advance(NUDGE_AFTER_MS);
    await server.conversations!.deadlines.wake();
    await expect.poll(() => server.db.prisma.message.count({ where: { text: ECHO.nudge } }), { timeout: 5_000 }).toBe(1);
    await stop(server);
  });
});

describe(`outbox on ${testDatabaseKind()}`, () => {
  it('retries a failed delivery with backoff and keeps each conversation in order', async () => {
    const sent: string[] = [];
    let failures = 2;
    const flaky: ChannelSender = {
      channel: 'wechat',
      send: async (_target, reply: StoredReply) => {
        if (failures-- > 0) throw new Error('WeChat API timeout');
        sent.push(reply.text);
      },
    };
    const { runtime, outbox, db, clock } = await boot({ senders: [flaky] });
    await runtime.receive({ channel: 'wechat', userId: 'wx1', messageId: 'w1', text: '赵六' });
    await outbox.idle();
    expect(sent).toEqual([]);
    const pending = await db.prisma.message.findMany({ where: { direction: 'outbound' }, orderBy: { seq: 'asc' } });
    expect(pending.map((m) => [m.deliveryStatus, m.deliveryAttempts, m.deliveryError])).toEqual([
      ['pending', 1, 'WeChat API timeout'],
      ['pending', 0, null],
    ]);
    // Not due yet: nothing is sent (the second reply waits behind the first).
    expect(await outbox.runDue(new Date(T0 + 500))).toBe(0);
    clock.set(new Date(T0 + 1_000));
    expect(await outbox.runDue()).toBe(0); // second failure: backoff doubles
    clock.set(new Date(T0 + 3_000));
    expect(await outbox.runDue()).toBe(2);
    expect(sent).toEqual([ECHO.askName, ECHO.greeting('赵六')]);
    const delivered = await db.prisma.message.findMany({ where: { direction: 'outbound' }, orderBy: { seq: 'asc' } });
    expect(delivered.map((m) => [m.deliveryStatus, m.deliveryAttempts])).toEqual([
      ['delivered', 3],
      ['delivered', 1],
    ]);
  });

  it('delivers pending messages after a restart, when a sender is registered', async () => {
    const database = await createTestDatabase({ persistent: true });
    databases.push(database);
    const first = await boot({ database });
    await first.runtime.receive({ channel: 'wechat', userId: 'wx1', messageId: 'w1', text: '孙七' });
    expect(await first.db.prisma.message.count({ where: { deliveryStatus: 'pending' } })).toBe(2);
    await stop(first.server);

    const sent: string[] = [];
    const second = await boot({ database, senders: [{ channel: 'wechat', send: async (_t, r) => void sent.push(r.text) }] });
    expect(await second.outbox.runDue()).toBe(2);
    expect(sent).toEqual([ECHO.askName, ECHO.greeting('孙七')]);
    expect(await second.db.prisma.message.count({ where: { deliveryStatus: 'pending' } })).toBe(0);
  });

  it('marks a message failed after the last attempt and lets the next one through', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const clock = manualClock(new Date(T0));
    const sent: string[] = [];
    const server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), logger, {
      clock,
      spec: createEchoSpec({ lookupMs: 1 }),
      senders: [
        {
          channel: 'wechat',
          send: async (_t, r) => {
            if (r.text === ECHO.askName) throw new Error('blocked by the user');
            sent.push(r.text);
          },
        },
      ],
    });
    servers.add(server);
    const { runtime, outbox } = server.conversations!;
    await runtime.receive({ channel: 'wechat', userId: 'wx1', messageId: 'w1', text: '周八' });
    await outbox.idle();
    for (let i = 0; i < 8; i++) {
      clock.advance(10 * 60_000);
      await outbox.runDue();
    }
    expect(sent).toEqual([ECHO.greeting('周八')]);
    const rows = await server.db.prisma.message.findMany({ where: { direction: 'outbound' }, orderBy: { seq: 'asc' } });
    expect(rows.map((m) => [m.deliveryStatus, m.deliveryAttempts])).toEqual([
      ['failed', 8],
      ['delivered', 1],
    ]);
  });
});
