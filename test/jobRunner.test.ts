import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../server/db/index.js';
import { deadLetterOf, JOB_TIME_ZONE, JobRunner } from '../server/jobs/index.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/** The one job runner (pg-boss 12) on the database the tests run on: cron in Shanghai time, retries with backoff into a dead-letter queue, singleton and throttled sends, a stop that waits. */
const logger = createLogger('silent');
const opened: { database: TestDatabase | undefined; db: Database | undefined; runner: JobRunner }[] = [];
afterAll(async () => {
  for (const o of opened.reverse()) {
    await o.runner.stop().catch(() => {});
    await o.db?.close();
    await o.database?.drop();
  }
});

async function open(): Promise<{ db: Database; runner: JobRunner; runnerUrl: string | undefined }> {
  const database = await createTestDatabase();
  const db = await openDatabase(database.target);
  const runnerUrl = database.target.kind === 'postgres' ? database.target.url : undefined;
  const runner = new JobRunner({ db, postgresUrl: runnerUrl, logger });
  opened.push({ database, db, runner });
  return { db, runner, runnerUrl };
}

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe(`job runner (pg-boss) on ${testDatabaseKind()}`, () => {
  it('registers crons in Asia/Shanghai, retries a failing job with backoff, dead-letters it, retries the dead letter, dedupes singleton and throttled sends, stops after the handler under way, and drops at start a schedule no longer declared', async () => {
    const { db, runner, runnerUrl } = await open();
    const attempts: number[] = [];
    let healthy = false;
    const handled: unknown[] = [];
    let slowDone = false;
    let slowStarted = false;
    runner
      .cron('test.daily', '30 0 * * *', async () => ({ ran: true }))
      .work(
        'test.flaky',
        async (data) => {
          attempts.push(Date.now());
          if (!healthy) throw new Error('gateway timeout');
          handled.push(data);
          return { ok: true };
        },
        { retryLimit: 2, retryDelaySeconds: 1, retryBackoff: true, pollSeconds: 0.5 },
      )
      .queue('test.single', { policy: 'short' })
      .work(
        'test.slow',
        async () => {
          slowStarted = true;
          await new Promise((r) => setTimeout(r, 1_500));
          slowDone = true;
        },
        { pollSeconds: 0.5 },
      );
    expect(runner.running).toBe(false);
    await runner.start();
    expect(runner.running).toBe(true);

    // The cron is stored with its time zone.
    expect(await runner.schedules()).toContainEqual({ name: 'test.daily', key: '', cron: '30 0 * * *', timezone: JOB_TIME_ZONE });

    // Three attempts (the first and two retries), each wait longer than the one before (1–2 s, then 2–4 s), then the dead-letter queue.
    await runner.send('test.flaky', { n: 1 });
    await until(async () => (await runner.failures()).dead.length === 1);
    expect(attempts).toHaveLength(3);
    const [first, second, third] = attempts as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeGreaterThanOrEqual(1_900);
    const { failed, dead } = await runner.failures();
    expect(failed).toEqual([expect.objectContaining({ queue: 'test.flaky', error: expect.stringContaining('gateway timeout'), retryCount: 2 })]);
    expect(dead[0]).toMatchObject({ queue: deadLetterOf('test.flaky'), data: { n: 1 } });
    const queues = await runner.queues();
    expect(queues.find((q) => q.name === 'test.flaky')).toMatchObject({ deadLetter: 'test.flaky.dead', failed: 1 });
    expect(queues.find((q) => q.name === 'test.flaky.dead')).toMatchObject({ queued: 1 });

    // An admin retries the dead letter once the cause is gone: it runs again on its own queue.
    healthy = true;
    expect(await runner.retry(deadLetterOf('test.flaky'), dead[0]!.id)).toBe(true);
    await until(() => handled.length === 1);
    expect(handled).toEqual([{ n: 1 }]);
    await until(async () => (await runner.failures()).dead.length === 0);

    // One queued job per singleton key; a second throttled send in the same slot is dropped.
    expect(await runner.send('test.single', {}, { singletonKey: 'k', startAfter: 60 })).toBeTruthy();
    expect(await runner.send('test.single', {}, { singletonKey: 'k', startAfter: 60 })).toBeUndefined();
    expect(await runner.send('test.single', {}, { singletonKey: 'other', startAfter: 60 })).toBeTruthy();
    expect(await runner.queuedAt('test.single', 'k')).toBeInstanceOf(Date);
    expect(await runner.reschedule('test.single', 'k', new Date(Date.now() + 120_000))).toBe(true);
    expect(await runner.sendThrottled('test.flaky', { t: 1 }, 60, 'slot')).toBeTruthy();
    expect(await runner.sendThrottled('test.flaky', { t: 2 }, 60, 'slot')).toBeUndefined();

    // stop() waits for the handler under way.
    await runner.send('test.slow', {});
    await until(() => slowStarted);
    await runner.stop();
    expect(slowDone).toBe(true);
    expect(runner.running).toBe(false);
    await expect(runner.send('test.single', {})).rejects.toMatchObject({ code: 'JOBS_DISABLED' });

    // The next version no longer declares the cron: its schedule is removed at start.
    const next = new JobRunner({ db, postgresUrl: runnerUrl, logger }).queue('test.single', { policy: 'short' });
    opened.push({ database: undefined, db: undefined, runner: next });
    await next.start();
    expect(await next.schedules()).toEqual([]);
    await next.stop();
  }, 60_000);

  it('keeps finished jobs and dead letters no longer than the retention period (RETENTION_JOB_DAYS), a queue of its own shorter', async () => {
    const database = await createTestDatabase();
    const db = await openDatabase(database.target);
    const runnerUrl = database.target.kind === 'postgres' ? database.target.url : undefined;
    const runner = new JobRunner({ db, postgresUrl: runnerUrl, logger, maxKeepSeconds: 7_200 });
    const QUEUE_SQL = `SELECT name, deletion_seconds AS deletion FROM pgboss.queue ORDER BY name`;
    opened.push({ database, db, runner });
    runner.work('test.kept', async () => ({})).work('test.brief', async () => ({}), { keepSeconds: 600 });
    await runner.start();
    const rows = db.embedded
      ? (await db.embedded.query<{ name: string; deletion: number }>(QUEUE_SQL)).rows
      : await db.prisma.$queryRawUnsafe<{ name: string; deletion: number }[]>(QUEUE_SQL);
    expect(Object.fromEntries(rows.map((r) => [r.name, Number(r.deletion)]))).toEqual({
      // pg-boss's own queue of cron firings: an hour.
      '__pgboss__send-it': 3_600,
      // A queue keeping its jobs less than the period keeps its own time; the default day and the dead letters' week are cut to it.
      'test.brief': 600,
      [deadLetterOf('test.brief')]: 7_200,
      'test.kept': 7_200,
      [deadLetterOf('test.kept')]: 7_200,
    });
    await runner.stop();
  }, 60_000);
});
