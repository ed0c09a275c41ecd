import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../server/clock.js';
import { DEFAULT_WORK_ORDER_CONFIG } from '../server/config/index.js';
import { applyMigrations, openDatabase, type Database } from '../server/db/index.js';
import type { StaffRole } from '../server/db/generated/client.js';
import { AppError } from '../server/errors.js';
import { Scheduler } from '../server/jobs/index.js';
import { createLogger } from '../server/logging/index.js';
import { openSql, type Sql } from '../server/runtime/index.js';
import { WORK_ORDER_ESCALATE_JOB, WORK_ORDER_WARN_JOB, workOrderDeadlineHandler, WorkOrderService, type WorkOrderActor } from '../server/workOrders/index.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/** A Shanghai wall-clock moment. */
const sh = (local: string): Date => new Date(`${local}+08:00`);
const logger = createLogger('silent');

describe(`work orders on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let db: Database;
  let sql: Sql;
  const clock = manualClock(sh('2026-12-07T10:00:00')); // a Monday
  let service: WorkOrderService;
  const published: string[] = [];
  let agent: WorkOrderActor & { type: 'staff' };
  let otherAgent: WorkOrderActor & { type: 'staff' };
  let supervisor: WorkOrderActor & { type: 'staff' };
  let reviewer: WorkOrderActor & { type: 'staff' };

  const staff = async (username: string, roles: StaffRole[]) => {
    const row = await db.prisma.staffUser.create({ data: { username, displayName: username, roles, passwordHash: '' } });
    return { type: 'staff' as const, staffId: row.id, roles };
  };
  const refusal = async (p: Promise<unknown>): Promise<{ code: string; message: string }> => {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      return { code: (e as AppError).code, message: (e as AppError).message };
    }
    throw new Error('expected a refusal');
  };
  const manual = (title = '客户来电要求回电') => service.open({ kind: 'manual', title, reason: title }, agent);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase(database.target, { poolSize: 4 });
    await applyMigrations(db.adapterFactory);
    sql = await openSql(db, database.target.kind === 'postgres' ? { postgresUrl: database.target.url } : {});
    service = new WorkOrderService({ prisma: db.prisma, clock, config: DEFAULT_WORK_ORDER_CONFIG, publish: (e) => published.push(e.id) });
    agent = await staff('agent1', ['agent']);
    otherAgent = await staff('agent2', ['agent']);
    supervisor = await staff('boss', ['supervisor', 'agent']);
    reviewer = await staff('reviewer1', ['reviewer']);
  });

  afterAll(async () => {
    await sql?.close();
    await db?.close();
    await database?.drop();
  });

  it('numbers orders GD + Shanghai date + the day’s sequence, without duplicates when opened at once, from 0001 again the next day', async () => {
    clock.set(sh('2026-12-08T23:30:00')); // Tuesday evening in Shanghai, still 15:30 UTC
    const numbers = await Promise.all(Array.from({ length: 8 }, () => manual().then((o) => o.number)));
    expect(new Set(numbers).size).toBe(8);
    expect([...numbers].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `GD20261208-${String(i + 1).padStart(4, '0')}`));
    clock.set(sh('2026-12-09T00:10:00'));
    expect((await manual()).number).toBe('GD20261209-0001');
  });

  it('sets deadlines in working hours: a hand-off on Friday 17:50 is answered by Monday 09:05 and settled by 12:50', async () => {
    clock.set(sh('2026-12-11T17:50:00'));
    const order = await service.open({ kind: 'handoff', reason: '转人工', conversationId: 'conv-fri' }, { type: 'system' });
    expect(order.firstResponseDueAt).toBe(sh('2026-12-14T09:05:00').toISOString());
    expect(order.dueAt).toBe(sh('2026-12-14T12:50:00').toISOString());
    // Four deadline jobs, keyed by order and deadline: warnings 30 working minutes before (the first response's at once).
    const jobs = await db.prisma.job.findMany({ where: { key: { startsWith: `workOrder:${order.id}:` } }, orderBy: { key: 'asc' } });
    expect(jobs.map((j) => [j.key.split(':').slice(2).join(':'), j.dueAt.toISOString()])).toEqual([
      ['first_response:escalate', sh('2026-12-14T09:05:00').toISOString()],
      ['first_response:warn', sh('2026-12-11T17:50:00').toISOString()],
      ['resolution:escalate', sh('2026-12-14T12:50:00').toISOString()],
      ['resolution:warn', sh('2026-12-14T12:20:00').toISOString()],
    ]);
  });

  it('moves through its states, records each as a status note and in the audit log, and refuses what the table does not allow with a reason', async () => {
    clock.set(sh('2026-12-07T10:00:00'));
    const order = await manual('核实还款记录');
    expect(order).toMatchObject({ status: 'open', priority: 'normal', assignee: null, firstRespondedAt: null });

    // Starting work on an unassigned order takes it and counts as the first response.
    clock.advance(60_000);
    const started = await service.transition(order.id, { to: 'in_progress', version: order.version }, agent);
    expect(started).toMatchObject({ status: 'in_progress', assignee: { id: agent.staffId }, firstRespondedAt: clock.now().toISOString() });

    const noResolution = await refusal(service.transition(order.id, { to: 'resolved', resolution: '  ' }, agent));
    expect(noResolution.code).toBe('WORK_ORDER_TRANSITION_REFUSED');
    expect(noResolution.message).toContain('办结工单须填写处理结果');
    expect((await refusal(service.transition(order.id, { to: 'closed' }, agent))).message).toMatch(/处理中 不能变为 已关闭.*in_progress to closed/);
    // A stale version (the order changed since it was loaded) is refused.
    expect((await refusal(service.transition(order.id, { to: 'resolved', resolution: '已核实', version: order.version }, agent))).code).toBe('WORK_ORDER_CHANGED');
    // Another agent cannot act on it; a reviewer only reads.
    expect((await refusal(service.addNote(order.id, '我来吧', otherAgent))).code).toBe('FORBIDDEN');
    expect((await refusal(service.transition(order.id, { to: 'resolved', resolution: 'x' }, reviewer))).code).toBe('FORBIDDEN');

    await service.addNote(order.id, '已致电客户，等待流水', agent);
    const resolved = await service.transition(order.id, { to: 'resolved', resolution: '已核实，款项已入账' }, agent);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: '已核实，款项已入账', resolvedAt: clock.now().toISOString(), overdue: false });
    expect(await db.prisma.job.count({ where: { key: { startsWith: `workOrder:${order.id}:` }, status: 'pending' } })).toBe(0);

    // Reopening restarts the resolution clock (16 working hours for a manual order) and schedules it again.
    clock.set(sh('2026-12-08T15:00:00'));
    const reopened = await service.transition(order.id, { to: 'in_progress' }, supervisor);
    expect(reopened).toMatchObject({ status: 'in_progress', resolvedAt: null, dueAt: sh('2026-12-10T13:00:00').toISOString() }); // Tuesday 15–18, Wednesday, Thursday 09–13
    expect((await db.prisma.job.findUniqueOrThrow({ where: { key: `workOrder:${order.id}:resolution:escalate` } })).status).toBe('pending');
    await service.transition(order.id, { to: 'resolved', resolution: '复核无误' }, agent);
    const closed = await service.transition(order.id, { to: 'closed' }, supervisor);
    expect(closed.status).toBe('closed');
    expect((await refusal(service.transition(order.id, { to: 'in_progress' }, supervisor))).message).toContain('已关闭');

    const full = await service.get(order.id, agent);
    expect(full.notes.map((n) => [n.kind, n.text.split('（')[0]])).toEqual([
      ['status', `新建工单 ${order.number}`],
      ['status', '待处理 → 处理中'],
      ['note', '已致电客户，等待流水'],
      ['status', '处理中 → 已办结'],
      ['status', '已办结 → 处理中'],
      ['status', '处理中 → 已办结'],
      ['status', '已办结 → 已关闭'],
    ]);
    const actions = (await db.prisma.auditLog.findMany({ where: { subjectType: 'WorkItem', subjectId: order.id }, orderBy: { at: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['workOrder.opened', 'workOrder.in_progress', 'workOrder.note', 'workOrder.resolved', 'workOrder.reopened', 'workOrder.resolved', 'workOrder.closed']);
    expect(published.filter((id) => id === order.id).length).toBeGreaterThanOrEqual(7);
  });

  it('assigns: an agent takes an unassigned order for themselves only, a supervisor assigns and reassigns anyone; assigning is the first response', async () => {
    clock.set(sh('2026-12-07T11:00:00'));
    const order = await manual('回访');
    expect((await refusal(service.assign(order.id, { assigneeId: otherAgent.staffId }, agent))).code).toBe('FORBIDDEN');
    const taken = await service.assign(order.id, { assigneeId: agent.staffId }, agent);
    expect(taken).toMatchObject({ status: 'assigned', assignee: { id: agent.staffId }, firstRespondedAt: clock.now().toISOString() });
    expect((await db.prisma.job.findUniqueOrThrow({ where: { key: `workOrder:${order.id}:first_response:escalate` } })).status).toBe('cancelled');
    expect((await refusal(service.assign(order.id, { assigneeId: otherAgent.staffId }, otherAgent))).code).toBe('FORBIDDEN');
    const moved = await service.assign(order.id, { assigneeId: otherAgent.staffId }, supervisor);
    expect(moved.assignee?.id).toBe(otherAgent.staffId);
    // Given someone else's order, the new assignee hears of it; taking one yourself tells nobody.
    expect((await db.prisma.staffNotice.findMany({ where: { workItemId: order.id } })).map((n) => [n.staffId, n.textZh])).toEqual([[otherAgent.staffId, `工单 ${order.number} 已分配给您`]]);
    expect((await refusal(service.assign(order.id, { assigneeId: reviewer.staffId }, supervisor))).code).toBe('VALIDATION_FAILED');
    const urgent = await service.setPriority(order.id, { priority: 'urgent' }, otherAgent);
    expect(urgent.priority).toBe('urgent');
  });

  it('stamps the first response when staff take over or answer in the conversation, and resolves the hand-off on hand-back', async () => {
    clock.set(sh('2026-12-07T14:00:00'));
    const conversationId = randomUUID();
    const handoff = await service.open({ kind: 'handoff', reason: '转人工', conversationId }, { type: 'system' });
    const complaint = await service.open({ kind: 'complaint', reason: '我要投诉', conversationId }, { type: 'system' });
    clock.advance(5 * 60_000);
    const changed = await service.respondedInConversation(conversationId, agent.staffId, 'takeover', clock.now().getTime());
    expect(changed.sort()).toEqual([handoff.id, complaint.id].sort());
    expect(await service.get(handoff.id, agent)).toMatchObject({ status: 'in_progress', assignee: { id: agent.staffId }, firstRespondedAt: clock.now().toISOString() });
    // The complaint is answered, not taken: it stays in its queue for whoever handles complaints.
    expect(await service.get(complaint.id, agent)).toMatchObject({ status: 'open', assignee: null, firstRespondedAt: clock.now().toISOString() });
    expect(await service.respondedInConversation(conversationId, agent.staffId, 'message', clock.now().getTime() + 1)).toEqual([]);
    await service.handedBack(conversationId, agent.staffId, clock.now().getTime() + 2);
    expect(await service.get(handoff.id, agent)).toMatchObject({ status: 'resolved', resolution: expect.stringContaining('交还智能助手') });
    expect((await service.get(complaint.id, agent)).status).toBe('open');
  });

  it('warns before a deadline and escalates when it passes, once each, across a restart between scheduling and firing', async () => {
    clock.set(sh('2026-12-07T15:00:00'));
    const order = await service.open({ kind: 'complaint', reason: '服务态度差', conversationId: randomUUID() }, { type: 'system' });
    // The process that scheduled the jobs stops before they are due; a new one (a new scheduler) fires them.
    const first = new Scheduler({ sql, clock, logger });
    first.register(WORK_ORDER_WARN_JOB, workOrderDeadlineHandler(service)).register(WORK_ORDER_ESCALATE_JOB, workOrderDeadlineHandler(service));
    const restarted = new Scheduler({ sql, clock, logger });
    restarted.register(WORK_ORDER_WARN_JOB, workOrderDeadlineHandler(service)).register(WORK_ORDER_ESCALATE_JOB, workOrderDeadlineHandler(service));

    // Complaint: first response within 2 working hours (17:00), warning 30 minutes before (16:30).
    const mine = async (at: Date) => {
      clock.set(at);
      await restarted.runDue(at);
      const notices = await db.prisma.staffNotice.findMany({ where: { workItemId: order.id }, orderBy: { key: 'asc' } });
      return notices.map((n) => n.key.split(':').slice(2, 4).join(':'));
    };
    expect(await mine(sh('2026-12-07T16:29:00'))).toEqual([]);
    expect(await mine(sh('2026-12-07T16:30:00'))).toEqual(['first_response:warn']); // to the supervisor: nobody holds it
    expect((await service.get(order.id, supervisor)).warnedAt).not.toBeNull();
    expect(await mine(sh('2026-12-07T16:45:00'))).toEqual(['first_response:warn']);
    expect(await mine(sh('2026-12-07T17:00:00'))).toEqual(['first_response:escalate', 'first_response:warn']);
    const escalated = await service.get(order.id, supervisor);
    expect(escalated).toMatchObject({ overdue: true, escalatedAt: expect.any(String) });
    expect(escalated.notes.filter((n) => n.text.startsWith('超时督办'))).toHaveLength(1);

    // The jobs scheduled again by key (as a restart that schedules afresh would) fire nothing twice.
    await db.prisma.job.updateMany({ where: { key: { startsWith: `workOrder:${order.id}:first_response` } }, data: { status: 'pending', attempts: 0 } });
    clock.set(sh('2026-12-07T17:01:00'));
    const again = await restarted.runDue(clock.now());
    expect(again.done).toBeGreaterThanOrEqual(2);
    expect(await db.prisma.staffNotice.count({ where: { workItemId: order.id } })).toBe(2);
    expect((await service.get(order.id, supervisor)).notes.filter((n) => n.text.startsWith('超时督办'))).toHaveLength(1);

    // The supervisor sees it flagged in their queue and team view, and reads the notice.
    const queue = await service.list({ escalated: true }, supervisor);
    expect(queue.workOrders.map((o) => o.id)).toContain(order.id);
    expect(queue.counts.escalated).toBeGreaterThanOrEqual(1);
    const team = await service.team();
    expect(team.escalated.map((o) => o.id)).toContain(order.id);
    expect(team.unassigned.escalated).toBeGreaterThanOrEqual(1);

    // Resolved before its resolution deadline: that job fires nothing.
    await service.transition(order.id, { to: 'resolved', resolution: '已致歉并调整服务' }, supervisor);
    const resolutionJob = await db.prisma.job.findUniqueOrThrow({ where: { key: `workOrder:${order.id}:resolution:escalate` } });
    expect(resolutionJob.status).toBe('cancelled');
    expect(await service.fireDeadline(WORK_ORDER_ESCALATE_JOB, { workItemId: order.id, deadline: 'resolution', dueAt: resolutionJob.dueAt.getTime() }, sh('2026-12-09T18:00:00'))).toBe('skipped');
  });

  it('lists with filters and counts; reviewers see manual reviews only', async () => {
    clock.set(sh('2026-12-07T09:30:00'));
    const review = await service.open({ kind: 'manual_review', reason: 'THIN_CREDIT_FILE' }, { type: 'system' });
    const mine = await service.list({ assigneeId: agent.staffId, status: 'active' }, agent);
    expect(mine.workOrders.every((o) => o.assignee?.id === agent.staffId && ['open', 'assigned', 'in_progress'].includes(o.status))).toBe(true);
    const unassigned = await service.list({ assigneeId: 'none', kind: 'manual_review' }, reviewer);
    expect(unassigned.workOrders.map((o) => o.id)).toContain(review.id);
    expect(unassigned.counts.open).toBeGreaterThanOrEqual(1);
    const seenByReviewer = await service.list({}, reviewer);
    expect(seenByReviewer.workOrders.every((o) => o.kind === 'manual_review')).toBe(true);
    expect((await refusal(service.list({ kind: 'complaint' }, reviewer))).code).toBe('FORBIDDEN');
    expect((await refusal(manual().then((o) => service.get(o.id, reviewer)))).code).toBe('FORBIDDEN');
    clock.set(sh('2026-12-31T12:00:00'));
    const overdue = await service.list({ overdue: true }, supervisor);
    expect(overdue.workOrders.length).toBeGreaterThan(0);
    expect(overdue.workOrders.every((o) => o.overdue)).toBe(true);
    const dueBefore = await service.list({ dueBefore: sh('2026-12-08T00:00:00') }, supervisor);
    expect(dueBefore.workOrders.every((o) => o.dueAt < sh('2026-12-08T00:00:00').toISOString())).toBe(true);
  });
});
