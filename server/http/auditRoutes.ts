import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Prisma } from '../db/generated/client.js';
import { csvOf } from './csvFile.js';
import { queryInt } from './parseInput.js';
import type { StaffAuth } from './staffAuth.js';
import { STAFF_SECURITY, doc } from './apiSchemas.js';

const auditQuery = z.object({
  actorType: z.enum(['staff', 'borrower', 'system']).optional(),
  actorId: z.string().trim().min(1).max(64).optional(),
  /** A staff member by username (the console's filter); resolved to their account id. */
  actor: z.string().trim().min(1).max(64).optional(),
  action: z.string().trim().min(1).max(64).optional(),
  subjectType: z.string().trim().min(1).max(64).optional(),
  subjectId: z.string().trim().min(1).max(128).optional(),
  from: z.iso.datetime({ offset: true, error: 'must be an ISO date-time, e.g. 2026-12-01T00:00:00+08:00' }).optional(),
  to: z.iso.datetime({ offset: true, error: 'must be an ISO date-time, e.g. 2026-12-05T23:59:59+08:00' }).optional(),
  limit: queryInt(1, 1_000).default(100),
});

type AuditRow = { id: string; at: Date; actorType: string; actorId: string | null; action: string; subjectType: string; subjectId: string | null; detail: Prisma.JsonValue };


/**
 * The audit log for admins: filter by actor, action, subject and time, newest first
 * (`GET /api/v1/staff/audit`), and the same as CSV (`GET /api/v1/staff/audit.csv`, UTF-8 with a BOM
 * so spreadsheets read the Chinese). Exporting is itself audited.
 */
export function auditRoutes(app: FastifyInstance, deps: { auth: StaffAuth }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = deps.auth.require('admin');
  const { prisma } = app.deps.db;

  const find = async (q: z.infer<typeof auditQuery>): Promise<AuditRow[]> => {
    // An unknown username matches nothing (not everything).
    const byUsername = q.actor ? ((await prisma.staffUser.findUnique({ where: { username: q.actor }, select: { id: true } }))?.id ?? '00000000-0000-0000-0000-000000000000') : undefined;
    return prisma.auditLog.findMany({
      where: {
        ...(q.actorType ? { actorType: q.actorType } : {}),
        ...(q.actorId ? { actorId: q.actorId } : {}),
        ...(byUsername ? { actorId: byUsername } : {}),
        ...(q.action ? { action: { startsWith: q.action } } : {}),
        ...(q.subjectType ? { subjectType: q.subjectType } : {}),
        ...(q.subjectId ? { subjectId: q.subjectId } : {}),
        ...(q.from || q.to ? { at: { ...(q.from ? { gte: new Date(q.from) } : {}), ...(q.to ? { lte: new Date(q.to) } : {}) } } : {}),
      },
      orderBy: [{ at: 'desc' }, { id: 'asc' }],
      take: q.limit,
    });
  };
  type Actor = { username: string; displayName: string; employeeNo: string | null };
  const wire = (r: AuditRow, actors: ReadonlyMap<string, Actor>) => ({
    id: r.id,
    at: r.at.toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    // Who a staff actor is, by name, so the page needs no second lookup.
    ...(r.actorType === 'staff' && r.actorId && actors.has(r.actorId) ? { actor: actors.get(r.actorId) } : {}),
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    detail: r.detail,
  });

  api.get('/api/v1/staff/audit', { onRequest, schema: { ...doc('audit', 'The audit log, filtered, newest first · 审计日志', STAFF_SECURITY, 'Roles: admin.'), querystring: auditQuery } }, async (request) => {
    const q = request.query;
    const rows = await find(q);
    const ids = [...new Set(rows.filter((r) => r.actorType === 'staff' && r.actorId).map((r) => r.actorId!))].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    const staff = ids.length ? await prisma.staffUser.findMany({ where: { id: { in: ids } }, select: { id: true, username: true, displayName: true, employeeNo: true } }) : [];
    const actors = new Map(staff.map((s) => [s.id, { username: s.username, displayName: s.displayName, employeeNo: s.employeeNo }]));
    return { entries: rows.map((r) => wire(r, actors)) };
  });

  api.get('/api/v1/staff/audit.csv', { onRequest, schema: { ...doc('audit', 'The audit log as CSV (UTF-8 with BOM); the export is audited · 导出审计日志', STAFF_SECURITY, 'Roles: admin.'), querystring: auditQuery } }, async (request, reply) => {
    const q = request.query;
    const rows = await find(q);
    const staff = request.staff!;
    await prisma.auditLog.create({ data: { actorType: 'staff', actorId: staff.staffId, action: 'audit.exported', subjectType: 'AuditLog', detail: { filter: q, rows: rows.length } } });
    const header = ['at', 'actorType', 'actorId', 'action', 'subjectType', 'subjectId', 'detail'];
    const lines = rows.map((r) => [r.at.toISOString(), r.actorType, r.actorId ?? '', r.action, r.subjectType, r.subjectId ?? '', r.detail === null ? '' : JSON.stringify(r.detail)]);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="kuaidai-audit-${new Date().toISOString().slice(0, 10)}.csv"`)
      .send(csvOf(header, lines));
  });
}
