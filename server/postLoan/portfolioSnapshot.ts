import { LOAN_CLASS_NAMES_ZH, type DelinquencyBucket, type Fen, type IsoDate, type LoanClass } from '../../core/index.js';
import type { PrismaClient } from '../db/generated/client.js';

export interface Tally {
  readonly count: number;
  readonly balanceFen: Fen;
}

/** The portfolio at the end of a business date (PortfolioSnapshot.data), for the dashboards. Money in fen. */
export interface PortfolioFigures {
  readonly businessDate: IsoDate;
  readonly lines: { readonly total: number; readonly active: number; readonly frozen: number; readonly expiredOwing: number; readonly withBalance: number; readonly overdue: number };
  readonly limitFen: Fen;
  readonly outstandingFen: Fen;
  readonly availableFen: Fen;
  /** Outstanding principal over the limits of active and frozen lines (0–1). */
  readonly utilisation: number;
  readonly drawdowns: Tally;
  readonly byBucket: Readonly<Record<string, Tally>>;
  readonly byClass: Readonly<Record<LoanClass, Tally>>;
  readonly penaltyAccruedFen: Fen;
  /** 次级 + 可疑 + 损失 balance, and its share of the total balance (0–1). */
  readonly nplFen: Fen;
  readonly nplRatio: number;
}

const NPL: readonly LoanClass[] = ['substandard', 'doubtful', 'loss'];
const BUCKETS: readonly DelinquencyBucket[] = ['M0', 'M1', 'M2', 'M3', 'M3+'];
const ratio = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : 0);

/**
 * The portfolio figures of the lines the end-of-day batch covers (open lines, and expired ones still
 * owing), read from the columns it has just set: balances are outstanding principal; buckets and
 * classes count active drawdowns and their balances. Aggregates only, nothing streamed: the lines'
 * limits and balances, the drawdowns counted by bucket and class, and the balances of drawdowns not
 * current summed from their instalments — the current ones (most of the book) hold the rest.
 */
export async function portfolioSnapshot(prisma: PrismaClient, businessDate: IsoDate): Promise<PortfolioFigures> {
  const [lines] = await prisma.$queryRaw<{ total: number; active: number; frozen: number; expired: number; owing: number; overdue: number; limit: string; available: string; openLimit: string; openOutstanding: string; reserved: string }[]>`
    SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'active')::int AS active, count(*) FILTER (WHERE status = 'frozen')::int AS frozen,
      count(*) FILTER (WHERE status = 'expired')::int AS expired, count(*) FILTER (WHERE "availableFen" < "limitFen")::int AS owing, count(*) FILTER (WHERE dpd > 0)::int AS overdue,
      COALESCE(sum("limitFen"), 0)::text AS "limit", COALESCE(sum("availableFen"), 0)::text AS available,
      COALESCE(sum("limitFen") FILTER (WHERE status <> 'expired'), 0)::text AS "openLimit",
      COALESCE(sum("limitFen" - "availableFen") FILTER (WHERE status <> 'expired'), 0)::text AS "openOutstanding",
      (SELECT COALESCE(sum("amountFen"), 0) FROM "Drawdown" WHERE status = 'disbursing')::text AS reserved
    FROM "CreditLine" WHERE status IN ('active', 'frozen') OR (status = 'expired' AND "availableFen" < "limitFen")`;
  const groups = await prisma.$queryRaw<{ bucket: string; loanClass: LoanClass; count: number; balance: string | null; penalty: string }[]>`
    WITH counted AS (SELECT bucket, "loanClass", count(*)::int AS count, COALESCE(sum("penaltyFen"), 0)::text AS penalty FROM "Drawdown" WHERE status = 'active' GROUP BY bucket, "loanClass"),
      late AS (SELECT d.bucket, d."loanClass", sum(i."principalFen" - i."paidPrincipal") AS balance
        FROM "Drawdown" d JOIN "Installment" i ON i."drawdownId" = d.id WHERE d.status = 'active' AND (d.bucket <> 'M0' OR d."loanClass" <> 'normal') GROUP BY d.bucket, d."loanClass")
    SELECT c.bucket, c."loanClass", c.count, c.penalty, late.balance::text AS balance FROM counted c LEFT JOIN late ON late.bucket = c.bucket AND late."loanClass" = c."loanClass"`;
  // Principal out on active drawdowns: the lines' balances less reservations not yet paid out.
  const outstanding = Number(lines!.limit) - Number(lines!.available) - Number(lines!.reserved);
  const lateBalance = groups.reduce((s, g) => s + (g.bucket !== 'M0' || g.loanClass !== 'normal' ? Number(g.balance ?? 0) : 0), 0);
  const byBucket: Record<string, { count: number; balanceFen: number }> = Object.fromEntries(BUCKETS.map((b) => [b, { count: 0, balanceFen: 0 }]));
  const byClass = Object.fromEntries(Object.keys(LOAN_CLASS_NAMES_ZH).map((c) => [c, { count: 0, balanceFen: 0 }])) as Record<LoanClass, { count: number; balanceFen: number }>;
  let count = 0;
  let balance = 0;
  let penalty = 0;
  for (const g of groups) {
    const b = g.bucket !== 'M0' || g.loanClass !== 'normal' ? Number(g.balance ?? 0) : outstanding - lateBalance;
    count += g.count;
    balance += b;
    penalty += Number(g.penalty);
    const bucket = (byBucket[g.bucket] ??= { count: 0, balanceFen: 0 });
    bucket.count += g.count;
    bucket.balanceFen += b;
    const cls = (byClass[g.loanClass] ??= { count: 0, balanceFen: 0 });
    cls.count += g.count;
    cls.balanceFen += b;
  }
  const nplFen = NPL.reduce((s, c) => s + byClass[c].balanceFen, 0);
  const limitFen = Number(lines!.limit);
  const availableFen = Number(lines!.available);
  return {
    businessDate,
    lines: { total: lines!.total, active: lines!.active, frozen: lines!.frozen, expiredOwing: lines!.expired, withBalance: lines!.owing, overdue: lines!.overdue },
    limitFen,
    outstandingFen: limitFen - availableFen,
    availableFen,
    utilisation: ratio(Number(lines!.openOutstanding), Number(lines!.openLimit)),
    drawdowns: { count, balanceFen: balance },
    byBucket,
    byClass,
    penaltyAccruedFen: penalty,
    nplFen,
    nplRatio: ratio(nplFen, balance),
  };
}
