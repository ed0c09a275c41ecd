import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { StaffAuth } from '../http/staffAuth.js';
import { managerBook } from './managerBook.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

const query = z.object({ managerId: z.uuid({ error: 'must be a staff id (UUID)' }).optional() });

/**
 * A manager's book (我的客户): the borrowers they brought, masked, each with their stage; the
 * manager themself and the managers a supervisor or admin may pick from. A manager sees only their
 * own (a managerId of someone else is refused); supervisors and admins any manager's.
 */
export function managerBookRoutes(app: FastifyInstance, deps: { readonly auth: StaffAuth }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const allowed = deps.auth.require('manager', 'supervisor', 'admin');
  api.get('/api/v1/staff/studio/my-borrowers', { onRequest: allowed, schema: { ...doc('studio', 'The logged-in manager’s borrowers and their stages · 我的客户', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), querystring: query } }, async (request) => {
    const prisma = app.deps.db.prisma;
    const staff = request.staff!;
    const overseer = staff.roles.includes('supervisor') || staff.roles.includes('admin');
    const { managerId: asked } = request.query;
    if (asked && asked !== staff.staffId && !overseer) throw new AppError('FORBIDDEN', { reason: 'a manager sees only their own borrowers' });
    const select = { id: true, displayName: true, employeeNo: true, branch: true, referralCode: true, active: true, roles: true } as const;
    const view = ({ roles: _roles, ...m }: { roles: readonly string[] } & Record<string, unknown>) => m;
    // Roles are filtered here: Prisma's `has` on an enum array fails through the driver adapters.
    const managers = overseer ? (await prisma.staffUser.findMany({ where: { kind: 'person' }, orderBy: { employeeNo: 'asc' }, select })).filter((m) => m.roles.includes('manager')) : [];
    const managerId = asked ?? (staff.roles.includes('manager') ? staff.staffId : managers[0]?.id);
    if (!managerId) return { manager: null, managers: managers.map(view), borrowers: [] };
    const found = await prisma.staffUser.findUnique({ where: { id: managerId }, select });
    const manager = found?.roles.includes('manager') ? found : undefined;
    if (!manager) throw new AppError('STAFF_ACCOUNT_NOT_FOUND', { id: managerId, reason: ' (not a manager)' });
    return { manager: view(manager), managers: managers.map(view), borrowers: await managerBook(prisma, manager.id) };
  });
}
