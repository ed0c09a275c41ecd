import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Deadline } from '../../core/index.js';
import type { Job } from '../db/generated/client.js';
import type { JobHandler } from '../jobs/index.js';
import { jsonValue, type Tx } from '../services/persistence.js';

/** Job kinds of a work order's deadlines: the warning before one, and the escalation when it passed (超时督办). */
export const WORK_ORDER_WARN_JOB = 'workOrder.warn';
export const WORK_ORDER_ESCALATE_JOB = 'workOrder.escalate';
export type DeadlineJobKind = typeof WORK_ORDER_WARN_JOB | typeof WORK_ORDER_ESCALATE_JOB;

export const DEADLINE_NAMES = ['first_response', 'resolution'] as const;
export type DeadlineName = (typeof DEADLINE_NAMES)[number];

export const deadlineJobPayload = z.object({
  workItemId: z.uuid(),
  deadline: z.enum(DEADLINE_NAMES),
  /** The deadline the job was scheduled for (epoch ms): a job for a deadline since moved does nothing. */
  dueAt: z.number().int(),
});
export type DeadlineJobPayload = z.infer<typeof deadlineJobPayload>;

/** One key per order, deadline and act: scheduling again (a restart, a moved deadline) replaces the job instead of adding one. */
export const deadlineJobKey = (workItemId: string, deadline: DeadlineName, kind: DeadlineJobKind): string =>
  `workOrder:${workItemId}:${deadline}:${kind === WORK_ORDER_WARN_JOB ? 'warn' : 'escalate'}`;

/** The Job rows of one deadline (warning and escalation), for a statement that writes the order too. */
export function deadlineJobRows(workItemId: string, deadline: DeadlineName, d: Deadline, now: Date): Job[] {
  const payload: DeadlineJobPayload = { workItemId, deadline, dueAt: d.dueAt };
  return ([[WORK_ORDER_WARN_JOB, d.warnAt], [WORK_ORDER_ESCALATE_JOB, d.dueAt]] as const).map(([kind, at]) => ({
    id: randomUUID(),
    kind,
    key: deadlineJobKey(workItemId, deadline, kind),
    dueAt: new Date(at),
    payload: jsonValue(payload),
    status: 'pending',
    attempts: 0,
    lockedBy: null,
    lockedUntil: null,
    lastError: null,
    doneAt: null,
    createdAt: now,
  }));
}

/** Schedules (or moves) one deadline's jobs inside the transaction that set the deadline. */
export async function scheduleDeadline(tx: Tx, workItemId: string, deadline: DeadlineName, d: Deadline, now: Date): Promise<void> {
  for (const row of deadlineJobRows(workItemId, deadline, d, now)) {
    const { id: _id, key, ...rest } = row;
    const fields = { ...rest, payload: rest.payload as object };
    await tx.job.upsert({ where: { key }, create: { id: row.id, key, ...fields }, update: fields });
  }
}

/** Cancels the pending jobs of an order's deadlines (all, or one): answered, resolved. */
export async function cancelDeadlines(tx: Tx, workItemId: string, deadline?: DeadlineName): Promise<void> {
  const keys = (deadline ? [deadline] : DEADLINE_NAMES).flatMap((name) => [deadlineJobKey(workItemId, name, WORK_ORDER_WARN_JOB), deadlineJobKey(workItemId, name, WORK_ORDER_ESCALATE_JOB)]);
  await tx.job.updateMany({ where: { key: { in: keys }, status: 'pending' }, data: { status: 'cancelled' } });
}

/** What fires a deadline: the work-order service's `fireDeadline`. */
export interface DeadlineFirer {
  fireDeadline(kind: DeadlineJobKind, payload: DeadlineJobPayload, now: Date): Promise<'fired' | 'skipped'>;
}

/**
 * The scheduler's handler for both kinds: a plain function of the job, so it moves to another
 * queue as it is. A malformed payload is logged and dropped (retrying cannot mend it).
 */
export function workOrderDeadlineHandler(firer: DeadlineFirer): JobHandler {
  return async (job, { now, logger }) => {
    const payload = deadlineJobPayload.safeParse(job.payload);
    if (!payload.success || (job.kind !== WORK_ORDER_WARN_JOB && job.kind !== WORK_ORDER_ESCALATE_JOB)) {
      logger.warn({ jobId: job.id, kind: job.kind }, 'work-order deadline job with a malformed payload; dropped');
      return;
    }
    const outcome = await firer.fireDeadline(job.kind, payload.data, now);
    logger.debug({ workItemId: payload.data.workItemId, kind: job.kind, deadline: payload.data.deadline, outcome }, 'work-order deadline');
  };
}
