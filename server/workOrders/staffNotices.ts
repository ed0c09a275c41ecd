import { randomUUID } from 'node:crypto';
import type { PrismaClient, StaffRole } from '../db/generated/client.js';
import type { Tx } from '../services/persistence.js';

/** A notice as the console shows it. */
export interface StaffNoticeView {
  readonly id: string;
  readonly text: { readonly zh: string; readonly en: string };
  readonly link: string | null;
  readonly workItemId: string | null;
  readonly role: StaffRole | null;
  readonly createdAt: string;
  readonly readAt: string | null;
}

export interface NoticeDraft {
  /** Names the event; each recipient's row is keyed `<key>:<staffId>`, so posting it again adds nothing. */
  readonly key: string;
  readonly text: { readonly zh: string; readonly en: string };
  readonly link?: string;
  readonly workItemId?: string;
}

/**
 * Posts a notice to one staff member, or to every active person with a role (each gets their own
 * row, read on their own). Returns the staff ids that got a new row.
 */
export async function postNotice(tx: Tx, to: { readonly staffId: string } | { readonly role: StaffRole }, notice: NoticeDraft, at: Date): Promise<string[]> {
  // Raw for the role test: Prisma's `has` on an enum array column is refused by the pg adapter.
  const recipients =
    'staffId' in to ? [to.staffId] : (await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM "StaffUser" WHERE active AND kind = 'person' AND ${to.role}::"StaffRole" = ANY(roles)`).map((s) => s.id);
  if (!recipients.length) return [];
  const created = await tx.staffNotice.createMany({
    data: recipients.map((staffId) => ({
      id: randomUUID(),
      key: `${notice.key}:${staffId}`,
      staffId,
      role: 'role' in to ? to.role : null,
      textZh: notice.text.zh,
      textEn: notice.text.en,
      link: notice.link ?? null,
      workItemId: notice.workItemId ?? null,
      createdAt: at,
    })),
    skipDuplicates: true,
  });
  return created.count ? recipients : [];
}

const view = (n: { id: string; textZh: string; textEn: string; link: string | null; workItemId: string | null; role: StaffRole | null; createdAt: Date; readAt: Date | null }): StaffNoticeView => ({
  id: n.id,
  text: { zh: n.textZh, en: n.textEn },
  link: n.link,
  workItemId: n.workItemId,
  role: n.role,
  createdAt: n.createdAt.toISOString(),
  readAt: n.readAt?.toISOString() ?? null,
});

/** A staff member's notices, newest first, with the number unread. */
export async function listNotices(prisma: PrismaClient, staffId: string, options: { readonly unreadOnly: boolean; readonly limit: number }): Promise<{ notices: StaffNoticeView[]; unread: number }> {
  const [rows, unread] = await Promise.all([
    prisma.staffNotice.findMany({ where: { staffId, ...(options.unreadOnly ? { readAt: null } : {}) }, orderBy: { createdAt: 'desc' }, take: options.limit }),
    prisma.staffNotice.count({ where: { staffId, readAt: null } }),
  ]);
  return { notices: rows.map(view), unread };
}

/** Marks the given notices (or all) of this staff member read; another member's notices are left alone. */
export async function markNoticesRead(prisma: PrismaClient, staffId: string, ids: readonly string[] | 'all', at: Date): Promise<number> {
  const { count } = await prisma.staffNotice.updateMany({ where: { staffId, readAt: null, ...(ids === 'all' ? {} : { id: { in: [...ids] } }) }, data: { readAt: at } });
  return count;
}
