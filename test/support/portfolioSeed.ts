import { createHash } from 'node:crypto';
import {
  addDays,
  addMonths,
  drawFromCreditLine,
  openCreditLine,
  repayCreditLine,
  summarizeCreditLine,
  type CreditLine,
  type IsoDate,
  type RepaymentMethod,
} from '../../core/index.js';
import type { PrismaClient } from '../../server/db/generated/client.js';
import { installmentRows } from '../../server/services/creditLineStore.js';
import { jsonb, toPpm } from '../../server/services/persistence.js';

/**
 * A synthetic portfolio, fast: a few template lines are built with core (opened, drawn, repaid on
 * time or left overdue), then cloned set-based in SQL (generate_series) with ids derived from the
 * clone's number, so a million drawdowns take one statement per batch, not a million Prisma calls.
 * Templates name their line `__LINE__` and drawdowns `__DD0__`, `__DD1__`…; clone n gets
 * seededId('l', n), seededId('b', n) for its borrower and seededId('d', n, k) for drawdown k.
 */

/** The uuid md5(parts joined by '.') — the same in SQL: md5('l.' || n)::uuid. */
export const seededId = (...parts: (string | number)[]): string => {
  const h = createHash('md5').update(parts.join('.')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

export interface DrawSpec {
  readonly amount: number;
  readonly termMonths: number;
  readonly method: RepaymentMethod;
  readonly on: IsoDate;
  /** Instalments falling due before this date are repaid on their due date; later ones are left unpaid. */
  readonly paidBefore: IsoDate;
}

/** A template line: opened `validFrom`, the drawdowns made and repaid as specified (core all the way). */
export function templateLine(spec: { readonly limit: number; readonly annualRate: number; readonly validFrom: IsoDate; readonly draws: readonly DrawSpec[]; readonly penaltyMultiplier?: number }): CreditLine {
  let line = must(openCreditLine({ id: '__LINE__', limit: spec.limit, annualRate: spec.annualRate, validFrom: spec.validFrom, ...(spec.penaltyMultiplier ? { penaltyMultiplier: spec.penaltyMultiplier } : {}) })).line;
  // In date order: before each draw (and at the end) every instalment due before then and before its
  // draw's cut-off is repaid on its due date.
  const payDuesBefore = (limit: IsoDate): void => {
    for (;;) {
      const next = line.drawdowns
        .flatMap((d) => {
          const cutoff = spec.draws[Number(d.id.slice(4, -2))]!.paidBefore;
          return d.installments.filter((i) => i.status !== 'paid' && i.dueDate < limit && i.dueDate < cutoff && i.dueDate >= line.asOf).map((i) => ({ id: d.id, date: i.dueDate }));
        })
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))[0];
      if (!next) return;
      const due = must(summarizeCreditLine(line, next.date)).drawdowns.find((x) => x.id === next.id)!.dueNow;
      line = must(repayCreditLine(line, { amount: due, on: next.date, drawdownId: next.id, options: { surplus: 'reject' } })).line;
    }
  };
  const order = spec.draws.map((d, k) => ({ d, k })).sort((a, b) => (a.d.on < b.d.on ? -1 : a.d.on > b.d.on ? 1 : 0));
  for (const { d, k } of order) {
    payDuesBefore(d.on);
    line = must(drawFromCreditLine(line, { drawdownId: `__DD${k}__`, amount: d.amount, termMonths: d.termMonths, method: d.method, on: d.on < line.asOf ? line.asOf : d.on })).line;
  }
  payDuesBefore('2999-12-31');
  return line;
}

const METHODS: readonly { method: RepaymentMethod; termMonths: number }[] = [
  { method: 'equal_installment', termMonths: 12 },
  { method: 'equal_installment', termMonths: 6 },
  { method: 'equal_principal', termMonths: 12 },
  { method: 'interest_first', termMonths: 12 },
  { method: 'equal_installment', termMonths: 24 },
];

/** Days past due of the overdue templates (1 in 20 lines): M1, M1, M2 (frozen at > 30), M3+ 次级, 损失. */
export const BENCH_OVERDUE_DPD = [3, 15, 45, 120, 400] as const;

/**
 * The benchmark's mix as of `businessDate`: 100 templates, one in three with a second drawdown;
 * drawn on spread-out days so that `dueTodayPercent` of the lines (3 % by default, about one monthly
 * loan in thirty) fall due on the date itself; five (5 %) overdue by BENCH_OVERDUE_DPD days; the
 * rest repaid on time.
 */
export function benchTemplates(businessDate: IsoDate, options: { dueTodayPercent?: number } = {}): CreditLine[] {
  const dueToday = options.dueTodayPercent ?? 3;
  const out: CreditLine[] = [];
  for (let t = 0; t < 100; t++) {
    const m = METHODS[t % METHODS.length]!;
    const overdue = t % 20 === 7 ? BENCH_OVERDUE_DPD[(t - 7) / 20]! : 0;
    // Current loans: drawn 1 to ~term months ago on varied days; every 30th one falls due today.
    const firstDraw = overdue ? addMonths(addDays(businessDate, -overdue), -1) : (t * 37) % 100 < dueToday ? addMonths(businessDate, -1 - (t % 3)) : addDays(businessDate, -(7 + ((t * 37) % (m.termMonths * 28))));
    const draws: DrawSpec[] = [{ amount: 1_000_000 + t * 50_000, termMonths: m.termMonths, method: m.method, on: firstDraw, paidBefore: overdue ? firstDraw : businessDate }];
    if (t % 3 === 0 && !overdue) {
      const second = METHODS[(t + 2) % METHODS.length]!;
      draws.push({ amount: 500_000 + t * 10_000, termMonths: second.termMonths, method: second.method, on: addDays(businessDate, -(3 + ((t * 11) % 50))), paidBefore: businessDate });
    }
    out.push(templateLine({ limit: 20_000_000, annualRate: 0.0648 + (t % 5) * 0.006, validFrom: addDays(firstDraw < draws[draws.length - 1]!.on ? firstDraw : draws[draws.length - 1]!.on, -10), draws }));
  }
  return out;
}

