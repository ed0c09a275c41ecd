import { randomUUID } from 'node:crypto';
import { payoffQuote, summarizeCreditLine, type CreditLine, type IsoDate, type Posting, type Product } from '../../core/index.js';
import type { DrawdownView, LineView } from '../../flows/host.js';
import type { CreditLine as CreditLineRow } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { asJson, toBigFen, toDbDate, type Tx } from './persistence.js';

/**
 * Persistence of core credit lines: the CreditLine row keeps the core state as JSON (the truth)
 * plus the columns staff and jobs query (available, status); Drawdown and Installment rows mirror
 * the drawdowns; every posting the core returns becomes LedgerEntry rows sharing a postingId.
 * A write checks the row version, so two operations on one line cannot both win.
 */

export interface LoadedLine {
  readonly row: CreditLineRow;
  readonly line: CreditLine;
}

export async function loadLine(tx: Tx, lineId: string): Promise<LoadedLine | null> {
  const row = await tx.creditLine.findUnique({ where: { id: lineId } });
  if (!row || row.state === null) return null;
  return { row, line: row.state as unknown as CreditLine };
}

/** Saves a new line state over `loaded`; throws CONFLICT when another operation saved first. */
export async function saveLine(tx: Tx, loaded: LoadedLine, line: CreditLine): Promise<void> {
  const saved = await tx.creditLine.updateMany({
    where: { id: loaded.row.id, version: loaded.row.version },
    data: { state: asJson(line), availableFen: toBigFen(line.available), status: line.status, version: { increment: 1 } },
  });
  if (saved.count !== 1) throw new AppError('CONFLICT', { reason: `credit line ${loaded.row.id} changed during the operation; try again` });
  await syncDrawdowns(tx, loaded.line, line);
}

/** Mirrors changed drawdowns into Drawdown status and Installment rows (reschedules included). */
async function syncDrawdowns(tx: Tx, before: CreditLine, after: CreditLine): Promise<void> {
  const old = new Map(before.drawdowns.map((d) => [d.id, JSON.stringify(d)]));
  for (const dd of after.drawdowns) {
    if (old.get(dd.id) === JSON.stringify(dd)) continue;
    const row = await tx.drawdown.findUnique({ where: { id: dd.id }, select: { id: true, status: true } });
    if (!row) continue; // reserved in this same transaction and written by its caller
    if (dd.status === 'settled' && row.status !== 'settled') await tx.drawdown.update({ where: { id: dd.id }, data: { status: 'settled' } });
    await writeInstallments(tx, dd.id, dd.installments);
  }
}

export async function writeInstallments(tx: Tx, drawdownId: string, installments: CreditLine['drawdowns'][number]['installments']): Promise<void> {
  const periods = installments.map((i) => i.period);
  await tx.installment.deleteMany({ where: { drawdownId, period: { notIn: periods } } });
  for (const i of installments) {
    const data = {
      dueDate: toDbDate(i.dueDate),
      principalFen: toBigFen(i.principal),
      interestFen: toBigFen(i.interest),
      paidPrincipal: toBigFen(i.paidPrincipal),
      paidInterest: toBigFen(i.paidInterest),
      paidPenalty: toBigFen(i.paidPenalty),
      status: i.status,
    };
    await tx.installment.upsert({ where: { drawdownId_period: { drawdownId, period: i.period } }, create: { drawdownId, period: i.period, ...data }, update: data });
  }
}

/**
 * Books postings as LedgerEntry rows. `refId` names the operation (drawdown or repayment id);
 * accruals recognised on the way point at their drawdown.
 */
export async function bookPostings(tx: Tx, postings: readonly Posting[], refId: string): Promise<number> {
  let entries = 0;
  for (const posting of postings) {
    const postingId = randomUUID();
    const accrual = posting.kind === 'interest_accrual' || posting.kind === 'penalty_accrual';
    await tx.ledgerEntry.createMany({
      data: posting.entries.map((e) => ({
        postingId,
        account: e.account,
        debitFen: toBigFen(e.debit),
        creditFen: toBigFen(e.credit),
        memo: e.memo,
        refType: posting.kind,
        refId: accrual ? posting.drawdownId : refId,
        bookedOn: toDbDate(posting.date),
      })),
    });
    entries += posting.entries.length;
  }
  return entries;
}

/** A reference people can read out on the phone: DD20260115A1B2C3. */
export const drawdownReference = (drawdownId: string, drawnOn: IsoDate): string => `DD${drawnOn.replaceAll('-', '')}${drawdownId.replaceAll('-', '').slice(0, 6).toUpperCase()}`;
export const repaymentReference = (repaymentId: string, on: IsoDate): string => `RP${on.replaceAll('-', '')}${repaymentId.replaceAll('-', '').slice(0, 6).toUpperCase()}`;

/** The later of two ISO dates. */
export const laterOf = (a: IsoDate, b: IsoDate): IsoDate => (a >= b ? a : b);

/** The line as the borrower sees it on `on` (never before the line's last event). */
export function lineView(row: Pick<CreditLineRow, 'id' | 'productId'>, line: CreditLine, product: Product | undefined, on: IsoDate): LineView {
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

