import { addMonths, DEMO_PRODUCTS, type BehaviourSignals, type Fen, type IsoDate, type Product } from '../../core/index.js';
import { Prisma, type PrismaClient } from '../db/generated/client.js';
import type { BehaviourDataProvider } from '../providers/index.js';
import { fieldContext, type FieldCipher } from '../security/fieldCipher.js';
import { toFen } from '../services/index.js';

/** A line the post-loan batches look at, with what the bank's own books say about it. */
export interface WatchedLine {
  readonly lineId: string;
  readonly borrowerId: string;
  readonly productId: string;
  readonly status: 'active' | 'frozen';
  readonly freezeReason: string | null;
  readonly frozenAt: Date | null;
  readonly limit: Fen;
  readonly outstanding: Fen;
  readonly validFrom: IsoDate;
  readonly reviewAt: IsoDate;
  /** Worst days past due now (end-of-day batch) and over the 6 months to the business date. */
  readonly currentDpd: number;
  readonly maxDpd6m: number;
  readonly branch: string | null;
  readonly managerId: string | null;
  readonly idNumberEnc: string | null;
  readonly uscc: string | null;
}

interface Row {
  lineId: string;
  borrowerId: string;
  productId: string;
  status: 'active' | 'frozen';
  freezeReason: string | null;
  frozenAt: Date | null;
  limitFen: bigint;
  availableFen: bigint;
  validFrom: string;
  reviewAt: string;
  currentDpd: number;
  historyDpd: number | null;
  branch: string | null;
  managerId: string | null;
  idNumberEnc: string | null;
  uscc: string | null;
}

/** Which lines a batch reads: early warning, every open line with money out; yearly review, every open line due for review. */
export type WatchScope = { readonly kind: 'money_out' } | { readonly kind: 'review_due' };

/**
 * The next chunk of open (active or frozen) lines after `after` in id order (keyset: a long batch
 * never holds more than one chunk), with days past due from the end-of-day batch (the drawdowns'
 * and the line's worst) and the worst over 6 months from the classification history.
 */
export async function watchedLines(prisma: PrismaClient, scope: WatchScope, businessDate: IsoDate, after: string | null, size: number): Promise<WatchedLine[]> {
  const since = addMonths(businessDate, -6);
  const where =
    scope.kind === 'money_out'
      ? Prisma.sql`EXISTS (SELECT 1 FROM "Drawdown" d WHERE d."creditLineId" = l.id AND d.status = 'active')`
      : Prisma.sql`l."reviewAt" <= ${businessDate}::date`;
  const rows = await prisma.$queryRaw<Row[]>`SELECT l.id AS "lineId", l."borrowerId", l."productId", l.status::text AS status, l."freezeReason", l."frozenAt", l."limitFen", l."availableFen",
      to_char(l."validFrom", 'YYYY-MM-DD') AS "validFrom", to_char(l."reviewAt", 'YYYY-MM-DD') AS "reviewAt",
      GREATEST(l.dpd, (SELECT COALESCE(MAX(d.dpd), 0) FROM "Drawdown" d WHERE d."creditLineId" = l.id AND d.status = 'active'))::int AS "currentDpd",
      (SELECT MAX(c.dpd) FROM "LoanClassification" c WHERE c."creditLineId" = l.id AND c."businessDate" > ${since}::date AND c."businessDate" <= ${businessDate}::date)::int AS "historyDpd",
      s.branch, b."attributedStaffId" AS "managerId", b."idNumberEnc", b.uscc
    FROM "CreditLine" l JOIN "Borrower" b ON b.id = l."borrowerId" LEFT JOIN "StaffUser" s ON s.id = b."attributedStaffId"
    WHERE l.status IN ('active', 'frozen') AND l.state IS NOT NULL AND ${where} AND (${after}::uuid IS NULL OR l.id > ${after}::uuid)
    ORDER BY l.id LIMIT ${size}::int`;
  return rows.map((r) => ({
    lineId: r.lineId,
    borrowerId: r.borrowerId,
    productId: r.productId,
    status: r.status,
    freezeReason: r.freezeReason,
    frozenAt: r.frozenAt,
    limit: toFen(r.limitFen),
    outstanding: Math.max(0, toFen(r.limitFen) - toFen(r.availableFen)),
    validFrom: r.validFrom,
    reviewAt: r.reviewAt,
    currentDpd: r.currentDpd,
    maxDpd6m: Math.max(r.currentDpd, r.historyDpd ?? 0),
    branch: r.branch,
    managerId: r.managerId,
    idNumberEnc: r.idNumberEnc,
    uscc: r.uscc,
  }));
}

/** Whole months from `from` to `to` (a month counts once its day is reached). */
export function monthsBetween(from: IsoDate, to: IsoDate): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return Math.max(0, (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0));
}

export interface SignalSources {
  readonly behaviour: BehaviourDataProvider;
  readonly cipher: FieldCipher;
}

/**
 * Core BehaviourSignals of a line on a business date: the bank's own books (days past due,
 * utilisation, months on book) and the monitoring provider's observation. A provider that cannot
 * answer leaves its signals unobserved (the warning still runs on the books) and says so.
 */
export async function behaviourSignals(sources: SignalSources, line: WatchedLine, businessDate: IsoDate, at: number): Promise<{ signals: BehaviourSignals; observed: boolean; providerError?: string }> {
  const own: BehaviourSignals = {
    currentDpd: line.currentDpd,
    maxDpd6m: line.maxDpd6m,
    lineLimit: line.limit,
    outstanding: line.outstanding,
    monthsOnBook: monthsBetween(line.validFrom, businessDate),
  };
  if (!line.idNumberEnc) return { signals: own, observed: false };
  const idNumber = sources.cipher.decrypt(line.idNumberEnc, fieldContext('Borrower', 'idNumberEnc', line.borrowerId));
  let answer;
  try {
    answer = await sources.behaviour.observe({ borrowerId: line.borrowerId, idNumber, ...(line.uscc ? { uscc: line.uscc } : {}), asOf: businessDate, at });
  } catch (e) {
    return { signals: own, observed: false, providerError: e instanceof Error ? e.message : String(e) };
  }
  if (!answer.ok) return { signals: own, observed: false, providerError: `${answer.reason}: ${answer.detail}` };
  if (!answer.data) return { signals: own, observed: false };
  return { signals: { ...answer.data, ...own }, observed: true };
}

/** The product's name in both languages for a message (the demo products' when none are given, as the reminders do; its id when not known). */
export function productNames(products: readonly Product[] | undefined, productId: string): { productZh: string; productEn: string } {
  const p = (products ?? DEMO_PRODUCTS).find((x) => x.id === productId);
  return { productZh: p?.nameZh ?? productId, productEn: p?.nameEn ?? productId };
}