/** Drawdowns of `count` clones of the templates (clone n is template n mod templates.length). */
export const drawdownsOf = (templates: readonly CreditLine[], count: number): number =>
  templates.reduce((s, t, i) => s + t.drawdowns.length * Math.floor((count - i + templates.length - 1) / templates.length), 0);

/**
 * Inserts clones `from` … `from + count − 1` of the templates: a borrower, the CreditLine row with
 * its state, Drawdown rows (active) and their Installment mirror, `batch` clones per statement.
 */
export async function seedPortfolio(prisma: PrismaClient, templates: readonly CreditLine[], count: number, options: { from?: number; batch?: number; productId?: string; onBatch?: (done: number) => void } = {}): Promise<void> {
  const from = options.from ?? 0;
  const batch = options.batch ?? 10_000;
  const productId = options.productId ?? 'seed-product';
  const lines = templates.map((line, t) => ({
    t,
    state: JSON.stringify(line),
    limitFen: line.limit,
    availableFen: line.available,
    ratePpm: toPpm(line.annualRate),
    validFrom: line.validFrom,
    validUntil: line.validUntil,
    reviewAt: line.nextReviewDate,
    status: line.status,
  }));
  const drawdowns = templates.flatMap((line, t) => line.drawdowns.map((d, k) => ({ t, k, amountFen: d.principal, termMonths: d.termMonths, method: d.method, ratePpm: toPpm(d.annualRate), status: d.status, startDate: d.drawnOn })));
  const installments = templates.flatMap((line, t) =>
    line.drawdowns.flatMap((d, k) => installmentRows(d.id, d.installments).map((i) => ({ t, k, period: i.period, dueDate: i.dueDate, principalFen: i.principalFen.toString(), interestFen: i.interestFen.toString(), paidPrincipal: i.paidPrincipal.toString(), paidInterest: i.paidInterest.toString(), paidPenalty: i.paidPenalty.toString(), status: i.status }))),
  );
  const T = templates.length;
  for (let start = from; start < from + count; start += batch) {
    const end = Math.min(from + count, start + batch);
    await prisma.$executeRaw`WITH n AS (SELECT g AS n, g % ${T}::int AS t FROM generate_series(${start}::int, ${end - 1}::int) AS g),
      tl AS (SELECT * FROM jsonb_to_recordset(${jsonb(lines)}) AS x(t int, state text, "limitFen" bigint, "availableFen" bigint, "ratePpm" int, "validFrom" date, "validUntil" date, "reviewAt" date, status text)),
      td AS (SELECT * FROM jsonb_to_recordset(${jsonb(drawdowns)}) AS x(t int, k int, "amountFen" bigint, "termMonths" int, method text, "ratePpm" int, status text, "startDate" date)),
      ti AS (SELECT * FROM jsonb_to_recordset(${jsonb(installments)}) AS x(t int, k int, period int, "dueDate" date, "principalFen" bigint, "interestFen" bigint, "paidPrincipal" bigint, "paidInterest" bigint, "paidPenalty" bigint, status text)),
      b AS (INSERT INTO "Borrower" (id, kind, "createdAt", "updatedAt") SELECT md5('b.' || n.n)::uuid, 'individual', now(), now() FROM n),
      l AS (INSERT INTO "CreditLine" (id, "borrowerId", "productId", "limitFen", "availableFen", "ratePpm", "validFrom", "validUntil", "reviewAt", status, state, version, "createdAt", "updatedAt")
        SELECT md5('l.' || n.n)::uuid, md5('b.' || n.n)::uuid, ${productId}, tl."limitFen", tl."availableFen", tl."ratePpm", tl."validFrom", tl."validUntil", tl."reviewAt", tl.status::"CreditLineStatus",
          replace(replace(replace(tl.state, '"__LINE__"', '"' || md5('l.' || n.n)::uuid || '"'), '"__DD0__"', '"' || md5('d.' || n.n || '.0')::uuid || '"'), '"__DD1__"', '"' || md5('d.' || n.n || '.1')::uuid || '"')::jsonb,
          0, now(), now()
        FROM n JOIN tl ON tl.t = n.t),
      d AS (INSERT INTO "Drawdown" (id, "creditLineId", "amountFen", "termMonths", method, "ratePpm", status, "idempotencyKey", "startDate", "disbursedAt", "createdAt", "updatedAt")
        SELECT md5('d.' || n.n || '.' || td.k)::uuid, md5('l.' || n.n)::uuid, td."amountFen", td."termMonths", td.method, td."ratePpm", td.status::"DrawdownStatus", 'seed.' || n.n || '.' || td.k, td."startDate", td."startDate"::timestamptz, now(), now()
        FROM n JOIN td ON td.t = n.t)
      INSERT INTO "Installment" (id, "drawdownId", period, "dueDate", "principalFen", "interestFen", "paidPrincipal", "paidInterest", "paidPenalty", status)
        SELECT md5('i.' || n.n || '.' || ti.k || '.' || ti.period)::uuid, md5('d.' || n.n || '.' || ti.k)::uuid, ti.period, ti."dueDate", ti."principalFen", ti."interestFen", ti."paidPrincipal", ti."paidInterest", ti."paidPenalty", ti.status::"InstallmentStatus"
        FROM n JOIN ti ON ti.t = n.t`;
    options.onBatch?.(end - from);
  }
}
