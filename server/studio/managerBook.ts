import { maskName } from '../../core/index.js';
import { Prisma, type PrismaClient } from '../db/generated/client.js';

/** Where a borrower a manager brought stands, furthest first: overdue beats drawn beats line open … */
export const BORROWER_STAGES = ['overdue', 'drawn', 'line_open', 'approved', 'declined', 'in_review', 'authorised', 'applied', 'brought'] as const;
export type BorrowerStage = (typeof BORROWER_STAGES)[number];

/** One borrower of a manager's book, as the manager may see them: masked name and phone, never an ID number. */
export interface BookEntry {
  readonly borrowerId: string;
  readonly name: string;
  readonly phone: string | null;
  readonly firstTouch: string | null;
  readonly firstTouchAt: string | null;
  readonly stage: BorrowerStage;
  readonly productId: string | null;
  readonly appliedAt: string | null;
  readonly limitFen: number | null;
}

interface Row {
  borrowerId: string;
  name: string;
  phoneMasked: string | null;
  firstTouch: string | null;
  firstTouchAt: Date | null;
  productId: string | null;
  appliedAt: Date | null;
  outcome: string | null;
  authorised: boolean;
  lineStatus: string | null;
  dpd: number | null;
  limitFen: bigint | null;
  drawn: boolean;
}

/** The furthest stage a borrower reached, from their newest application, its decision, their line and drawdowns. */
export function stageOf(r: Pick<Row, 'appliedAt' | 'outcome' | 'authorised' | 'lineStatus' | 'dpd' | 'drawn'>): BorrowerStage {
  const open = r.lineStatus === 'active' || r.lineStatus === 'frozen';
  if (open && (r.dpd ?? 0) > 0) return 'overdue';
  if (r.drawn) return 'drawn';
  if (open) return 'line_open';
  if (r.outcome === 'approved') return 'approved';
  if (r.outcome === 'declined') return 'declined';
  if (r.outcome === 'manual_review') return 'in_review';
  if (r.authorised) return 'authorised';
  if (r.appliedAt) return 'applied';
  return 'brought';
}

/**
 * The borrowers attributed to a manager (Borrower.attributedStaffId, first touch), newest first, at
 * most `limit`, each with their stage. One statement.
 */
export async function managerBook(prisma: PrismaClient, managerId: string, limit = 500): Promise<BookEntry[]> {
  const rows = await prisma.$queryRaw<Row[]>(Prisma.sql`
    SELECT b.id AS "borrowerId", b.name, b."phoneMasked", b."firstTouch", b."firstTouchAt",
      a."productId", a."createdAt" AS "appliedAt",
      (SELECT d.outcome::text FROM "Decision" d WHERE d."applicationId" = a.id ORDER BY d."createdAt" DESC LIMIT 1) AS outcome,
      EXISTS (SELECT 1 FROM "Consent" c WHERE c."borrowerId" = b.id AND c."revokedAt" IS NULL) AS authorised,
      l.status::text AS "lineStatus", l.dpd, l."limitFen",
      EXISTS (SELECT 1 FROM "Drawdown" w JOIN "CreditLine" wl ON wl.id = w."creditLineId" WHERE wl."borrowerId" = b.id AND w.status IN ('active', 'settled')) AS drawn
    FROM "Borrower" b
    LEFT JOIN LATERAL (SELECT x.id, x."productId", x."createdAt" FROM "Application" x WHERE x."borrowerId" = b.id ORDER BY x."createdAt" DESC LIMIT 1) a ON true
    LEFT JOIN LATERAL (SELECT y.status, y.dpd, y."limitFen" FROM "CreditLine" y WHERE y."borrowerId" = b.id ORDER BY (y.status IN ('active', 'frozen')) DESC, y."createdAt" DESC LIMIT 1) l ON true
    WHERE b."attributedStaffId" = ${managerId}::uuid
    ORDER BY COALESCE(b."firstTouchAt", b."createdAt") DESC
    LIMIT ${limit}`);
  return rows.map((r) => ({
    borrowerId: r.borrowerId,
    name: maskName(r.name),
    phone: r.phoneMasked,
    firstTouch: r.firstTouch,
    firstTouchAt: r.firstTouchAt?.toISOString() ?? null,
    stage: stageOf(r),
    productId: r.productId,
    appliedAt: r.appliedAt?.toISOString() ?? null,
    limitFen: r.limitFen === null ? null : Number(r.limitFen),
  }));
}
