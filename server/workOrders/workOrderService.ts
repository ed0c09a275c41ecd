import { randomUUID } from 'node:crypto';
import { deadline as deadlineOf, serviceDeadlines, type Deadline } from '../../core/index.js';
import type { Clock } from '../clock.js';
import type { WorkOrderConfig } from '../config/index.js';
import { Prisma, type AuditLog, type Job, type PrismaClient, type StaffRole, type WorkItem, type WorkItemKind, type WorkItemNote, type WorkItemPriority, type WorkItemStatus } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { audit, auditRow, inTransaction, jsonValue, uuidOrNull, type Tx } from '../services/persistence.js';
import { cancelDeadlines, deadlineJobRows, scheduleDeadline, WORK_ORDER_WARN_JOB, type DeadlineFirer, type DeadlineJobKind, type DeadlineJobPayload, type DeadlineName } from './deadlineJobs.js';
import { nextWorkOrderNumber } from './workOrderNumber.js';
import { assignable, checkTransition, isOpenState, refusalText, STATE_ZH, type WorkOrderState } from './workOrderStates.js';
import { postNotice } from './staffNotices.js';

/** Who acts on a work order. Staff are checked against what their roles allow; the system and borrowers only open orders and answer. */
export type WorkOrderActor =
  | { readonly type: 'staff'; readonly staffId: string; readonly roles: readonly StaffRole[] }
  | { readonly type: 'borrower'; readonly borrowerId: string | null }
  | { readonly type: 'system' };

export interface NewWorkOrder {
  readonly kind: WorkItemKind;
  readonly reason: string;
  readonly title?: string | undefined;
  readonly priority?: WorkItemPriority | undefined;
  readonly borrowerId?: string | null | undefined;
  readonly applicationId?: string | null | undefined;
  readonly decisionId?: string | null | undefined;
  readonly conversationId?: string | null | undefined;
  readonly detail?: Record<string, unknown> | undefined;
}

/** A work order as staff see it (and the API returns it). `version` guards a change against one made meanwhile. */
export interface WorkOrderView {
  readonly id: string;
  readonly number: string | null;
  readonly kind: WorkItemKind;
  readonly status: WorkItemStatus;
  readonly priority: WorkItemPriority;
  readonly title: string | null;
  readonly reason: string;
  readonly borrowerId: string | null;
  readonly applicationId: string | null;
  readonly conversationId: string | null;
  readonly assignee: { readonly id: string; readonly displayName: string; readonly employeeNo: string | null } | null;
  readonly createdAt: string;
  readonly firstResponseDueAt: string | null;
  readonly firstRespondedAt: string | null;
  readonly dueAt: string;
  readonly warnedAt: string | null;
  readonly escalatedAt: string | null;
  readonly assignedAt: string | null;
  readonly resolvedAt: string | null;
  readonly closedAt: string | null;
  readonly resolution: string | null;
  /** A deadline passed while it is still open (first response unanswered, or resolution). */
  readonly overdue: boolean;
  readonly version: number;
}

export interface WorkOrderNoteView {
  readonly id: string;
  readonly kind: string;
  readonly text: string;
  readonly authorId: string | null;
  readonly at: string;
}

