import { afterAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { DEADLINE_SWEEP_QUEUE, deadLetterOf } from '../server/jobs/index.js';
import { createLogger } from '../server/logging/index.js';
import { consoleCall, consoleLogin } from './support/consoleClient.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/** The admins' job API with the job runner started: queues, schedules and dead letters; a dead letter retried (audited), once. */
const logger = createLogger('silent');
let database: TestDatabase | undefined;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

type JobsAnswer = {
  running: boolean;
  queues: { name: string; deadLetter: string | null }[];
  dead: { id: string; queue: string; data: unknown }[];
  schedules: { name: string; cron: string; timezone: string }[];
  deadlines: { byKind: { kind: string; status: string; count: number }[]; nextDueAt: string | null } | null;
};

describe(`job routes on ${testDatabaseKind()}`, () => {
  it('lists queues, schedules, due rows and dead letters to admins, and retries a dead letter once, audited', async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '1000' }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
    await server.app.ready();
    expect(server.jobs.running).toBe(true);
    const admin = await consoleLogin(server.app, 'admin');
    const supervisor = await consoleLogin(server.app, 'zhuguan');

    // A sweep that failed its last retry lands in the dead-letter queue (put there directly here).
    const deadId = await server.jobs.send(deadLetterOf(DEADLINE_SWEEP_QUEUE), { reason: 'test' });
    const page = (await consoleCall(server.app, 'GET', '/api/v1/staff/jobs', admin)).json() as JobsAnswer;
    expect(page.running).toBe(true);
    expect(page.queues).toContainEqual(expect.objectContaining({ name: DEADLINE_SWEEP_QUEUE, deadLetter: 'deadline.sweep.dead' }));
    expect(page.schedules).toContainEqual({ name: DEADLINE_SWEEP_QUEUE, key: '', cron: '* * * * *', timezone: 'Asia/Shanghai' });
    expect(page.dead).toEqual([expect.objectContaining({ id: deadId, queue: 'deadline.sweep.dead', data: { reason: 'test' } })]);
    // The payment recovery round is a due-at row the sweep fires.
    expect(page.deadlines!.byKind).toContainEqual(expect.objectContaining({ kind: 'payments.recovery' }));

    expect((await consoleCall(server.app, 'GET', '/api/v1/staff/jobs', supervisor)).statusCode).toBe(403);
    expect((await consoleCall(server.app, 'POST', '/api/v1/staff/jobs/retry', supervisor, { payload: { queue: 'deadline.sweep.dead', id: deadId } })).statusCode).toBe(403);
    expect((await consoleCall(server.app, 'POST', '/api/v1/staff/jobs/retry', admin, { payload: { queue: 'no.such.queue', id: deadId } })).statusCode).toBe(404);

    const retried = await consoleCall(server.app, 'POST', '/api/v1/staff/jobs/retry', admin, { payload: { queue: 'deadline.sweep.dead', id: deadId } });
    expect(retried.statusCode, retried.body).toBe(200);
    const again = await consoleCall(server.app, 'POST', '/api/v1/staff/jobs/retry', admin, { payload: { queue: 'deadline.sweep.dead', id: deadId } });
    expect(again.statusCode).toBe(409);
    expect(((await consoleCall(server.app, 'GET', '/api/v1/staff/jobs', admin)).json() as JobsAnswer).dead).toEqual([]);
    const audits = await server.db.prisma.auditLog.findMany({ where: { action: 'jobs.retried', actorId: admin.staffId }, orderBy: { at: 'asc' } });
    expect(audits.map((a) => a.detail)).toEqual([expect.objectContaining({ queue: 'deadline.sweep.dead', retried: true }), expect.objectContaining({ retried: false })]);
  }, 60_000);
});
