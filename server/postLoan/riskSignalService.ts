import { maskName, shanghaiDateOf, type IsoDate } from '../../core/index.js';
import type { Clock } from '../clock.js';
import { Prisma, type PrismaClient } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { audit, fromDbDate, inTransaction, toFen } from '../services/index.js';
import { reasonsOf, type StoredReason } from './earlyWarningJob.js';
import { retryOnConflict, unfreezeLine } from './lineFreeze.js';

export type SignalLevel = 'red' | 'orange' | 'yellow';
export type SignalStatus = 'open' | 'confirmed' | 'cleared';

export interface SignalFilter {
  readonly level?: SignalLevel | undefined;
  readonly status?: SignalStatus | undefined;
  readonly branch?: string | undefined;
  readonly managerId?: string | undefined;
  readonly limit: number;
}

/** A signal as the risk view lists it: the borrower masked, the line's days past due and class. */
export interface SignalRow {
  readonly id: string;
  readonly businessDate: IsoDate;
  readonly level: SignalLevel;
  readonly status: SignalStatus;
  readonly behaviourScore: number | null;
  readonly branch: string | null;
  readonly manager: { readonly id: string; readonly name: string } | null;
  readonly borrower: { readonly name: string | null; readonly phone: string | null; readonly enterpriseName: string | null };
  readonly line: { readonly id: string; readonly productId: string; readonly status: string; readonly freezeReason: string | null; readonly dpd: number; readonly bucket: string; readonly loanClass: string; readonly limitFen: number; readonly outstandingFen: number };
  readonly reasons: readonly StoredReason[];
  readonly reviewedBy: string | null;
  readonly reviewedAt: string | null;
  readonly reviewNote: string | null;
}

export interface SignalList {
  /** Signals per level under the other filters (the level filter's counts). */
  readonly counts: Readonly<Record<SignalLevel, number>>;
  readonly signals: readonly SignalRow[];
  /** What the branch and manager filters offer. */
  readonly branches: readonly string[];
  readonly managers: readonly { readonly id: string; readonly name: string }[];
}

/** Who acts, for the audit log. */
export interface RiskReviewer {
  readonly staffId: string;
  readonly username: string;
  readonly origin?: string | undefined;
}

export interface ReviewOutcome {
  readonly id: string;
  readonly status: SignalStatus;
  /** Earlier open signals of the same line judged with it (the same situation seen on earlier days). */
  readonly alsoReviewed: readonly string[];
  /** Clearing: whether the line's warning freeze was lifted, and why not when it was not. */
  readonly line: { readonly status: string; readonly freezeReason: string | null; readonly unfrozen: boolean; readonly keptFrozenBecause?: string };
}

interface Row {
  id: string;
  businessDate: Date;
  level: SignalLevel;
  status: SignalStatus;
  behaviourScore: number | null;
  branch: string | null;
  managerId: string | null;
  managerName: string | null;
  name: string | null;
  phoneMasked: string | null;
  enterpriseName: string | null;
  lineId: string;
  productId: string;
  lineStatus: string;
  freezeReason: string | null;
  dpd: number;
  bucket: string;
  loanClass: string;
  limitFen: bigint;
  availableFen: bigint;
  reasons: Prisma.JsonValue;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNote: string | null;
}

const SELECT = Prisma.sql`SELECT r.id, r."businessDate", r.level, r.status, r."behaviourScore", r.branch, r."managerId", m."displayName" AS "managerName",
    b.name, b."phoneMasked", b."enterpriseName", l.id AS "lineId", l."productId", l.status::text AS "lineStatus", l."freezeReason", l.dpd, l.bucket, l."loanClass",
    l."limitFen", l."availableFen", r.reasons, v."displayName" AS "reviewedBy", r."reviewedAt", r."reviewNote"
  FROM "RiskSignal" r JOIN "CreditLine" l ON l.id = r."creditLineId" JOIN "Borrower" b ON b.id = r."borrowerId"
  LEFT JOIN "StaffUser" m ON m.id = r."managerId" LEFT JOIN "StaffUser" v ON v.id = r."reviewedById"`;