export interface WorkOrderFilters {
  readonly kind?: WorkItemKind | undefined;
  readonly status?: WorkItemStatus | 'active' | undefined;
  /** A staff id, or `none` for unassigned ones. */
  readonly assigneeId?: string | undefined;
  readonly overdue?: boolean | undefined;
  readonly escalated?: boolean | undefined;
  /** Resolution deadline before this moment. */
  readonly dueBefore?: Date | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

/** What the borrower may hear about their orders. */
export interface BorrowerWorkOrder {
  readonly number: string;
  readonly kind: WorkItemKind;
  readonly status: WorkItemStatus;
  readonly createdAt: number;
  readonly firstResponseDueAt: number | null;
  readonly firstRespondedAt: number | null;
  readonly dueAt: number;
  readonly resolvedAt: number | null;
}

export interface WorkOrderServiceDeps {
  readonly prisma: PrismaClient;
  readonly clock: Clock;
  readonly config: WorkOrderConfig;
  /** Tells the console an order changed (its live feed); nothing by default. */
  readonly publish?: ((event: { readonly kind: 'workOrder'; readonly id: string }) => void) | undefined;
}

const OPEN_STATES: WorkItemStatus[] = ['open', 'assigned', 'in_progress'];
const assigneeSelect = { select: { id: true, displayName: true, employeeNo: true } } as const;
type Row = WorkItem & { assignee: { id: string; displayName: string; employeeNo: string | null } | null };

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function overdueAt(row: WorkItem, now: number): boolean {
  if (!isOpenState(row.status)) return false;
  return row.dueAt.getTime() <= now || (row.firstRespondedAt === null && row.firstResponseDueAt !== null && row.firstResponseDueAt.getTime() <= now);
}

const toView = (row: Row, now: number): WorkOrderView => ({
  id: row.id,
  number: row.number,
  kind: row.kind,
  status: row.status,
  priority: row.priority,
  title: row.title,
  reason: row.reason,
  borrowerId: row.borrowerId,
  applicationId: row.applicationId,
  conversationId: row.conversationId,
  assignee: row.assignee,
  createdAt: row.createdAt.toISOString(),
  firstResponseDueAt: iso(row.firstResponseDueAt),
  firstRespondedAt: iso(row.firstRespondedAt),
  dueAt: row.dueAt.toISOString(),
  warnedAt: iso(row.warnedAt),
  escalatedAt: iso(row.escalatedAt),
  assignedAt: iso(row.assignedAt),
  resolvedAt: iso(row.doneAt),
  closedAt: iso(row.closedAt),
  resolution: row.resolution,
  overdue: overdueAt(row, now),
  version: row.updatedAt.getTime(),
});

const DEADLINE_ZH: Readonly<Record<DeadlineName, string>> = { first_response: '首次响应', resolution: '办结' };
const DEADLINE_EN: Readonly<Record<DeadlineName, string>> = { first_response: 'first response', resolution: 'resolution' };
const shanghaiText = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().slice(5, 16).replace('T', ' ');
const link = (id: string) => `/console/work-orders/${id}`;

/**
 * Work orders (工单): one place opens them (hand-off requests, manual reviews, complaints, ones
 * staff open by hand), numbers them (GD + Shanghai date + the day's sequence), sets their
 * first-response and resolution deadlines in working hours with the scheduler's warning and
 * escalation jobs in the same transaction, moves them through their states (workOrderStates.ts),
 * and fires the deadlines. Every change is audited and recorded as a `status` note.
 *
 * A change reads the order under a row lock, checks it, and writes with a new `version`: two
 * changes at once are serialised, and a client's stale `version` is refused (WORK_ORDER_CHANGED).
 */
export class WorkOrderService implements DeadlineFirer {
  constructor(private readonly deps: WorkOrderServiceDeps) {}

  private get prisma(): PrismaClient {
    return this.deps.prisma;
  }

  /** Both deadlines of an order of `kind` opened at `atMs`. */
  deadlines(kind: WorkItemKind, atMs: number) {
    const { calendar, sla, warningLead } = this.deps.config;
    return serviceDeadlines(atMs, sla[kind], warningLead, calendar);
  }

  /**
   * The rows of a new order for a caller that writes them in its own single statement (the
   * decision): the order, its opening note, its four deadline jobs and the audit row. The number
   * is taken beforehand (a statement that then writes nothing leaves a gap in the day's numbers).
   */
  async draft(input: NewWorkOrder, atMs: number, actor: WorkOrderActor): Promise<{ item: WorkItem; note: WorkItemNote; jobs: Job[]; audited: AuditLog }> {
    const number = await nextWorkOrderNumber(this.prisma, atMs);
    return this.rows(input, number, atMs, actor);
  }

  /** Opens an order inside the caller's transaction (a hand-off request, a complaint). */
  async openIn(tx: Tx, input: NewWorkOrder, atMs: number, actor: WorkOrderActor): Promise<WorkItem> {
    const number = await nextWorkOrderNumber(tx, atMs);
    const { item, note, jobs, audited } = this.rows(input, number, atMs, actor);
    await tx.workItem.create({ data: { ...item, detail: item.detail ?? Prisma.JsonNull } });
    await tx.workItemNote.create({ data: note });
    await tx.job.createMany({ data: jobs.map((j) => ({ ...j, payload: j.payload as object })) });
    await tx.auditLog.create({ data: { ...audited, detail: audited.detail as object } });
    return item;
  }

  /** Opens an order in its own transaction (staff opening one by hand). */
  async open(input: NewWorkOrder, actor: WorkOrderActor): Promise<WorkOrderView> {
    const at = this.deps.clock.now().getTime();
    const item = await inTransaction(this.prisma, (tx) => this.openIn(tx, input, at, actor));
    this.changed(item.id);
    return this.get(item.id, actor);
  }

