import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { WorkOrderConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import { AppError } from '../errors.js';
import type { StaffPrincipal } from '../staff/index.js';
import { listNotices, markNoticesRead, parseWorkOrderNumber, WORK_ORDER_STATES, WorkOrderService, type WorkOrderActor } from '../workOrders/index.js';
import { queryInt } from './parseInput.js';
import type { StaffAuth } from './staffAuth.js';
import { STAFF_SECURITY, doc } from './apiSchemas.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Work orders (工单): the staff routes' service, also the scheduler's deadline handler (server/boot.ts). */
    readonly workOrders: WorkOrderService;
  }
}

const KINDS = ['handoff', 'complaint', 'manual_review', 'collection', 'manual'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const version = z.number().int().nonnegative().optional();

/** An order is named by its id or its number (GD20261205-0007). */
const idParams = z.object({ id: z.string().trim().min(1).max(64) });
const listQuery = z.object({
  kind: z.enum(KINDS).optional(),
  status: z.enum([...WORK_ORDER_STATES, 'active']).optional(),
  /** `me`, `none` (unassigned) or a staff id. */
  assignee: z.union([z.enum(['me', 'none']), z.uuid({ error: 'must be me, none or a staff id' })]).optional(),
  overdue: flag.optional(),
  escalated: flag.optional(),
  dueBefore: z.iso.datetime({ offset: true, error: 'must be an ISO date-time, e.g. 2026-12-07T18:00:00+08:00' }).optional(),
  limit: queryInt(1, 200).default(50),
  offset: queryInt(0, 100_000).default(0),
});
const createBody = z.object({
  kind: z.enum(['manual', 'complaint']).default('manual'),
  title: z.string().trim().min(1).max(120),
  reason: z.string().trim().min(1).max(2_000),
  priority: z.enum(PRIORITIES).optional(),
  conversationId: z.uuid().optional(),
  borrowerId: z.uuid().optional(),
});
const assignBody = z.object({ assigneeId: z.union([z.literal('me'), z.uuid({ error: 'must be me or a staff id' })]), version });
const transitionBody = z.object({ to: z.enum(WORK_ORDER_STATES), resolution: z.string().trim().max(2_000).optional(), version });
const priorityBody = z.object({ priority: z.enum(PRIORITIES), version });
const noteBody = z.object({ text: z.string().trim().min(1).max(2_000) });
const noticesQuery = z.object({ unread: flag.default(false), limit: queryInt(1, 200).default(50) });
const readBody = z.union([z.object({ ids: z.array(z.uuid()).min(1).max(200) }), z.object({ all: z.literal(true) })]);

const actorOf = (staff: StaffPrincipal): WorkOrderActor & { type: 'staff' } => ({ type: 'staff', staffId: staff.staffId, roles: staff.roles });

/**
 * The work-order API (docs/staff-api.md): list with filters and counts, one order with its notes,
 * open one by hand, assign, move between states, change priority, add notes, and the supervisor's
 * team view; plus every staff member's notices. Agents and supervisors act (an agent on unassigned
 * orders and their own, a supervisor on all: WorkOrderService checks); reviewers read manual
 * reviews. Decorates `app.workOrders`; every change is told to the consoles' live feed.
 */
export function workOrderRoutes(app: FastifyInstance, deps: { db: Database; clock: Clock; config: WorkOrderConfig; auth: StaffAuth }): WorkOrderService {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const service = new WorkOrderService({
    prisma: deps.db.prisma,
    clock: deps.clock,
    config: deps.config,
    // The console helper's feed, when this app has one.
    publish: (event) => (app as { consoleFeed?: { publish(e: typeof event): void } }).consoleFeed?.publish(event),
  });
  app.decorate('workOrders', service);
  const read = deps.auth.require('agent', 'supervisor', 'reviewer');
  const act = deps.auth.require('agent', 'supervisor');
  const supervise = deps.auth.require('supervisor');
  const staffOf = (request: FastifyRequest) => request.staff!;

  /** The order's id, from an id or a number. */
  async function idOf(raw: string): Promise<string> {
    const number = parseWorkOrderNumber(raw);
    if (number) {
      const id = await service.idOfNumber(number);
      if (!id) throw new AppError('WORK_ORDER_NOT_FOUND', { workOrder: number });
      return id;
    }
    if (!z.uuid().safeParse(raw).success) throw new AppError('VALIDATION_FAILED', { field: 'id', reason: 'must be a work order id or number (GD20261205-0007)' });
    return raw;
  }

  api.get('/api/v1/staff/work-orders', { onRequest: read, schema: { ...doc('work-orders', 'Work orders, filtered · 工单列表', STAFF_SECURITY, 'Roles: agent, supervisor, reviewer.'), querystring: listQuery } }, async (request) => {
    const q = request.query;
    const staff = staffOf(request);
    return service.list(
      {
        kind: q.kind,
        status: q.status,
        assigneeId: q.assignee === 'me' ? staff.staffId : q.assignee,
        overdue: q.overdue,
        escalated: q.escalated,
        dueBefore: q.dueBefore === undefined ? undefined : new Date(q.dueBefore),
        limit: q.limit,
        offset: q.offset,
      },
      actorOf(staff),
    );
  });

  api.get('/api/v1/staff/work-orders/team', { onRequest: supervise, schema: { ...doc('work-orders', 'The team’s open work orders per person · 团队工单', STAFF_SECURITY, 'Roles: supervisor.') } }, async () => service.team());

  api.get('/api/v1/staff/work-orders/:id', { onRequest: read, schema: { ...doc('work-orders', 'One work order with its history · 工单详情', STAFF_SECURITY, 'Roles: agent, supervisor, reviewer.'), params: idParams } }, async (request) => {
    const { id } = request.params;
    return { workOrder: await service.get(await idOf(id), actorOf(staffOf(request))) };
  });

  api.post('/api/v1/staff/work-orders', { onRequest: act, schema: { ...doc('work-orders', 'Open a work order · 新建工单', STAFF_SECURITY, 'Roles: agent, supervisor.'), body: createBody } }, async (request, reply) => {
    const body = request.body;
    const workOrder = await service.open(
      { kind: body.kind, title: body.title, reason: body.reason, priority: body.priority, conversationId: body.conversationId, borrowerId: body.borrowerId },
      actorOf(staffOf(request)),
    );
    return reply.status(201).send({ workOrder });
  });

  api.post('/api/v1/staff/work-orders/:id/assign', { onRequest: act, schema: { ...doc('work-orders', 'Assign a work order · 分派工单', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: idParams, body: assignBody } }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const staff = staffOf(request);
    return { workOrder: await service.assign(await idOf(id), { assigneeId: body.assigneeId === 'me' ? staff.staffId : body.assigneeId, version: body.version }, actorOf(staff)) };
  });

  api.post('/api/v1/staff/work-orders/:id/transition', { onRequest: act, schema: { ...doc('work-orders', 'Move a work order to another state · 工单流转', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: idParams, body: transitionBody } }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    return { workOrder: await service.transition(await idOf(id), body, actorOf(staffOf(request))) };
  });

  api.post('/api/v1/staff/work-orders/:id/priority', { onRequest: act, schema: { ...doc('work-orders', 'Change a work order’s priority · 调整优先级', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: idParams, body: priorityBody } }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    return { workOrder: await service.setPriority(await idOf(id), body, actorOf(staffOf(request))) };
  });

  api.post('/api/v1/staff/work-orders/:id/notes', { onRequest: act, schema: { ...doc('work-orders', 'Add a note to a work order · 工单备注', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: idParams, body: noteBody } }, async (request, reply) => {
    const { id } = request.params;
    const body = request.body;
    return reply.status(201).send({ note: await service.addNote(await idOf(id), body.text, actorOf(staffOf(request))) });
  });

  // Notices: every staff member reads and clears their own.
  const anyStaff = deps.auth.require();
  api.get('/api/v1/staff/notices', { onRequest: anyStaff, schema: { ...doc('work-orders', 'Staff notices of the logged-in person · 员工通知', STAFF_SECURITY, 'Any staff member.'), querystring: noticesQuery } }, async (request) => {
    const q = request.query;
    return listNotices(deps.db.prisma, staffOf(request).staffId, { unreadOnly: q.unread, limit: q.limit });
  });

  api.post('/api/v1/staff/notices/read', { onRequest: anyStaff, schema: { ...doc('work-orders', 'Mark notices read · 通知已读', STAFF_SECURITY, 'Any staff member.'), body: readBody } }, async (request) => {
    const body = request.body;
    return { marked: await markNoticesRead(deps.db.prisma, staffOf(request).staffId, 'ids' in body ? body.ids : 'all', deps.clock.now()) };
  });

  return service;
}
