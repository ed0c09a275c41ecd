import { randomUUID } from 'node:crypto';
import { payoffQuote, summarizeCreditLine, type CreditLine, type IsoDate, type Posting, type Product } from '../../core/index.js';
import type { DrawdownView, LineView } from '../../flows/host.js';
import { Prisma, type CreditLine as CreditLineRow, type Installment, type LedgerEntry, type PrismaClient } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { IF_GUARDED, insertRows, jsonb, queryOne, queryRows, toBigFen, toDbDate, uuidOrNull, type RawTarget, type Tx } from './persistence.js';

/**
 * Persistence of core credit lines: the CreditLine row keeps the core state as JSON (the truth)
 * plus the columns staff and jobs query (available, status); Drawdown and Installment rows mirror
 * the drawdowns; every posting the core returns becomes LedgerEntry rows sharing a postingId.
 * A write checks the row version, so two operations on one line cannot both win.
 *
 * A payout and a collection are never in flight on one line together: a drawdown `disbursing` is in
 * the line's state before its money has gone (the reservation), and the recovery job may still undo
 * it, so a repayment planned then could pay towards a loan that is taken back. A repayment is
 * refused (`busy`) while a drawdown on its line is `disbursing`, and records its intent with a
 * version bump; a reservation is refused while a repayment intent on its line is pending.
 *
 * A save is one statement (see persistence.ts): the version-checked UPDATE of the line is the
 * statement's `guard`, and the mirror writes (instalments, settled drawdowns) and whatever the
 * caller adds (drawdown, repayment, ledger, idempotency, audit rows) only happen when it matched.
 */

/** The columns of a CreditLine row the services use. */
export type LineRow = Pick<CreditLineRow, 'id' | 'borrowerId' | 'productId' | 'version'>;

export interface LoadedLine {
  readonly row: LineRow;
  readonly line: CreditLine;
}

interface LineRead extends LineRow {
  readonly state: unknown;
}

const loadedOf = (r: Partial<LineRead> | undefined): LoadedLine | null =>
  r?.id && r.state !== null && r.state !== undefined ? { row: { id: r.id, borrowerId: r.borrowerId!, productId: r.productId!, version: r.version! }, line: r.state as CreditLine } : null;

/** A credit line id must be a UUID; anything else is refused before it reaches a UUID column. */
export function checkLineId(lineId: string): void {
  if (uuidOrNull(lineId) === null) throw new AppError('VALIDATION_FAILED', { field: 'lineId', reason: 'not a credit line id' });
}

export async function loadLine(db: RawTarget, lineId: string): Promise<LoadedLine | null> {
  checkLineId(lineId);
  const rows = await queryRows<LineRead>(db, Prisma.sql`SELECT id, "borrowerId", "productId", version, state FROM "CreditLine" WHERE id = ${lineId}::uuid`);
  return loadedOf(rows[0]);
}

/**
 * One read for an effect on a line: the line (null when there is none) and the stored results of
 * the effect's idempotency scopes for `key` (a scope without a result is absent).
 */
export async function loadLineRecalling(
  db: RawTarget,
  lineId: string,
  scopes: readonly string[],
  key: string,
): Promise<{ loaded: LoadedLine | null; recalled: Record<string, unknown>; payoutInFlight: boolean }> {
  const row = await queryOne<Partial<LineRead> & { recalled: Record<string, unknown> | null; payoutInFlight: boolean | null }>(
    db,
    Prisma.sql`SELECT l.id, l."borrowerId", l."productId", l.version, l.state,
      (SELECT jsonb_object_agg(r.scope, r.result) FROM "IdempotencyRecord" r WHERE r.scope = ANY(${[...scopes]}::text[]) AND r.key = ${key}) AS recalled,
      EXISTS (SELECT 1 FROM "Drawdown" d WHERE d."creditLineId" = l.id AND d.status = 'disbursing') AS "payoutInFlight"
      FROM (SELECT 1) AS one LEFT JOIN "CreditLine" l ON l.id = ${uuidOrNull(lineId)}::uuid`,
  );
  return { loaded: loadedOf(row), recalled: row.recalled ?? {}, payoutInFlight: row.payoutInFlight === true };
}

/** The instalment rows of a drawdown, ids made here (an upsert keeps the id of a row that exists). */
export const installmentRows = (drawdownId: string, installments: CreditLine['drawdowns'][number]['installments']): Installment[] =>
  installments.map((i) => ({
    id: randomUUID(),
    drawdownId,
    period: i.period,
    dueDate: toDbDate(i.dueDate),
    principalFen: toBigFen(i.principal),
    interestFen: toBigFen(i.interest),
    paidPrincipal: toBigFen(i.paidPrincipal),
    paidInterest: toBigFen(i.paidInterest),
    paidPenalty: toBigFen(i.paidPenalty),
    status: i.status,
  }));