  private rows(input: NewWorkOrder, number: string, atMs: number, actor: WorkOrderActor): { item: WorkItem; note: WorkItemNote; jobs: Job[]; audited: AuditLog } {
    const now = new Date(atMs);
    const d = this.deadlines(input.kind, atMs);
    const id = randomUUID();
    const item: WorkItem = {
      id,
      number,
      kind: input.kind,
      status: 'open',
      priority: input.priority ?? (input.kind === 'complaint' ? 'high' : 'normal'),
      title: input.title ?? null,
      borrowerId: uuidOrNull(input.borrowerId ?? undefined),
      applicationId: uuidOrNull(input.applicationId ?? undefined),
      decisionId: uuidOrNull(input.decisionId ?? undefined),
      conversationId: input.conversationId ?? null,
      reason: input.reason,
      detail: input.detail === undefined ? null : jsonValue(input.detail),
      dueAt: new Date(d.resolution.dueAt),
      firstResponseDueAt: new Date(d.firstResponse.dueAt),
      firstRespondedAt: null,
      warnedAt: null,
      escalatedAt: null,
      assigneeId: null,
      assignedAt: null,
      doneAt: null,
      closedAt: null,
      resolution: null,
      createdById: actor.type === 'staff' ? actor.staffId : null,
      createdAt: now,
      updatedAt: now,
    };
    const note: WorkItemNote = { id: randomUUID(), workItemId: id, authorId: item.createdById, kind: 'status', text: `新建工单 ${number}（opened）`, at: now };
    const jobs = [...deadlineJobRows(id, 'first_response', d.firstResponse, now), ...deadlineJobRows(id, 'resolution', d.resolution, now)];
    const audited = auditRow({
      ...actorOf(actor),
      action: 'workOrder.opened',
      subjectType: 'WorkItem',
      subjectId: id,
      at: atMs,
      detail: { number, kind: input.kind, priority: item.priority, conversationId: item.conversationId, firstResponseDueAt: item.firstResponseDueAt?.toISOString(), dueAt: item.dueAt.toISOString() },
    });
    return { item, note, jobs, audited };
  }

  /** One order with its notes; reviewers see manual reviews only. */
  async get(id: string, viewer: WorkOrderActor): Promise<WorkOrderView & { notes: WorkOrderNoteView[] }> {
    const row = await this.prisma.workItem.findUnique({ where: { id }, include: { assignee: assigneeSelect, notes: { orderBy: { at: 'asc' } } } });
    if (!row) throw new AppError('WORK_ORDER_NOT_FOUND', { workOrder: id });
    mayRead(viewer, row);
    return {
      ...toView(row, this.deps.clock.now().getTime()),
      notes: row.notes.map((n) => ({ id: n.id, kind: n.kind, text: n.text, authorId: n.authorId, at: n.at.toISOString() })),
    };
  }

  /** The id of the order with this number (GD20261205-0007), or null. */
  async idOfNumber(number: string): Promise<string | null> {
    return (await this.prisma.workItem.findUnique({ where: { number }, select: { id: true } }))?.id ?? null;
  }

  /**
   * Orders matching the filters, most urgent deadline first, with counts per state and of the flags
   * over the same filters, and the console's view counts (open, mine, unassigned, overdue,
   * escalated, all) over the kind alone.
   */
  async list(filters: WorkOrderFilters, viewer: WorkOrderActor) {
    const now = this.deps.clock.now();
    const kinds: Prisma.WorkItemWhereInput = {
      ...(viewerKinds(viewer) ? { kind: { in: viewerKinds(viewer)! } } : {}),
      ...(filters.kind ? { kind: filters.kind } : {}),
    };
    const scope: Prisma.WorkItemWhereInput = {
      ...kinds,
      ...(filters.assigneeId === 'none' ? { assigneeId: null } : filters.assigneeId ? { assigneeId: filters.assigneeId } : {}),
      ...(filters.dueBefore ? { dueAt: { lt: filters.dueBefore } } : {}),
    };
    if (viewerKinds(viewer) && filters.kind && !viewerKinds(viewer)!.includes(filters.kind)) throw new AppError('FORBIDDEN', { reason: 'reviewers read manual-review work orders only' });
    const overdue: Prisma.WorkItemWhereInput = { status: { in: OPEN_STATES }, OR: [{ dueAt: { lte: now } }, { firstRespondedAt: null, firstResponseDueAt: { lte: now } }] };
    const escalated: Prisma.WorkItemWhereInput = { status: { in: OPEN_STATES }, escalatedAt: { not: null } };
    const where: Prisma.WorkItemWhereInput = {
      AND: [
        scope,
        filters.status === 'active' ? { status: { in: OPEN_STATES } } : filters.status ? { status: filters.status } : {},
        filters.overdue === true ? overdue : filters.overdue === false ? { NOT: overdue } : {},
        filters.escalated === true ? escalated : filters.escalated === false ? { escalatedAt: null } : {},
      ],
    };
    const active: Prisma.WorkItemWhereInput = { status: { in: OPEN_STATES } };
    const me = viewer.type === 'staff' ? viewer.staffId : null;
    const [rows, total, byStatus, overdueCount, escalatedCount, ...viewCounts] = await Promise.all([
      this.prisma.workItem.findMany({ where, include: { assignee: assigneeSelect }, orderBy: [{ dueAt: 'asc' }, { createdAt: 'asc' }], take: filters.limit ?? 50, skip: filters.offset ?? 0 }),
      this.prisma.workItem.count({ where }),
      this.prisma.workItem.groupBy({ by: ['status'], where: scope, _count: { _all: true } }),
      this.prisma.workItem.count({ where: { AND: [scope, overdue] } }),
      this.prisma.workItem.count({ where: { AND: [scope, escalated] } }),
      ...[active, { ...active, ...(me ? { assigneeId: me } : { id: { in: [] } }) }, { ...active, assigneeId: null }, overdue, escalated, {}].map((w) => this.prisma.workItem.count({ where: { AND: [kinds, w] } })),
    ]);
    const [vActive, vMine, vUnassigned, vOverdue, vEscalated, vAll] = viewCounts as [number, number, number, number, number, number];
    const views = { active: vActive, mine: vMine, unassigned: vUnassigned, overdue: vOverdue, escalated: vEscalated, all: vAll };
    const counts: Record<WorkItemStatus | 'overdue' | 'escalated', number> = { open: 0, assigned: 0, in_progress: 0, resolved: 0, closed: 0, overdue: overdueCount, escalated: escalatedCount };
    for (const g of byStatus) counts[g.status] = g._count._all;
    return { workOrders: rows.map((r) => toView(r, now.getTime())), total, counts, views };
  }

