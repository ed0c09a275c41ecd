import { ok, type Result } from '../result.js';
import type { IsoDate } from '../calendar/index.js';
import { checkEventDate, drawdownOutstandingPrincipal, lineOutstandingPrincipal, type CreditLine, type CreditLineStatus, type LineTransition } from './creditLine.js';
import { classifyLoan, delinquencyBucket, DEFAULT_CLASSIFICATION_THRESHOLDS, type ClassificationThresholds, type DelinquencyBucket, type LoanClass } from './delinquency.js';
import { accruedInterest, drawdownDaysPastDue, evaluateDrawdown, installmentOutstanding } from './drawdownState.js';
import type { Posting } from './ledger.js';
import type { Fen } from './roundFen.js';

/** Evaluates without validating `on` (callers have): statuses, accruals, expiry. */
export function evaluateLineAt(line: CreditLine, on: IsoDate): LineTransition {
  const postings: Posting[] = [];
  const drawdowns = line.drawdowns.map((dd) => {
    const result = evaluateDrawdown(dd, on, line.id);
    postings.push(...result.postings);
    return result.drawdown;
  });
  const expired = on > line.validUntil && (line.status === 'active' || line.status === 'frozen');
  const status: CreditLineStatus = expired ? 'expired' : line.status;
  return { line: { ...line, drawdowns, status, asOf: on, available: line.limit - lineOutstandingPrincipal({ ...line, drawdowns }) }, postings };
}

/**
 * Accrues and evaluates the line as of `on`: instalments become due or overdue, interest that fell
 * due and penalty interest to date are recognised (postings), and the line expires after its
 * validity. Idempotent for the same date; the result does not depend on how often it is called.
 */
export function evaluateCreditLine(line: CreditLine, on: IsoDate): Result<LineTransition> {
  const date = checkEventDate(line, on);
  if (!date.ok) return date;
  return ok(evaluateLineAt(line, on));
}

export interface DrawdownSummary {
  readonly id: string;
  readonly status: 'active' | 'settled';
  readonly outstandingPrincipal: Fen;
  /** Due today or overdue, with penalty to date. */
  readonly dueNow: Fen;
  readonly overdue: Fen;
  /** Interest for the days used so far on principal not yet due. */
  readonly accruedInterest: Fen;
  readonly nextDue: { readonly date: IsoDate; readonly amount: Fen } | null;
  readonly maturityDate: IsoDate;
  readonly daysPastDue: number;
  readonly bucket: DelinquencyBucket;
  readonly classification: LoanClass;
}

export interface CreditLineSummary {
  readonly on: IsoDate;
  readonly status: CreditLineStatus;
  readonly limit: Fen;
  readonly available: Fen;
  readonly outstandingPrincipal: Fen;
  readonly dueNow: Fen;
  readonly overdue: Fen;
  /** The next date something falls due after `on`, and the total due then across drawdowns. */
  readonly nextDue: { readonly date: IsoDate; readonly amount: Fen } | null;
  readonly daysPastDue: number;
  readonly bucket: DelinquencyBucket;
  readonly classification: LoanClass;
  readonly validUntil: IsoDate;
  readonly reviewDue: boolean;
  readonly drawdowns: readonly DrawdownSummary[];
}

/**
 * What a borrower or banker sees as of `on` (balance, what is due, next due date, DPD, bucket,
 * five-tier class) without changing the line. The line is evaluated to `on` first.
 */
export function summarizeCreditLine(line: CreditLine, on: IsoDate, thresholds: ClassificationThresholds = DEFAULT_CLASSIFICATION_THRESHOLDS): Result<CreditLineSummary> {
  const evaluated = evaluateCreditLine(line, on);
  if (!evaluated.ok) return evaluated;
  const current = evaluated.value.line;
  const drawdowns: DrawdownSummary[] = current.drawdowns.map((dd) => {
    let dueNow = 0;
    let overdue = 0;
    for (const inst of dd.installments) {
      if (inst.status === 'paid' || inst.dueDate > on) continue;
      const o = installmentOutstanding(dd, inst, on);
      const amount = o.penalty + o.interest + o.principal;
      dueNow += amount;
      if (inst.dueDate < on) overdue += amount;
    }
    const next = dd.installments.find((i) => i.dueDate > on && i.status !== 'paid');
    const dpd = drawdownDaysPastDue(dd, on);
    return {
      id: dd.id,
      status: dd.status,
      outstandingPrincipal: drawdownOutstandingPrincipal(dd),
      dueNow,
      overdue,
      accruedInterest: dd.status === 'settled' ? 0 : accruedInterest(dd, on),
      nextDue: next ? { date: next.dueDate, amount: next.total } : null,
      maturityDate: dd.installments.reduce((latest, i) => (i.dueDate > latest ? i.dueDate : latest), dd.drawnOn),
      daysPastDue: dpd,
      bucket: delinquencyBucket(dpd),
      classification: classifyLoan(dpd, thresholds),
    };
  });
  const nextDate = drawdowns.map((d) => d.nextDue?.date).filter((d): d is IsoDate => d !== undefined).sort()[0];
  const nextDue = nextDate === undefined
    ? null
    : { date: nextDate, amount: drawdowns.reduce((s, d) => s + (d.nextDue?.date === nextDate ? d.nextDue.amount : 0), 0) };
  const dpd = drawdowns.reduce((m, d) => Math.max(m, d.daysPastDue), 0);
  return ok({
    on,
    status: current.status,
    limit: current.limit,
    available: current.available,
    outstandingPrincipal: lineOutstandingPrincipal(current),
    dueNow: drawdowns.reduce((s, d) => s + d.dueNow, 0),
    overdue: drawdowns.reduce((s, d) => s + d.overdue, 0),
    nextDue,
    daysPastDue: dpd,
    bucket: delinquencyBucket(dpd),
    classification: classifyLoan(dpd, thresholds),
    validUntil: current.validUntil,
    reviewDue: on >= current.nextReviewDate,
    drawdowns,
  });
}
