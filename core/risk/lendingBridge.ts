/**
 * Everything core/risk takes from core/lending, in one place: money type and rounding, the
 * repayment methods, loan quotes (schedule + APR) and the core's absolute bounds. core/risk never
 * rounds money or computes an APR itself. Dates come from core/calendar.
 */
export {
  roundFen, roundRate, quoteLoan, REPAYMENT_METHODS, MAX_ANNUAL_RATE, MAX_PRINCIPAL_FEN,
  type Fen, type RepaymentMethod, type Apr,
} from '../lending/index.js';