  /**
   * The supervisor's view of the team: each agent's and supervisor's open load, overdue and
   * escalated orders; the unassigned ones; and the escalated orders waiting (超时督办).
   */
  async team() {
    const now = this.deps.clock.now();
    const open = { status: { in: OPEN_STATES } };
    const overdue: Prisma.WorkItemWhereInput = { ...open, OR: [{ dueAt: { lte: now } }, { firstRespondedAt: null, firstResponseDueAt: { lte: now } }] };
    const [staff, load, late, escalatedBy, breachesToday, escalated] = await Promise.all([
      // Filtered here: Prisma's `hasSome` on an enum array column is refused by the pg adapter (and a team is small).
      this.prisma.staffUser
        .findMany({ where: { active: true, kind: 'person' }, select: { id: true, displayName: true, employeeNo: true, roles: true }, orderBy: { username: 'asc' } })
        .then((all) => all.filter((s) => s.roles.includes('agent') || s.roles.includes('supervisor'))),
      this.prisma.workItem.groupBy({ by: ['assigneeId'], where: open, _count: { _all: true } }),
      this.prisma.workItem.groupBy({ by: ['assigneeId'], where: overdue, _count: { _all: true } }),
      this.prisma.workItem.groupBy({ by: ['assigneeId'], where: { ...open, escalatedAt: { not: null } }, _count: { _all: true } }),
      this.prisma.workItem.count({ where: { escalatedAt: { gte: new Date(now.getTime() - 86_400_000) } } }),
      this.prisma.workItem.findMany({ where: { ...open, escalatedAt: { not: null } }, include: { assignee: assigneeSelect }, orderBy: { escalatedAt: 'asc' }, take: 50 }),
    ]);
    const countOf = (groups: { assigneeId: string | null; _count: { _all: number } }[], id: string | null) => groups.find((g) => g.assigneeId === id)?._count._all ?? 0;
    return {
      agents: staff.map((s) => ({ id: s.id, displayName: s.displayName, employeeNo: s.employeeNo, roles: s.roles, open: countOf(load, s.id), overdue: countOf(late, s.id), escalated: countOf(escalatedBy, s.id) })),
      unassigned: { open: countOf(load, null), overdue: countOf(late, null), escalated: countOf(escalatedBy, null) },
      escalationsLast24h: breachesToday,
      escalated: escalated.map((r) => toView(r, now.getTime())),
    };
  }

