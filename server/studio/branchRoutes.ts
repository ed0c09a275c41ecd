import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { clientOrigin } from '../http/clientOrigin.js';
import type { StaffAuth } from '../http/staffAuth.js';
import { isUniqueViolation } from '../services/persistence.js';
import { ATTRIBUTION_CODE } from './contracts.js';
import { referralCodeCandidates } from './referralCode.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

const code = z.string().trim().regex(ATTRIBUTION_CODE, 'must be 1–40 letters, digits, - or _');
const newBranch = z.object({ code, name: z.string().trim().min(1, 'is required').max(40, 'must be at most 40 characters'), parentCode: code.optional() });
const editBranch = z.object({
  name: z.string().trim().min(1, 'is required').max(40, 'must be at most 40 characters').optional(),
  parentCode: code.nullable().optional(),
  active: z.boolean().optional(),
});
const branchParams = z.object({ code });
const assignBody = z.object({
  staffId: z.uuid({ error: 'must be a staff account id (UUID)' }),
  branch: code,
  referralCode: code.optional(),
});

/**
 * Branches (网点) and who manages for them: admins create, edit and deactivate branches and make a
 * staff account a manager of a branch (StaffUser.branch, role `manager`, a referral code for their
 * links and QR codes: kept if they have one, else given or made from their 工号). Supervisors read.
 * Every change is audited.
 */
