import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { addDays, shanghaiDateOf, shanghaiMinuteOfDay } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import type { Config } from '../server/config/index.js';
import { createLogger } from '../server/logging/index.js';
import { DAILY_JOBS, type DailyJob } from '../server/postLoan/index.js';
import { consoleCall, consoleLogin } from './support/consoleClient.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The sandbox's demo clock over HTTP: an admin moves the business date N days
 * (`POST /api/v1/staff/demo/advance`), the daily jobs run for each date passed, in order, the move is
 * audited and survives a restart; other roles, production and the bank's providers are refused.
 */
const logger = createLogger('silent');
const databases: TestDatabase[] = [];
const servers = new Set<Server>();
afterEach(async () => {
  await Promise.allSettled([...servers].map((s) => s.app.close()));
  servers.clear();
});
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

async function boot(database: TestDatabase, change: (c: Config) => Config = (c) => c, staffCliToken?: string): Promise<Server> {
  const server = await bootServer(change(testConfig(database, { JOBS_POLL_MS: '0' })), logger, { staffCliToken });
  servers.add(server);
  await server.app.ready();
  return server;
}

const CLI_TOKEN = 'cli-token-for-the-demo-clock-test-0123456789';
const asCli = (server: Server, days: number) =>
  server.app.inject({ method: 'POST', url: '/api/v1/staff/demo/advance', remoteAddress: '127.0.0.1', headers: { authorization: `Bearer ${CLI_TOKEN}` }, payload: { days } });

describe(`demo clock on ${testDatabaseKind()}`, () => {
  it('moves the business date for admins only, runs the daily jobs for each date passed in order, audits it and keeps it across a restart', async () => {
    const database = await createTestDatabase({ persistent: true });
    databases.push(database);
    const ran: string[] = [];
    const jobs: DailyJob[] = [
      { name: 'test.first', run: async (_ctx, date) => (ran.push(`first ${date}`), { date }) },
      {
        name: 'test.broken',
        run: async () => {
          throw new Error('gateway down');
        },
      },
      { name: 'test.second', run: async (ctx, date) => (ran.push(`second ${date}`), { date, clockDate: shanghaiDateOf(ctx.clock.now().getTime()) }) },
    ];
    DAILY_JOBS.push(...jobs);
    try {
      const server = await boot(database);
      expect(server.businessClock).toBeDefined();
      const admin = await consoleLogin(server.app, 'admin');
      const agent = await consoleLogin(server.app, 'kefu');
      const today = shanghaiDateOf(Date.now());

      expect((await consoleCall(server.app, 'POST', '/api/v1/staff/demo/advance', null, { payload: { days: 1 } })).statusCode).toBe(401);
      const forbidden = await consoleCall(server.app, 'POST', '/api/v1/staff/demo/advance', agent, { payload: { days: 1 } });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      for (const days of [0, 61, 1.5]) {
        const bad = await consoleCall(server.app, 'POST', '/api/v1/staff/demo/advance', admin, { payload: { days } });
        expect(bad.statusCode, String(days)).toBe(400);
        expect(bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'days' } });
      }
      expect(ran).toEqual([]);

      const res = await consoleCall(server.app, 'POST', '/api/v1/staff/demo/advance', admin, { payload: { days: 3 } });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { from: string; businessDate: string; offsetDays: number; days: { date: string; jobs: { name: string; ok: boolean; summary: unknown }[] }[] };
      const dates = [1, 2, 3].map((n) => addDays(today, n));
      expect(body).toMatchObject({ from: today, businessDate: dates[2], offsetDays: 3 });
      expect(body.days.map((d) => d.date)).toEqual(dates);
      // Each date runs every job in order; a failing one is reported and the others still run.
      expect(ran).toEqual(dates.flatMap((d) => [`first ${d}`, `second ${d}`]));
      // The registered post-loan jobs (end of day …) run first; these are the test's own.
      expect(body.days[0]!.jobs.filter((j) => j.name.startsWith('test.'))).toEqual([
        { name: 'test.first', ok: true, summary: { date: dates[0] }, ms: expect.any(Number) },
        { name: 'test.broken', ok: false, summary: { error: 'FAILED', message: 'gateway down' }, ms: expect.any(Number) },
        // The jobs see the moved clock.
        { name: 'test.second', ok: true, summary: { date: dates[0], clockDate: dates[0] }, ms: expect.any(Number) },
      ]);
      expect(shanghaiDateOf(server.businessClock!.now().getTime())).toBe(dates[2]);
      expect(await server.db.prisma.auditLog.findFirst({ where: { action: 'demo.clock_advanced', actorId: admin.staffId } })).toMatchObject({
        subjectType: 'BusinessClock',
        detail: expect.objectContaining({ days: 3, from: today, to: dates[2] }),
      });

      // The Jobs page's data: the runner is off in tests (JOBS_POLL_MS=0), the demo clock is on.
      const page = await consoleCall(server.app, 'GET', '/api/v1/staff/jobs', admin);
      expect(page.json()).toMatchObject({ running: false, queues: [], demo: { available: true, businessDate: dates[2], offsetDays: 3 } });
      expect((await consoleCall(server.app, 'GET', '/api/v1/staff/jobs', agent)).statusCode).toBe(403);

      // A restarted sandbox keeps its business date.
      await server.app.close();
      servers.delete(server);
      const again = await boot(database);
      expect(again.businessClock!.offsetMs).toBe(server.businessClock!.offsetMs);
      expect(again.businessClock!.offsetDays()).toBe(3);
      // Each step lands at 10:00 Beijing time, inside the contact window.
      expect(shanghaiMinuteOfDay(again.businessClock!.now().getTime())).toBeLessThan(10 * 60 + 5);
      expect(shanghaiDateOf(again.businessClock!.now().getTime())).toBe(dates[2]);
    } finally {
      DAILY_JOBS.splice(DAILY_JOBS.length - jobs.length, jobs.length);
    }
  }, 60_000);

  it('is refused in production and with the bank\'s providers, with a clear code, and moves nothing', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    for (const [change, words] of [
      [(c: Config): Config => ({ ...c, env: 'production' }), /production/],
      [(c: Config): Config => ({ ...c, providers: 'bank' }), /bank providers/],
    ] as const) {
      const server = await boot(database, change, CLI_TOKEN);
      expect(server.businessClock).toBeUndefined();
      const res = await asCli(server, 1);
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'DEMO_CLOCK_REFUSED', message: expect.stringMatching(words) } });
      expect(await server.db.prisma.businessClock.findUnique({ where: { id: 1 } })).toBeNull();
      expect(await server.db.prisma.auditLog.count({ where: { action: 'demo.clock_refused' } })).toBeGreaterThan(0);
      await server.app.close();
      servers.delete(server);
    }
  }, 60_000);
});