  /** Assigns (or reassigns) an order. An agent takes unassigned ones or keeps their own; a supervisor assigns anyone. Counts as the first response. */
  async assign(id: string, input: { readonly assigneeId: string; readonly version?: number | undefined }, actor: WorkOrderActor): Promise<WorkOrderView> {
    return this.change(id, input.version, actor, async (tx, row, at) => {
      if (!assignable(row.status)) refuse(row, `a ${row.status} work order cannot be assigned`, `${STATE_ZH[row.status]}的工单不能分配`);
      if (actor.type === 'staff' && !actor.roles.includes('supervisor') && input.assigneeId !== actor.staffId) throw new AppError('FORBIDDEN', { reason: 'an agent assigns work orders to themselves only' });
      if (row.assigneeId === input.assigneeId) return null;
      const assignee = await tx.staffUser.findUnique({ where: { id: input.assigneeId }, select: { id: true, active: true, roles: true, displayName: true } });
      if (!assignee?.active || !assignee.roles.some((r) => r === 'agent' || r === 'supervisor' || (row.kind === 'manual_review' && r === 'reviewer'))) {
        throw new AppError('VALIDATION_FAILED', { field: 'assigneeId', reason: 'not an active agent or supervisor (or reviewer, for a manual review)' });
      }
      const status: WorkItemStatus = row.status === 'open' ? 'assigned' : row.status;
      // Someone else's order now: they hear of it in the console.
      if (actor.type !== 'staff' || actor.staffId !== assignee.id) {
        const name = row.number ?? row.id;
        await postNotice(tx, { staffId: assignee.id }, { key: `workOrder:${row.id}:assigned:${at.getTime()}`, text: { zh: `工单 ${name} 已分配给您`, en: `Work order ${name} was assigned to you` }, link: link(row.id), workItemId: row.id }, at);
      }
      return {
        data: { assigneeId: assignee.id, assignedAt: at, status, ...(row.firstRespondedAt ? {} : { firstRespondedAt: at }) },
        note: `${row.assigneeId ? '改派' : '分配'}给 ${assignee.displayName}${status !== row.status ? `；${STATE_ZH[row.status]} → ${STATE_ZH[status]}` : ''}（${row.assigneeId ? 'reassigned' : 'assigned'}）`,
        action: row.assigneeId ? 'workOrder.reassigned' : 'workOrder.assigned',
        detail: { from: row.assigneeId, to: assignee.id, status },
        firstResponse: !row.firstRespondedAt,
      };
    });
  }

  /** Moves an order to another state (workOrderStates.ts); resolving needs the resolution in words, reopening restarts the resolution clock. */
  async transition(id: string, input: { readonly to: WorkOrderState; readonly resolution?: string | undefined; readonly version?: number | undefined }, actor: WorkOrderActor): Promise<WorkOrderView> {
    return this.change(id, input.version, actor, async (tx, row, at) => {
      // Starting work on an unassigned order takes it.
      const takes = input.to === 'in_progress' && !row.assigneeId && actor.type === 'staff';
      const check = checkTransition(row.status, input.to, { resolution: input.resolution, assigned: row.assigneeId !== null || takes });
      if (!check.ok) {
        const text = refusalText(row.status, input.to, check);
        refuse(row, text.en, text.zh);
      }
      const data: Prisma.WorkItemUncheckedUpdateInput = { status: input.to };
      if (takes && actor.type === 'staff') Object.assign(data, { assigneeId: actor.staffId, assignedAt: at });
      if (input.to !== 'resolved' && input.to !== 'closed' && !row.firstRespondedAt) data.firstRespondedAt = at;
      if (input.to === 'resolved') Object.assign(data, { doneAt: at, resolution: input.resolution!.trim() });
      if (input.to === 'closed') data.closedAt = at;
      let newDue: Deadline | undefined;
      if (check.reopen) {
        const { sla, warningLead, calendar } = this.deps.config;
        newDue = deadlineOf(at.getTime(), sla[row.kind].resolutionMinutes, warningLead, calendar);
        Object.assign(data, { doneAt: null, dueAt: new Date(newDue.dueAt) });
      }
      if (input.to === 'resolved' || input.to === 'closed') await cancelDeadlines(tx, row.id);
      if (newDue) await scheduleDeadline(tx, row.id, 'resolution', newDue, at);
      return {
        data,
        note: `${STATE_ZH[row.status]} → ${STATE_ZH[input.to]}（${row.status} → ${input.to}）${input.to === 'resolved' ? `：${input.resolution!.trim()}` : ''}`,
        action: check.reopen ? 'workOrder.reopened' : `workOrder.${input.to}`,
        detail: { from: row.status, to: input.to, ...(input.to === 'resolved' ? { resolution: input.resolution!.trim() } : {}), ...(newDue ? { dueAt: new Date(newDue.dueAt).toISOString() } : {}) },
        firstResponse: data.firstRespondedAt !== undefined,
      };
    });
  }

  async setPriority(id: string, input: { readonly priority: WorkItemPriority; readonly version?: number | undefined }, actor: WorkOrderActor): Promise<WorkOrderView> {
    return this.change(id, input.version, actor, async (_tx, row) => {
      if (!isOpenState(row.status)) refuse(row, `a ${row.status} work order keeps its priority`, `${STATE_ZH[row.status]}的工单不能调整优先级`);
      if (row.priority === input.priority) return null;
      return { data: { priority: input.priority }, note: `优先级 ${row.priority} → ${input.priority}（priority）`, action: 'workOrder.priority', detail: { from: row.priority, to: input.priority }, firstResponse: false };
    });
  }

