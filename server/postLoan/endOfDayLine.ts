import {
  changeCreditLineStatus,
  evaluateCreditLine,
  maxDate,
  summarizeCreditLine,
  type ClassificationThresholds,
  type CreditLine,
  type DelinquencyBucket,
  type Fen,
  type IsoDate,
  type LoanClass,
  type Posting,
  type Result,
} from '../../core/index.js';

/** What the end-of-day batch decides for a line besides core's arithmetic (configuration). */
export interface EndOfDayPolicy {
  /** A line whose worst drawdown is more than this many days past due is frozen (reason `overdue`). */
  readonly freezeAfterDpd: number;
  readonly thresholds?: ClassificationThresholds;
}

export interface DrawdownDayEnd {
  readonly id: string;
  readonly dpd: number;
  readonly bucket: DelinquencyBucket;
  readonly loanClass: LoanClass;
  /** Penalty interest recognised (booked) to date over the drawdown's instalments. */
  readonly penaltyFen: Fen;
  readonly outstandingPrincipal: Fen;
}

export interface LineDayEnd {
  /** The date evaluated: the business date, or the line's last event when that is later. */
  readonly on: IsoDate;
  readonly after: CreditLine;
  /** Accruals recognised by this evaluation (interest fallen due, penalty to date): booked once, with the state. */
  readonly postings: readonly Posting[];
  readonly dpd: number;
  readonly bucket: DelinquencyBucket;
  readonly loanClass: LoanClass;
  readonly drawdowns: readonly DrawdownDayEnd[];
  /** `freeze`: frozen for being overdue today; `unfreeze`: an overdue freeze lifted because the line is current again. */
  readonly freeze: 'freeze' | 'unfreeze' | null;
}

/**
 * One line's end of day, all core: evaluate to the date (instalments due/overdue, interest that
 * fell due and penalty interest to date recognised as postings), then DPD, bucket and five-tier
 * class per drawdown and for the line (its worst drawdown), then the overdue freeze: an active line
 * more than `freezeAfterDpd` days past due is frozen; a line frozen for being overdue is unfrozen
 * once nothing is past due (other freezes — warning, review, staff — are never lifted here).
 * Evaluating a line already evaluated to the date changes nothing and recognises nothing.
 */
export function endOfDayLine(line: CreditLine, businessDate: IsoDate, frozenFor: string | null, policy: EndOfDayPolicy): Result<LineDayEnd> {
  // An operation on a later business date (a repayment after the demo clock moved on) already
  // evaluated the line past this date; core never goes back, so the line is read as of then.
  const on = maxDate(businessDate, line.asOf);
  const evaluated = evaluateCreditLine(line, on);
  if (!evaluated.ok) return evaluated;
  let after = evaluated.value.line;
  const summary = summarizeCreditLine(after, on, policy.thresholds);
  if (!summary.ok) return summary;
  const s = summary.value;
  let freeze: LineDayEnd['freeze'] = null;
  if (after.status === 'active' && s.daysPastDue > policy.freezeAfterDpd) {
    const frozen = changeCreditLineStatus(after, 'frozen', on);
    if (!frozen.ok) return frozen;
    after = frozen.value.line;
    freeze = 'freeze';
  } else if (after.status === 'frozen' && frozenFor === 'overdue' && s.daysPastDue === 0) {
    const thawed = changeCreditLineStatus(after, 'active', on);
    if (thawed.ok) {
      after = thawed.value.line;
      freeze = 'unfreeze';
    }
  }
  const penaltyOf = new Map(after.drawdowns.map((d) => [d.id, d.installments.reduce((sum, i) => sum + i.penaltyRecognized, 0)]));
  return {
    ok: true,
    value: {
      on,
      after,
      postings: evaluated.value.postings,
      dpd: s.daysPastDue,
      bucket: s.bucket,
      loanClass: s.classification,
      drawdowns: s.drawdowns.map((d) => ({
        id: d.id,
        dpd: d.daysPastDue,
        bucket: d.bucket,
        loanClass: d.classification,
        penaltyFen: penaltyOf.get(d.id) ?? 0,
        outstandingPrincipal: d.outstandingPrincipal,
      })),
      freeze,
    },
  };
}
