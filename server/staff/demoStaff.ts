import type { Logger } from 'pino';
import type { PrismaClient, StaffRole } from '../db/generated/client.js';
import { hashPassword } from './passwords.js';

/** The demo staff accounts of development and sandbox mode (README lists them): one per role, and a second reviewer for four eyes. Never in production. */
export const DEMO_STAFF: readonly { username: string; displayName: string; employeeNo: string; roles: StaffRole[]; password: string; branch?: string; referralCode?: string }[] = [
  { username: 'kefu', displayName: '小王', employeeNo: 'KF001', roles: ['agent'], password: 'Demo-Agent-2026' },
  { username: 'zhuguan', displayName: '李娜', employeeNo: 'ZG001', roles: ['supervisor', 'agent'], password: 'Demo-Supervisor-2026' },
  { username: 'shenpi', displayName: '赵敏', employeeNo: 'SP001', roles: ['reviewer'], password: 'Demo-Reviewer-2026' },
  // A second reviewer: an approval above the product's four-eyes threshold needs another reviewer's confirmation.
  { username: 'shenpi2', displayName: '钱进', employeeNo: 'SP002', roles: ['reviewer'], password: 'Demo-Reviewer2-2026' },
  { username: 'jingli', displayName: '张伟', employeeNo: 'KM001', roles: ['manager'], password: 'Demo-Manager-2026', branch: '0101', referralCode: 'KM001' },
  { username: 'admin', displayName: '管理员', employeeNo: 'AD001', roles: ['admin'], password: 'Demo-Root-2026' },
];

/** The demo branch the demo manager works for (their links and QR codes carry mgr_KM001, the branch's br_0101). */
export const DEMO_BRANCH = { code: '0101', name: '城关支行' } as const;

// Hashed once per process: tests boot many servers.
const hashes = new Map<string, Promise<string>>();

/** Creates the demo accounts that are missing (an existing one, changed or disabled, is left as it is) and prints them. */
export async function seedDemoStaff(prisma: PrismaClient, logger: Pick<Logger, 'info'>): Promise<void> {
  const existing = new Set((await prisma.staffUser.findMany({ where: { username: { in: DEMO_STAFF.map((s) => s.username) } }, select: { username: true } })).map((s) => s.username));
  for (const s of DEMO_STAFF) {
    if (existing.has(s.username)) continue;
    if (!hashes.has(s.password)) hashes.set(s.password, hashPassword(s.password));
    await prisma.staffUser.createMany({
      data: [{ username: s.username, displayName: s.displayName, employeeNo: s.employeeNo, roles: s.roles, passwordHash: await hashes.get(s.password)!, branch: s.branch ?? null, referralCode: s.referralCode ?? null }],
      skipDuplicates: true,
    });
  }
  await prisma.branch.createMany({ data: [DEMO_BRANCH], skipDuplicates: true });
  // A demo manager from before branches existed gets theirs (one an admin changed is left as it is).
  for (const s of DEMO_STAFF.filter((x) => x.referralCode)) {
    await prisma.staffUser.updateMany({ where: { username: s.username, referralCode: null, branch: null }, data: { branch: s.branch ?? null, referralCode: s.referralCode ?? null } });
  }
  logger.info(`demo staff accounts for the console (development and sandbox only): ${DEMO_STAFF.map((s) => `${s.username} / ${s.password} (${s.roles.join('+')})`).join(', ')}`);
}