  /** A staff note on the order (never shown to the borrower). */
  async addNote(id: string, text: string, actor: WorkOrderActor & { readonly type: 'staff' }): Promise<WorkOrderNoteView> {
    const at = this.deps.clock.now();
    const note = await inTransaction(this.prisma, async (tx) => {
      const row = await lockedRow(tx, id);
      mayAct(actor, row);
      const created = await tx.workItemNote.create({ data: { id: randomUUID(), workItemId: id, authorId: actor.staffId, kind: 'note', text, at } });
      await tx.workItem.update({ where: { id }, data: { updatedAt: nextVersion(row, at) } });
      await audit(tx, { ...actorOf(actor), action: 'workOrder.note', subjectType: 'WorkItem', subjectId: id, at: at.getTime(), detail: { number: row.number, noteId: created.id, length: text.length } });
      return created;
    });
    this.changed(id);
    return { id: note.id, kind: note.kind, text: note.text, authorId: note.authorId, at: note.at.toISOString() };
  }

  /**
   * A staff member took over or wrote in a conversation: its open hand-off and complaint orders
   * have their first response now. Taking over also assigns the hand-off to them and starts it
   * (in progress). Returns the orders changed.
   */
  async respondedInConversation(conversationId: string, staffId: string, how: 'takeover' | 'message', atMs: number): Promise<string[]> {
    const at = new Date(atMs);
    const changed = await inTransaction(this.prisma, async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "WorkItem" WHERE "conversationId" = ${conversationId} AND kind IN ('handoff', 'complaint')
        AND status IN ('open', 'assigned', 'in_progress') ORDER BY "createdAt" FOR UPDATE`;
      const ids: string[] = [];
      for (const { id } of rows) {
        const row = await tx.workItem.findUniqueOrThrow({ where: { id } });
        const take = how === 'takeover' && row.kind === 'handoff' && row.status !== 'in_progress' && (row.assigneeId === null || row.assigneeId === staffId);
        if (row.firstRespondedAt && !take) continue;
        const status: WorkItemStatus = take ? 'in_progress' : row.status;
        await tx.workItem.update({
          where: { id },
          data: { firstRespondedAt: row.firstRespondedAt ?? at, ...(take ? { status, assigneeId: staffId, assignedAt: row.assignedAt ?? at } : {}), updatedAt: nextVersion(row, at) },
        });
        await tx.workItemNote.create({
          data: { id: randomUUID(), workItemId: id, authorId: staffId, kind: 'status', text: `${how === 'takeover' ? '客服接入对话' : '客服在对话中答复'}${status !== row.status ? `；${STATE_ZH[row.status]} → ${STATE_ZH[status]}` : ''}（${how === 'takeover' ? 'taken over' : 'answered'}）`, at },
        });
        await audit(tx, { actorType: 'staff', actorId: staffId, action: 'workOrder.responded', subjectType: 'WorkItem', subjectId: id, at: atMs, detail: { number: row.number, how, from: row.status, to: status } });
        if (!row.firstRespondedAt) await cancelDeadlines(tx, id, 'first_response');
        ids.push(id);
      }
      return ids;
    });
    for (const id of changed) this.changed(id);
    return changed;
  }

  /** Staff handed the conversation back to the bot: its hand-off orders are resolved (the person answered). */
  async handedBack(conversationId: string, staffId: string, atMs: number): Promise<string[]> {
    const at = new Date(atMs);
    const changed = await inTransaction(this.prisma, async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "WorkItem" WHERE "conversationId" = ${conversationId} AND kind = 'handoff'
        AND status IN ('open', 'assigned', 'in_progress') FOR UPDATE`;
      for (const { id } of rows) {
        const row = await tx.workItem.findUniqueOrThrow({ where: { id } });
        const resolution = '客服已答复，对话交还智能助手（handed back to the assistant）';
        await tx.workItem.update({
          where: { id },
          data: { status: 'resolved', doneAt: at, resolution, firstRespondedAt: row.firstRespondedAt ?? at, assigneeId: row.assigneeId ?? staffId, assignedAt: row.assignedAt ?? at, updatedAt: nextVersion(row, at) },
        });
        await tx.workItemNote.create({ data: { id: randomUUID(), workItemId: id, authorId: staffId, kind: 'status', text: `${STATE_ZH[row.status]} → ${STATE_ZH.resolved}（${row.status} → resolved）：${resolution}`, at } });
        await audit(tx, { actorType: 'staff', actorId: staffId, action: 'workOrder.resolved', subjectType: 'WorkItem', subjectId: id, at: atMs, detail: { number: row.number, from: row.status, to: 'resolved', resolution } });
        await cancelDeadlines(tx, id);
      }
      return rows.map((r) => r.id);
    });
    for (const id of changed) this.changed(id);
    return changed;
  }