export interface LineSave {
  /** CTEs for a WITH clause: `guard` (the version-checked line update), then the mirror writes. */
  readonly ctes: Prisma.Sql;
  /** Drawdowns whose mirror rows this save rewrites; when there are any, CTE `synced` RETURNs their instalments (id, drawdownId, period). */
  readonly synced: readonly string[];
}

/**
 * The CTEs saving `after` over `loaded`: the CreditLine row (state, available, status, version + 1)
 * when its version is still the loaded one, and for every drawdown that changed (new ones too, if
 * their Drawdown row exists already; `written` names those the caller inserts itself in the same
 * statement) its status once settled and its instalments: periods gone deleted, the rest upserted.
 */
export function saveLineSql(loaded: LoadedLine, after: CreditLine, now: Date, written: ReadonlySet<string> = new Set()): LineSave {
  const before = new Map(loaded.line.drawdowns.map((d) => [d.id, JSON.stringify(d)]));
  const changed = after.drawdowns.filter((d) => !written.has(d.id) && before.get(d.id) !== JSON.stringify(d));
  const settled = changed.filter((d) => d.status === 'settled').map((d) => d.id);
  const parts: Prisma.Sql[] = [
    Prisma.sql`guard AS (UPDATE "CreditLine" SET state = ${jsonb(after)}, "availableFen" = ${toBigFen(after.available)}::bigint, status = ${after.status}::"CreditLineStatus", version = version + 1, "updatedAt" = ${now}::timestamptz
      WHERE id = ${loaded.row.id}::uuid AND version = ${loaded.row.version}::int RETURNING id)`,
  ];
  if (settled.length) {
    parts.push(Prisma.sql`settled AS (UPDATE "Drawdown" SET status = 'settled', "updatedAt" = ${now}::timestamptz WHERE id = ANY(${settled}::uuid[]) AND status <> 'settled' AND EXISTS (SELECT 1 FROM guard))`);
  }
  if (changed.length) {
    const periods = changed.map((d) => ({ drawdownId: d.id, periods: d.installments.map((i) => i.period) }));
    parts.push(Prisma.sql`pruned AS (DELETE FROM "Installment" i USING jsonb_to_recordset(${jsonb(periods)}) AS v("drawdownId" uuid, periods int[])
      WHERE i."drawdownId" = v."drawdownId" AND i.period <> ALL (v.periods) AND EXISTS (SELECT 1 FROM guard))`);
    const rows = changed.flatMap((d) => installmentRows(d.id, d.installments));
    parts.push(Prisma.sql`synced AS (INSERT INTO "Installment" SELECT r.* FROM jsonb_populate_recordset(NULL::"Installment", ${jsonb(rows)}) AS r
      WHERE EXISTS (SELECT 1 FROM "Drawdown" d WHERE d.id = r."drawdownId") AND EXISTS (SELECT 1 FROM guard)
      ON CONFLICT ("drawdownId", period) DO UPDATE SET "dueDate" = EXCLUDED."dueDate", "principalFen" = EXCLUDED."principalFen", "interestFen" = EXCLUDED."interestFen",
        "paidPrincipal" = EXCLUDED."paidPrincipal", "paidInterest" = EXCLUDED."paidInterest", "paidPenalty" = EXCLUDED."paidPenalty", status = EXCLUDED.status
      RETURNING id, "drawdownId", period)`);
  }
  return { ctes: Prisma.join(parts, ', '), synced: changed.map((d) => d.id) };
}

/** The post-loan columns of a CreditLine row a batch sets with the state (end-of-day: DPD, bucket, class, freeze). */
export interface LinePostLoanColumns {
  readonly dpd: number;
  readonly bucket: string;
  readonly loanClass: string;
  readonly evaluatedOn: IsoDate;
  /** Given: the freeze reason (null: not frozen) and since when; absent: unchanged. */
  readonly freeze?: { readonly reason: string | null; readonly at: Date | null };
}

export interface LineBatchItem {
  readonly loaded: LoadedLine;
  readonly after: CreditLine;
  readonly columns?: LinePostLoanColumns;
}

/**
 * saveLineSql for many lines in one statement (the end-of-day batch writes a chunk at once): the
 * same version-checked update of each CreditLine row (state, available, status, version + 1, and
 * the post-loan columns when given) as CTE `guard` RETURNING the ids of the lines saved, and the same
 * mirror writes for the drawdowns that changed (settled status, periods gone deleted, the instalments that changed upserted), each only
 * for a line its guard saved. A line whose version moved on is simply absent from `guard`; the
 * caller reads it again. Callers' own writes filter on `IN (SELECT id FROM guard)`.
 */
