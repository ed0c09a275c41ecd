import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { JobRunner, Scheduler } from '../jobs/index.js';
import { MAX_ADVANCE_DAYS, type DemoAdvance } from '../postLoan/index.js';
import { audit } from '../services/persistence.js';
import { clientOrigin } from './clientOrigin.js';
import type { StaffAuth } from './staffAuth.js';
import { STAFF_SECURITY, doc } from './apiSchemas.js';

const retryBody = z.object({ queue: z.string().trim().min(1).max(128), id: z.uuid({ error: 'must be a job id (UUID)' }) });
const advanceBody = z.object({ days: z.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be at least 1').max(MAX_ADVANCE_DAYS, `must be at most ${MAX_ADVANCE_DAYS}`) });

export interface JobRoutesDeps {
  readonly auth: StaffAuth;
  readonly runner: JobRunner;
  /** The due-at rows (absent when the server hosts no conversations). */
  readonly scheduler?: Scheduler | undefined;
  readonly demo: DemoAdvance;
}

/**
 * The admins' view of the job runner (console page 作业 / Jobs): pg-boss queues with their counts,
 * recent failures with their error, dead letters, the cron schedules and the Job table's due-at rows
 * (`GET /api/v1/staff/jobs`); retrying a failed job or a dead letter (`POST /api/v1/staff/jobs/retry`);
 * and the sandbox's demo clock (`POST /api/v1/staff/demo/advance`). Admin only; every act is audited.
 */
export function jobRoutes(app: FastifyInstance, deps: JobRoutesDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = deps.auth.require('admin');
  const audited = (request: FastifyRequest, action: string, subjectType: string, subjectId: string | null, detail: Record<string, unknown>) => {
    const origin = clientOrigin(app, request);
    return audit(app.deps.db.prisma, { actorType: 'staff', actorId: request.staff!.staffId, action, subjectType, subjectId, at: app.deps.clock.now().getTime(), detail: { ...detail, ...(origin ? { origin } : {}) } });
  };

  api.get('/api/v1/staff/jobs', { onRequest, schema: { ...doc('jobs', 'Job queues, failures, dead letters, schedules and due-at rows · 作业状态', STAFF_SECURITY, 'Roles: admin.') } }, async () => {
    const { runner, scheduler, demo } = deps;
    const rows = scheduler ? await scheduler.summary() : undefined;
    const deadlines = rows && {
      byKind: rows.byKind,
      nextDueAt: rows.nextDueAt?.toISOString() ?? null,
      failed: rows.failed.map((f) => ({ ...f, dueAt: f.dueAt.toISOString() })),
    };
    if (!runner.running) return { running: false, queues: [], failed: [], dead: [], schedules: [], deadlines: deadlines ?? null, demo: demo.status(), now: app.deps.clock.now().toISOString() };
    const [queues, failures, schedules] = [await runner.queues(), await runner.failures(50), await runner.schedules()];
    return { running: true, queues, failed: failures.failed, dead: failures.dead, schedules, deadlines: deadlines ?? null, demo: demo.status(), now: app.deps.clock.now().toISOString() };
  });

  api.post('/api/v1/staff/jobs/retry', { onRequest, schema: { ...doc('jobs', 'Retry a failed job or a dead letter · 重试作业', STAFF_SECURITY, 'Roles: admin.'), body: retryBody } }, async (request) => {
    const body = request.body;
    if (!deps.runner.knows(body.queue)) throw new AppError('NOT_FOUND', { method: 'queue', url: body.queue });
    const retried = await deps.runner.retry(body.queue, body.id);
    await audited(request, 'jobs.retried', 'Job', body.id, { queue: body.queue, retried });
    if (!retried) throw new AppError('CONFLICT', { reason: `job ${body.id} of ${body.queue} is not failed or no longer exists` });
    return { ok: true };
  });

  api.post('/api/v1/staff/demo/advance', { onRequest, schema: { ...doc('jobs', 'Sandbox: move the demo clock ahead by days, running each day’s jobs · 演示时钟前进', STAFF_SECURITY, 'Roles: admin.'), body: advanceBody } }, async (request) => {
    const body = request.body;
    try {
      const result = await deps.demo.advance(body.days);
      await audited(request, 'demo.clock_advanced', 'BusinessClock', '1', { days: body.days, from: result.from, to: result.businessDate, jobs: result.days.map((d) => ({ date: d.date, failed: d.jobs.filter((j) => !j.ok).map((j) => j.name) })) });
      return result;
    } catch (e) {
      if (e instanceof AppError && e.code === 'DEMO_CLOCK_REFUSED') await audited(request, 'demo.clock_refused', 'BusinessClock', '1', { days: body.days, reason: e.params.reason ?? '' });
      throw e;
    }
  });
}