  /**
   * A deadline job came due. It acts at most once per deadline (an IdempotencyRecord keyed by
   * order, deadline, act and due time, written with the stamps), and not at all when the order
   * was resolved, the first response came, or the deadline moved since the job was scheduled.
   */
  async fireDeadline(kind: DeadlineJobKind, payload: DeadlineJobPayload, now: Date): Promise<'fired' | 'skipped'> {
    const warn = kind === WORK_ORDER_WARN_JOB;
    const fired = await inTransaction(this.prisma, async (tx) => {
      const row = await tx.workItem.findUnique({ where: { id: payload.workItemId } });
      if (!row || !isOpenState(row.status)) return false;
      const due = payload.deadline === 'first_response' ? row.firstResponseDueAt : row.dueAt;
      if (due?.getTime() !== payload.dueAt) return false;
      if (payload.deadline === 'first_response' && row.firstRespondedAt) return false;
      const once = await tx.$executeRaw`INSERT INTO "IdempotencyRecord" (id, scope, key, result, "createdAt")
        VALUES (${randomUUID()}::uuid, 'workOrder.deadline', ${`${row.id}:${payload.deadline}:${warn ? 'warn' : 'escalate'}:${payload.dueAt}`}, '{}'::jsonb, ${now}::timestamptz)
        ON CONFLICT (scope, key) DO NOTHING`;
      if (once === 0) return false;
      const which = { zh: DEADLINE_ZH[payload.deadline], en: DEADLINE_EN[payload.deadline] };
      const when = shanghaiText(payload.dueAt);
      const name = row.number ?? row.id;
      const text = warn
        ? { zh: `工单 ${name} 的${which.zh}时限 ${when} 将到，请尽快处理`, en: `Work order ${name}: the ${which.en} deadline (${when} Beijing time) is near` }
        : { zh: `超时督办：工单 ${name} 已超过${which.zh}时限 ${when}，请主管跟进`, en: `Escalated: work order ${name} missed its ${which.en} deadline (${when} Beijing time)` };
      await tx.workItem.update({ where: { id: row.id }, data: warn ? { warnedAt: now, updatedAt: nextVersion(row, now) } : { escalatedAt: row.escalatedAt ?? now, updatedAt: nextVersion(row, now) } });
      await tx.workItemNote.create({ data: { id: randomUUID(), workItemId: row.id, authorId: null, kind: 'status', text: `${text.zh}（${warn ? 'warning' : 'escalated'}: ${which.en}）`, at: now } });
      await audit(tx, { actorType: 'system', action: warn ? 'workOrder.warned' : 'workOrder.escalated', subjectType: 'WorkItem', subjectId: row.id, at: now.getTime(), detail: { number: row.number, deadline: payload.deadline, dueAt: new Date(payload.dueAt).toISOString() } });
      const notice = { key: `workOrder:${row.id}:${payload.deadline}:${warn ? 'warn' : 'escalate'}:${payload.dueAt}`, text, link: link(row.id), workItemId: row.id };
      // A warning goes to whoever holds the order (supervisors when nobody does); an escalation to every supervisor.
      if (warn && row.assigneeId) await postNotice(tx, { staffId: row.assigneeId }, notice, now);
      else await postNotice(tx, { role: 'supervisor' }, notice, now);
      return true;
    });
    if (fired) this.changed(payload.workItemId);
    return fired ? 'fired' : 'skipped';
  }