export function saveLinesSql(items: readonly LineBatchItem[], now: Date): Prisma.Sql {
  const lines = items.map(({ loaded, after, columns }) => ({
    id: loaded.row.id,
    version: loaded.row.version,
    state: after,
    available: after.available,
    status: after.status,
    dpd: columns?.dpd ?? null,
    bucket: columns?.bucket ?? null,
    loanClass: columns?.loanClass ?? null,
    evaluatedOn: columns?.evaluatedOn ?? null,
    setFreeze: columns?.freeze !== undefined,
    freezeReason: columns?.freeze?.reason ?? null,
    frozenAt: columns?.freeze?.at?.toISOString() ?? null,
  }));
  const settled: { id: string; lineId: string }[] = [];
  const periods: { drawdownId: string; lineId: string; periods: number[] }[] = [];
  const installments: (Installment & { lineId: string })[] = [];
  for (const { loaded, after } of items) {
    const before = new Map(loaded.line.drawdowns.map((d) => [d.id, d]));
    for (const d of after.drawdowns) {
      const was = before.get(d.id);
      if (was === d || (was && JSON.stringify(was) === JSON.stringify(d))) continue;
      if (d.status === 'settled') settled.push({ id: d.id, lineId: loaded.row.id });
      const wasPeriods = was?.installments.map((i) => i.period).join(',');
      if (wasPeriods !== d.installments.map((i) => i.period).join(',')) periods.push({ drawdownId: d.id, lineId: loaded.row.id, periods: d.installments.map((i) => i.period) });
      // The mirror holds every instalment as saved: only those that changed are written again.
      const old = new Map(was?.installments.map((i) => [i.period, JSON.stringify(i)]));
      const changed = d.installments.filter((i) => old.get(i.period) !== JSON.stringify(i));
      for (const row of installmentRows(d.id, changed)) installments.push({ ...row, lineId: loaded.row.id });
    }
  }
  return Prisma.sql`saved AS (SELECT * FROM jsonb_to_recordset(${jsonb(lines)}) AS v(id uuid, version int, state jsonb, available bigint, status "CreditLineStatus",
      dpd int, bucket text, "loanClass" text, "evaluatedOn" date, "setFreeze" boolean, "freezeReason" text, "frozenAt" timestamptz)),
    guard AS (UPDATE "CreditLine" c SET state = v.state, "availableFen" = v.available, status = v.status, version = c.version + 1, "updatedAt" = ${now}::timestamptz,
        dpd = COALESCE(v.dpd, c.dpd), bucket = COALESCE(v.bucket, c.bucket), "loanClass" = COALESCE(v."loanClass", c."loanClass"), "evaluatedOn" = COALESCE(v."evaluatedOn", c."evaluatedOn"),
        "freezeReason" = CASE WHEN v."setFreeze" THEN v."freezeReason" ELSE c."freezeReason" END, "frozenAt" = CASE WHEN v."setFreeze" THEN v."frozenAt" ELSE c."frozenAt" END
      FROM saved v WHERE c.id = v.id AND c.version = v.version RETURNING c.id),
    settled AS (UPDATE "Drawdown" d SET status = 'settled', "updatedAt" = ${now}::timestamptz FROM jsonb_to_recordset(${jsonb(settled)}) AS s(id uuid, "lineId" uuid)
      WHERE d.id = s.id AND d.status <> 'settled' AND s."lineId" IN (SELECT id FROM guard)),
    pruned AS (DELETE FROM "Installment" i USING jsonb_to_recordset(${jsonb(periods)}) AS p("drawdownId" uuid, "lineId" uuid, periods int[])
      WHERE i."drawdownId" = p."drawdownId" AND i.period <> ALL (p.periods) AND p."lineId" IN (SELECT id FROM guard)),
    synced AS (INSERT INTO "Installment" SELECT r.* FROM jsonb_array_elements(${jsonb(installments)}) AS e, jsonb_populate_record(NULL::"Installment", e) AS r
      WHERE (e->>'lineId')::uuid IN (SELECT id FROM guard) AND EXISTS (SELECT 1 FROM "Drawdown" d WHERE d.id = r."drawdownId")
      ON CONFLICT ("drawdownId", period) DO UPDATE SET "dueDate" = EXCLUDED."dueDate", "principalFen" = EXCLUDED."principalFen", "interestFen" = EXCLUDED."interestFen",
        "paidPrincipal" = EXCLUDED."paidPrincipal", "paidInterest" = EXCLUDED."paidInterest", "paidPenalty" = EXCLUDED."paidPenalty", status = EXCLUDED.status)`;
}