export function branchRoutes(app: FastifyInstance, deps: { readonly auth: StaffAuth }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const read = deps.auth.require('admin', 'supervisor');
  const admin = deps.auth.require('admin');
  const prisma = () => app.deps.db.prisma;
  const audited = (request: FastifyRequest, action: string, subjectType: string, subjectId: string | null, detail: Record<string, unknown>) => {
    const origin = clientOrigin(app, request);
    return { at: app.deps.clock.now(), actorType: 'staff', actorId: request.staff!.staffId, action, subjectType, subjectId, detail: { ...detail, ...(origin ? { origin } : {}) } as object };
  };
  const branchView = (b: { id: string; code: string; name: string; parentCode: string | null; active: boolean }) => ({ id: b.id, code: b.code, name: b.name, parentCode: b.parentCode, active: b.active });

  api.get('/api/v1/staff/studio/branches', { onRequest: read, schema: { ...doc('studio', 'Branches · 网点列表', STAFF_SECURITY, 'Roles: admin, supervisor.') } }, async () => {
    const [branches, staff] = await Promise.all([
      prisma().branch.findMany({ orderBy: { code: 'asc' } }),
      prisma().staffUser.findMany({ where: { kind: 'person' }, orderBy: { username: 'asc' }, select: { id: true, username: true, displayName: true, employeeNo: true, branch: true, roles: true, referralCode: true, active: true } }),
    ]);
    return {
      branches: branches.map((b) => ({ ...branchView(b), managers: staff.filter((s) => s.branch === b.code && s.roles.includes('manager')).map((s) => ({ id: s.id, displayName: s.displayName, employeeNo: s.employeeNo, referralCode: s.referralCode, active: s.active })) })),
      staff,
    };
  });

  api.post('/api/v1/staff/studio/branches', { onRequest: admin, schema: { ...doc('studio', 'Create a branch · 新建网点', STAFF_SECURITY, 'Roles: admin.'), body: newBranch } }, async (request, reply) => {
    const body = request.body;
    if (body.parentCode) await existingBranch(body.parentCode, ' (the parent)');
    try {
      const branch = await prisma().$transaction(async (tx) => {
        const b = await tx.branch.create({ data: { code: body.code, name: body.name, parentCode: body.parentCode ?? null } });
        await tx.auditLog.create({ data: audited(request, 'studio.branch_created', 'Branch', b.id, { code: b.code, name: b.name, parentCode: b.parentCode }) });
        return b;
      });
      return reply.code(201).send({ branch: branchView(branch) });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError('BRANCH_EXISTS', { code: body.code });
      throw e;
    }
  });

  api.post('/api/v1/staff/studio/branches/:code', { onRequest: admin, schema: { ...doc('studio', 'Update a branch · 修改网点', STAFF_SECURITY, 'Roles: admin.'), params: branchParams, body: editBranch } }, async (request) => {
    const { code: which } = request.params;
    const body = request.body;
    const before = await existingBranch(which, '');
    if (body.parentCode) {
      if (body.parentCode === which) throw new AppError('VALIDATION_FAILED', { field: 'parentCode', reason: 'a branch cannot be its own parent' });
      await existingBranch(body.parentCode, ' (the parent)');
    }
    const branch = await prisma().$transaction(async (tx) => {
      const b = await tx.branch.update({ where: { code: which }, data: { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.parentCode !== undefined ? { parentCode: body.parentCode } : {}), ...(body.active !== undefined ? { active: body.active } : {}) } });
      const action = body.active === false && before.active ? 'studio.branch_deactivated' : body.active === true && !before.active ? 'studio.branch_reactivated' : 'studio.branch_changed';
      await tx.auditLog.create({ data: audited(request, action, 'Branch', b.id, { code: b.code, before: branchView(before), after: branchView(b) }) });
      return b;
    });
    return { branch: branchView(branch) };
  });

  api.post('/api/v1/staff/studio/managers', { onRequest: admin, schema: { ...doc('studio', 'Make a staff member a customer manager of a branch · 设置客户经理', STAFF_SECURITY, 'Roles: admin.'), body: assignBody } }, async (request) => {
    const body = request.body;
    const branch = await existingBranch(body.branch, '');
    if (!branch.active) throw new AppError('BRANCH_NOT_FOUND', { code: body.branch, reason: ' (it is deactivated)' });
    const staff = await prisma().staffUser.findUnique({ where: { id: body.staffId } });
    if (!staff || staff.kind !== 'person') throw new AppError('STAFF_ACCOUNT_NOT_FOUND', { id: body.staffId, reason: staff ? ' (an API account cannot be a manager)' : '' });
    if (!staff.active) throw new AppError('STAFF_ACCOUNT_NOT_FOUND', { id: body.staffId, reason: ' (the account is disabled)' });
    const candidates = body.referralCode ? [body.referralCode] : staff.referralCode ? [staff.referralCode] : referralCodeCandidates(staff.employeeNo, staff.username);
    for (const referralCode of candidates) {
      const holder = await prisma().staffUser.findUnique({ where: { referralCode }, select: { id: true } });
      if (holder && holder.id !== staff.id) {
        if (body.referralCode) throw new AppError('REFERRAL_CODE_TAKEN', { code: referralCode });
        continue;
      }
      try {
        const updated = await prisma().$transaction(async (tx) => {
          const u = await tx.staffUser.update({
            where: { id: staff.id },
            data: { branch: branch.code, referralCode, roles: staff.roles.includes('manager') ? staff.roles : [...staff.roles, 'manager'] },
            select: { id: true, username: true, displayName: true, employeeNo: true, branch: true, roles: true, referralCode: true, active: true },
          });
          await tx.auditLog.create({
            data: audited(request, 'studio.manager_assigned', 'StaffUser', staff.id, { username: staff.username, branch: branch.code, previousBranch: staff.branch, referralCode, previousReferralCode: staff.referralCode, roleAdded: !staff.roles.includes('manager') }),
          });
          return u;
        });
        return { manager: updated };
      } catch (e) {
        // Taken by someone else meanwhile: a generated code tries the next candidate.
        if (!isUniqueViolation(e) || body.referralCode) throw isUniqueViolation(e) ? new AppError('REFERRAL_CODE_TAKEN', { code: referralCode }) : e;
      }
    }
    throw new AppError('CONFLICT', { reason: 'no free referral code could be made: give one' });
  });

  async function existingBranch(which: string, role: string) {
    const b = await prisma().branch.findUnique({ where: { code: which } });
    if (!b) throw new AppError('BRANCH_NOT_FOUND', { code: which, reason: role });
    return b;
  }
}