const rowOf = (r: Row): SignalRow => ({
  id: r.id,
  businessDate: fromDbDate(r.businessDate),
  level: r.level,
  status: r.status,
  behaviourScore: r.behaviourScore,
  branch: r.branch,
  manager: r.managerId ? { id: r.managerId, name: r.managerName ?? '' } : null,
  // Masked: the risk view needs to tell borrowers apart, not to know them.
  borrower: { name: r.name ? maskName(r.name) : null, phone: r.phoneMasked, enterpriseName: r.enterpriseName },
  line: { id: r.lineId, productId: r.productId, status: r.lineStatus, freezeReason: r.freezeReason, dpd: r.dpd, bucket: r.bucket, loanClass: r.loanClass, limitFen: toFen(r.limitFen), outstandingFen: Math.max(0, toFen(r.limitFen) - toFen(r.availableFen)) },
  reasons: reasonsOf(r.reasons),
  reviewedBy: r.reviewedBy,
  reviewedAt: r.reviewedAt?.toISOString() ?? null,
  reviewNote: r.reviewNote,
});

/**
 * The risk view (风险预警) over RiskSignal: list by level, status, branch and manager, one signal,
 * and a reviewer's judgement — confirm (the risk is real: the line stays as the batch left it) or
 * clear (a false alarm) — audited as risk_signal.confirmed / risk_signal.cleared. A judgement also
 * covers the line's earlier signals still open (the batch raises one a day while a situation
 * lasts). Clearing a red signal lifts the line's freeze only when the early warning made it
 * (freezeReason `warning`) and no confirmed red signal of the line remains: a line frozen for being
 * overdue, by the yearly review or by staff stays frozen.
 */
export class RiskSignalService {
  constructor(private readonly deps: { readonly prisma: PrismaClient; readonly clock: Clock }) {}

  async list(filter: SignalFilter): Promise<SignalList> {
    const others = [
      filter.status ? Prisma.sql`r.status = ${filter.status}` : null,
      filter.branch ? Prisma.sql`r.branch = ${filter.branch}` : null,
      filter.managerId ? Prisma.sql`r."managerId" = ${filter.managerId}::uuid` : null,
    ].filter((c): c is Prisma.Sql => c !== null);
    const where = (extra: Prisma.Sql[]) => (extra.length ? Prisma.sql`WHERE ${Prisma.join(extra, ' AND ')}` : Prisma.empty);
    const withLevel = filter.level ? [...others, Prisma.sql`r.level = ${filter.level}`] : others;
    const { prisma } = this.deps;
    const [rows, counts, branches, managers] = await Promise.all([
      prisma.$queryRaw<Row[]>`${SELECT} ${where(withLevel)}
        ORDER BY CASE r.level WHEN 'red' THEN 0 WHEN 'orange' THEN 1 ELSE 2 END, r."businessDate" DESC, r.id LIMIT ${filter.limit}::int`,
      prisma.$queryRaw<{ level: SignalLevel; n: number }[]>`SELECT r.level, count(*)::int AS n FROM "RiskSignal" r ${where(others)} GROUP BY r.level`,
      prisma.$queryRaw<{ branch: string }[]>`SELECT DISTINCT branch FROM "RiskSignal" WHERE branch IS NOT NULL ORDER BY branch`,
      prisma.$queryRaw<{ id: string; name: string }[]>`SELECT DISTINCT s.id, s."displayName" AS name FROM "RiskSignal" r JOIN "StaffUser" s ON s.id = r."managerId" ORDER BY name`,
    ]);
    const byLevel = { red: 0, orange: 0, yellow: 0 };
    for (const c of counts) byLevel[c.level] = c.n;
    return { counts: byLevel, signals: rows.map(rowOf), branches: branches.map((b) => b.branch), managers };
  }