/** Saves a new line state over `loaded` in one statement; throws CONFLICT when another operation saved first. */
export async function saveLine(tx: Tx | PrismaClient, loaded: LoadedLine, line: CreditLine, now: Date = new Date()): Promise<void> {
  const { ctes } = saveLineSql(loaded, line, now);
  const { saved } = await queryOne<{ saved: number }>(tx, Prisma.sql`WITH ${ctes} SELECT count(*)::int AS saved FROM guard`);
  if (saved !== 1) throw lineConflict(loaded);
}

export const lineConflict = (loaded: LoadedLine): AppError => new AppError('CONFLICT', { reason: `credit line ${loaded.row.id} changed during the operation; try again` });

/**
 * LedgerEntry rows of postings. `refId` names the operation (drawdown or repayment id);
 * accruals recognised on the way point at their drawdown. The entries of a posting share a postingId.
 */
export function ledgerRows(postings: readonly Posting[], refId: string, now: Date): LedgerEntry[] {
  return postings.flatMap((posting) => {
    const postingId = randomUUID();
    const accrual = posting.kind === 'interest_accrual' || posting.kind === 'penalty_accrual';
    return posting.entries.map((e) => ({
      id: randomUUID(),
      postingId,
      account: e.account,
      debitFen: toBigFen(e.debit),
      creditFen: toBigFen(e.credit),
      memo: e.memo,
      refType: posting.kind,
      refId: accrual ? posting.drawdownId : refId,
      bookedOn: toDbDate(posting.date),
      createdAt: now,
    }));
  });
}

/** The CTE `ledger` booking `rows` when the statement's guard matched (nothing when there are none). */
export const ledgerCte = (rows: readonly LedgerEntry[]): Prisma.Sql => (rows.length ? Prisma.sql`, ledger AS (${insertRows('LedgerEntry', rows, IF_GUARDED)})` : Prisma.empty);

/** A reference people can read out on the phone: DD20260115A1B2C3. */
export const drawdownReference = (drawdownId: string, drawnOn: IsoDate): string => `DD${drawnOn.replaceAll('-', '')}${drawdownId.replaceAll('-', '').slice(0, 6).toUpperCase()}`;
export const repaymentReference = (repaymentId: string, on: IsoDate): string => `RP${on.replaceAll('-', '')}${repaymentId.replaceAll('-', '').slice(0, 6).toUpperCase()}`;

/** The later of two ISO dates. */
export const laterOf = (a: IsoDate, b: IsoDate): IsoDate => (a >= b ? a : b);

/** The line as the borrower sees it on `on` (never before the line's last event). */
export function lineView(row: Pick<LineRow, 'id' | 'productId'>, line: CreditLine, product: Product | undefined, on: IsoDate): LineView {
  const asOf = laterOf(on, line.asOf);
  const summary = summarizeCreditLine(line, asOf);
  const payoff = payoffQuote(line, { on: asOf });
  if (!summary.ok || !payoff.ok) throw new AppError('INTERNAL', {}, { cause: new Error(`credit line ${row.id} cannot be summarised on ${asOf}: ${summary.ok ? '' : summary.error.code}`) });
  const s = summary.value;
  const drawdowns: DrawdownView[] = s.drawdowns.map((ds) => {
    const dd = line.drawdowns.find((d) => d.id === ds.id)!;
    return {
      drawdownId: dd.id,
      reference: drawdownReference(dd.id, dd.drawnOn),
      drawnOn: dd.drawnOn,
      principal: dd.principal,
      outstanding: ds.outstandingPrincipal,
      method: dd.method,
      termMonths: dd.termMonths,
      annualRate: dd.annualRate,
      dueNow: ds.dueNow,
      nextDue: ds.nextDue,
      payoffToday: payoff.value.drawdowns.find((p) => p.drawdownId === dd.id)?.total ?? 0,
      status: ds.status,
    };
  });
  return {
    lineId: row.id,
    productId: row.productId,
    productNameZh: product?.nameZh ?? row.productId,
    productNameEn: product?.nameEn ?? row.productId,
    status: s.status,
    limit: s.limit,
    available: s.available,
    outstanding: s.outstandingPrincipal,
    annualRate: line.annualRate,
    validUntil: s.validUntil,
    methods: [...line.policy.methods],
    terms: product ? [...product.termsMonths] : [],
    minDraw: product?.amount.min ?? 0,
    dueNow: s.dueNow,
    overdue: s.overdue,
    daysPastDue: s.daysPastDue,
    nextDue: s.nextDue,
    payoffToday: payoff.value.total,
    drawdowns,
  };
}

