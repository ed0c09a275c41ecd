import type { Product } from '../../core/index.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import type { StaffPrincipal } from '../staff/index.js';
import { ATTRIBUTION_CODE, attributionRef, type AttributionKind } from './contracts.js';

/** What a manager's, branch's, product's or campaign's code names, resolved: who and which branch a tap or scan attributes to. */
export interface CodeTarget {
  readonly kind: AttributionKind;
  readonly code: string;
  /** `<prefix>_<code>`: the referral its link and QR code carry. */
  readonly ref: string;
  /** What people read: the manager's name and 工号, the branch's, product's or campaign's name. */
  readonly label: string;
  readonly staffId: string | null;
  readonly campaignId: string | null;
  readonly branch: string | null;
}

export const ATTRIBUTION_KINDS: readonly AttributionKind[] = ['manager', 'branch', 'product', 'campaign'];

/**
 * Finds what a code names: an active manager by referral code, an active branch by code, a product
 * of the catalog by id, a campaign by code. Undefined when it names nothing (callers answer 404 with
 * why, or leave a tap unattributed).
 */
export async function findCodeTarget(prisma: PrismaClient, products: readonly Product[], kind: AttributionKind, code: string): Promise<CodeTarget | undefined> {
  if (!ATTRIBUTION_CODE.test(code)) return undefined;
  const ref = attributionRef(kind, code);
  switch (kind) {
    case 'manager': {
      // Roles are filtered here: Prisma's `has` on an enum array fails through the driver adapters.
      const s = await prisma.staffUser.findFirst({ where: { referralCode: code, active: true }, select: { id: true, displayName: true, employeeNo: true, branch: true, roles: true } });
      return s?.roles.includes('manager') ? { kind, code, ref, label: s.employeeNo ? `${s.displayName} (${s.employeeNo})` : s.displayName, staffId: s.id, campaignId: null, branch: s.branch } : undefined;
    }
    case 'branch': {
      const b = await prisma.branch.findFirst({ where: { code, active: true }, select: { code: true, name: true } });
      return b ? { kind, code, ref, label: b.name, staffId: null, campaignId: null, branch: b.code } : undefined;
    }
    case 'product': {
      const p = products.find((x) => x.id === code);
      return p ? { kind, code, ref, label: p.nameZh, staffId: null, campaignId: null, branch: null } : undefined;
    }
    case 'campaign': {
      const c = await prisma.campaign.findUnique({ where: { code }, select: { id: true, name: true, branch: true } });
      return c ? { kind, code, ref, label: c.name, staffId: null, campaignId: c.id, branch: c.branch } : undefined;
    }
  }
}

/** Why a code was not found, in words for the 404. */
export function notFoundReason(kind: AttributionKind): string {
  return {
    manager: 'no active manager has this referral code',
    branch: 'no active branch has this code',
    product: 'no product of the catalog has this id',
    campaign: 'no campaign has this code',
  }[kind];
}

/**
 * Who may fetch a code: admins and supervisors any; a manager their own, their branch's, any
 * product's and any campaign's. Throws FORBIDDEN otherwise.
 */
export async function assertMayUseCode(prisma: PrismaClient, staff: StaffPrincipal, target: CodeTarget): Promise<void> {
  if (staff.roles.includes('admin') || staff.roles.includes('supervisor')) return;
  if (target.kind === 'product' || target.kind === 'campaign') return;
  if (target.kind === 'manager' && target.staffId === staff.staffId) return;
  if (target.kind === 'branch') {
    const me = await prisma.staffUser.findUnique({ where: { id: staff.staffId }, select: { branch: true } });
    if (me?.branch === target.code) return;
  }
  throw new AppError('FORBIDDEN', { reason: 'a manager may use their own codes, their branch’s, and products’ and campaigns’' });
}