  async detail(id: string): Promise<SignalRow> {
    const rows = await this.deps.prisma.$queryRaw<Row[]>`${SELECT} WHERE r.id = ${id}::uuid`;
    if (!rows[0]) throw new AppError('RISK_SIGNAL_NOT_FOUND', { id });
    return rowOf(rows[0]);
  }

  confirm(id: string, note: string, by: RiskReviewer): Promise<ReviewOutcome> {
    return this.judge(id, 'confirmed', note, by);
  }

  clear(id: string, note: string, by: RiskReviewer): Promise<ReviewOutcome> {
    return this.judge(id, 'cleared', note, by);
  }

  private judge(id: string, to: 'confirmed' | 'cleared', note: string, by: RiskReviewer): Promise<ReviewOutcome> {
    return retryOnConflict(() =>
      inTransaction(this.deps.prisma, async (tx) => {
        const now = this.deps.clock.now();
        const signal = await tx.riskSignal.findUnique({ where: { id } });
        if (!signal) throw new AppError('RISK_SIGNAL_NOT_FOUND', { id });
        // open → confirmed | cleared; a confirmed risk may later be cleared; a cleared one is final.
        const from: SignalStatus[] = to === 'confirmed' ? ['open'] : ['open', 'confirmed'];
        const changed = await tx.riskSignal.updateMany({ where: { id, status: { in: from } }, data: { status: to, reviewedById: by.staffId, reviewedAt: now, reviewNote: note } });
        if (changed.count === 0) throw new AppError('RISK_SIGNAL_REVIEWED', { id, status: signal.status });
        const earlier = await tx.riskSignal.findMany({ where: { creditLineId: signal.creditLineId, status: 'open', businessDate: { lt: signal.businessDate } }, select: { id: true } });
        if (earlier.length) {
          await tx.riskSignal.updateMany({ where: { id: { in: earlier.map((e) => e.id) }, status: 'open' }, data: { status: to, reviewedById: by.staffId, reviewedAt: now, reviewNote: note } });
        }
        let unfrozen = false;
        let keptFrozenBecause: string | undefined;
        if (to === 'cleared' && signal.level === 'red') {
          const confirmedRed = await tx.riskSignal.count({ where: { creditLineId: signal.creditLineId, level: 'red', status: 'confirmed' } });
          if (confirmedRed > 0) keptFrozenBecause = 'confirmed_red_signal';
          else {
            const outcome = await unfreezeLine(tx, signal.creditLineId, 'warning', shanghaiDateOf(now.getTime()), now);
            unfrozen = outcome === 'unfrozen';
            if (outcome === 'frozen_for_another_reason' || outcome === 'not_reopenable') keptFrozenBecause = outcome;
          }
        }
        const line = await tx.creditLine.findUniqueOrThrow({ where: { id: signal.creditLineId }, select: { status: true, freezeReason: true } });
        await audit(tx, {
          actorType: 'staff',
          actorId: by.staffId,
          action: `risk_signal.${to}`,
          subjectType: 'RiskSignal',
          subjectId: id,
          at: now.getTime(),
          detail: {
            username: by.username,
            ...(by.origin ? { origin: by.origin } : {}),
            level: signal.level,
            creditLineId: signal.creditLineId,
            businessDate: fromDbDate(signal.businessDate),
            note,
            alsoReviewed: earlier.map((e) => e.id),
            ...(to === 'cleared' ? { unfrozen, ...(keptFrozenBecause ? { keptFrozenBecause } : {}) } : {}),
          },
        });
        return {
          id,
          status: to,
          alsoReviewed: earlier.map((e) => e.id),
          line: { status: line.status, freezeReason: line.freezeReason, unfrozen, ...(keptFrozenBecause ? { keptFrozenBecause } : {}) },
        };
      }),
    );
  }
}