  /** A borrower's orders (by borrower, or by conversation before they are known), newest first. */
  async forBorrower(who: { readonly borrowerId?: string | undefined; readonly conversationId: string }, limit = 5): Promise<BorrowerWorkOrder[]> {
    const borrowerId = uuidOrNull(who.borrowerId);
    const rows = await this.prisma.workItem.findMany({
      where: { number: { not: null }, OR: [{ conversationId: who.conversationId }, ...(borrowerId ? [{ borrowerId }] : [])] },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
    return rows.map(borrowerView);
  }

  /** One order by number, only if it is this borrower's (by borrower or conversation); null otherwise. */
  async borrowerOrderByNumber(number: string, who: { readonly borrowerId?: string | undefined; readonly conversationId: string }): Promise<BorrowerWorkOrder | null> {
    const row = await this.prisma.workItem.findUnique({ where: { number } });
    if (!row) return null;
    const theirs = row.conversationId === who.conversationId || (row.borrowerId !== null && row.borrowerId === uuidOrNull(who.borrowerId));
    return theirs ? borrowerView(row) : null;
  }

  private async change(
    id: string,
    version: number | undefined,
    actor: WorkOrderActor,
    decide: (
      tx: Tx,
      row: WorkItem,
      at: Date,
    ) => Promise<{ data: Prisma.WorkItemUncheckedUpdateInput; note: string; action: string; detail: Record<string, unknown>; firstResponse: boolean } | null>,
  ): Promise<WorkOrderView> {
    const at = this.deps.clock.now();
    const changed = await inTransaction(this.prisma, async (tx) => {
      const row = await lockedRow(tx, id);
      mayAct(actor, row);
      if (version !== undefined && version !== row.updatedAt.getTime()) throw new AppError('WORK_ORDER_CHANGED', { number: row.number ?? row.id });
      const outcome = await decide(tx, row, at);
      if (!outcome) return false;
      await tx.workItem.update({ where: { id }, data: { ...outcome.data, updatedAt: nextVersion(row, at) } });
      await tx.workItemNote.create({ data: { id: randomUUID(), workItemId: id, authorId: actor.type === 'staff' ? actor.staffId : null, kind: 'status', text: outcome.note, at } });
      await audit(tx, { ...actorOf(actor), action: outcome.action, subjectType: 'WorkItem', subjectId: id, at: at.getTime(), detail: { number: row.number, ...outcome.detail } });
      if (outcome.firstResponse) await cancelDeadlines(tx, id, 'first_response');
      return true;
    });
    if (changed) this.changed(id);
    return this.get(id, actor);
  }

  /** Tells the consoles about an order opened in a caller's transaction, once that committed. */
  announce(id: string): void {
    this.changed(id);
  }

  private changed(id: string): void {
    this.deps.publish?.({ kind: 'workOrder', id });
  }
}

const borrowerView = (row: WorkItem): BorrowerWorkOrder => ({
  number: row.number!,
  kind: row.kind,
  status: row.status,
  createdAt: row.createdAt.getTime(),
  firstResponseDueAt: row.firstResponseDueAt?.getTime() ?? null,
  firstRespondedAt: row.firstRespondedAt?.getTime() ?? null,
  dueAt: row.dueAt.getTime(),
  resolvedAt: row.doneAt?.getTime() ?? null,
});

/** The row under a lock held until the transaction ends: changes to one order are serialised. */
async function lockedRow(tx: Tx, id: string): Promise<WorkItem> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "WorkItem" WHERE id = ${id}::uuid FOR UPDATE`;
  if (!locked.length) throw new AppError('WORK_ORDER_NOT_FOUND', { workOrder: id });
  return tx.workItem.findUniqueOrThrow({ where: { id } });
}

/** A version strictly after the last one, even within one millisecond. */
const nextVersion = (row: WorkItem, at: Date): Date => new Date(Math.max(at.getTime(), row.updatedAt.getTime() + 1));

function refuse(row: WorkItem, en: string, zh: string): never {
  // Staff read Chinese first; API clients get the English too.
  throw new AppError('WORK_ORDER_TRANSITION_REFUSED', { number: row.number ?? row.id, reason: `${zh} (${en})` });
}

function actorOf(actor: WorkOrderActor): { actorType: 'staff' | 'borrower' | 'system'; actorId: string | null } {
  if (actor.type === 'staff') return { actorType: 'staff', actorId: actor.staffId };
  if (actor.type === 'borrower') return { actorType: 'borrower', actorId: actor.borrowerId };
  return { actorType: 'system', actorId: null };
}

/** Kinds a viewer is limited to (reviewers: manual reviews), or null for all. */
function viewerKinds(viewer: WorkOrderActor): WorkItemKind[] | null {
  if (viewer.type !== 'staff') return null;
  if (viewer.roles.includes('agent') || viewer.roles.includes('supervisor')) return null;
  return viewer.roles.includes('reviewer') ? ['manual_review'] : [];
}

function mayRead(viewer: WorkOrderActor, row: WorkItem): void {
  const kinds = viewerKinds(viewer);
  if (kinds && !kinds.includes(row.kind)) throw new AppError('FORBIDDEN', { reason: 'reviewers read manual-review work orders only' });
}

/** Supervisors act on every order; agents on unassigned ones and their own; reviewers only read. */
function mayAct(actor: WorkOrderActor, row: WorkItem): void {
  if (actor.type !== 'staff' || actor.roles.includes('supervisor')) return;
  if (!actor.roles.includes('agent')) throw new AppError('FORBIDDEN', { reason: 'only agents and supervisors change work orders' });
  if (row.assigneeId !== null && row.assigneeId !== actor.staffId) throw new AppError('FORBIDDEN', { reason: 'this work order is assigned to someone else: ask a supervisor to reassign it' });
}
