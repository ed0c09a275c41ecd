import { ok, type Result } from '../result.js';
import type { RepaymentMethod } from './amortize.js';
import { buildSchedule, type Schedule } from './buildSchedule.js';
import type { IsoDate } from '../calendar/index.js';
import { checkEventDate, type CreditLine, type Drawdown, type LineTransition } from './creditLine.js';
import { toInstallmentState } from './drawdownState.js';
import { evaluateLineAt } from './evaluateCreditLine.js';
import { credit, debit, makePosting } from './ledger.js';
import { fail } from './lendingError.js';
import { quoteLoan, type LoanQuote } from './quoteLoan.js';
import type { Fen } from './roundFen.js';

export interface DrawRequest {
  /** Caller-assigned, unique on the line (the core makes no ids). */
  readonly drawdownId: string;
  readonly amount: Fen;
  readonly termMonths: number;
  readonly method: RepaymentMethod;
  readonly on: IsoDate;
  /** The rate priced for this drawdown, locked for its life; defaults to the line's rate, never above its cap. */
  readonly annualRate?: number;
}

export interface DrawResult extends LineTransition {
  readonly drawdown: Drawdown;
  readonly schedule: Schedule;
}

/** All checks of a drawdown request against the line as evaluated on the request date. */
function checkDraw(line: CreditLine, request: DrawRequest): Result<{ evaluated: LineTransition; schedule: Schedule }> {
  const date = checkEventDate(line, request.on);
  if (!date.ok) return date;
  if (typeof request.drawdownId !== 'string' || request.drawdownId.trim() === '') return fail('ID_INVALID', 'drawdownId');
  if (line.drawdowns.some((d) => d.id === request.drawdownId)) return fail('DRAWDOWN_ID_TAKEN', 'drawdownId');
  const evaluated = evaluateLineAt(line, request.on);
  const current = evaluated.line;
  if (current.status === 'expired' || request.on > current.validUntil) return fail('LINE_EXPIRED', 'on', `The line was valid until ${current.validUntil}`);
  if (current.status !== 'active') return fail('LINE_NOT_ACTIVE', 'on', `The line is ${current.status}`);
  if (request.on < current.validFrom) return fail('LINE_NOT_YET_VALID', 'on', `The line is valid from ${current.validFrom}`);
  if (!current.policy.methods.includes(request.method)) return fail('METHOD_NOT_ALLOWED', 'method', `Method ${JSON.stringify(request.method)} is not offered on this line`);
  const schedule = buildSchedule({
    principal: request.amount,
    annualRate: request.annualRate ?? current.annualRate,
    maxAnnualRate: current.maxAnnualRate,
    termMonths: request.termMonths,
    method: request.method,
    startDate: request.on,
    dayCount: current.policy.dayCount,
    rounding: current.policy.rounding,
  });
  if (!schedule.ok) return schedule;
  if (current.drawdowns.some((d) => d.installments.some((i) => i.status === 'overdue'))) return fail('LINE_HAS_OVERDUE', 'on');
  if (request.amount > current.available) return fail('INSUFFICIENT_AVAILABLE_LIMIT', 'amount', `Amount ${request.amount} fen exceeds the available ${current.available} fen`);
  if (current.policy.maturityWithinLine && schedule.value.maturityDate > current.validUntil) {
    return fail('MATURITY_BEYOND_LINE', 'termMonths', `Maturity ${schedule.value.maturityDate} is after the line's last day ${current.validUntil}`);
  }
  return ok({ evaluated, schedule: schedule.value });
}

/**
 * Draws on the line: checks status, validity, method, rate cap, overdue and available limit, locks
 * the rate, builds the schedule and disburses (Dr loan principal / Cr borrower settlement account).
 */
export function drawFromCreditLine(line: CreditLine, request: DrawRequest): Result<DrawResult> {
  const checked = checkDraw(line, request);
  if (!checked.ok) return checked;
  const { evaluated, schedule } = checked.value;
  const current = evaluated.line;
  const drawdown: Drawdown = {
    id: request.drawdownId,
    drawnOn: request.on,
    principal: request.amount,
    method: request.method,
    termMonths: request.termMonths,
    annualRate: schedule.annualRate,
    penaltyRate: schedule.annualRate * current.policy.penaltyMultiplier,
    dayCount: schedule.dayCount,
    rounding: schedule.rounding,
    ...(schedule.levelAmount === undefined ? {} : { levelAmount: schedule.levelAmount }),
    accrualStart: request.on,
    installments: schedule.installments.map(toInstallmentState),
    prepayments: [],
    status: 'active',
  };
  const memo = `放款 disbursement ${request.drawdownId}`;
  const disbursement = makePosting(
    { kind: 'disbursement', date: request.on, lineId: line.id, drawdownId: drawdown.id, memo },
    [debit('loan_principal', request.amount, memo), credit('borrower_settlement', request.amount, memo)],
  );
  return ok({
    line: { ...current, drawdowns: [...current.drawdowns, drawdown], available: current.available - request.amount },
    drawdown,
    schedule,
    postings: [...evaluated.postings, disbursement],
  });
}

/**
 * The offer a borrower confirms before drawing: the same checks as drawFromCreditLine, then the
 * schedule with total interest and APR (PBoC 2021 No. 3). Changes nothing.
 */
export function previewDrawdown(line: CreditLine, request: DrawRequest): Result<LoanQuote> {
  const checked = checkDraw(line, request);
  if (!checked.ok) return checked;
  const s = checked.value.schedule;
  return quoteLoan({ principal: s.principal, annualRate: s.annualRate, termMonths: s.termMonths, method: s.method, startDate: s.startDate, dayCount: s.dayCount, rounding: s.rounding });
}
