import type { Fen } from './roundFen.js';

export interface FormatYuanOptions {
  /** Thousands separators ("8,628.72"); default true. */
  readonly grouping?: boolean;
  /** Prefix "¥"; default false. */
  readonly symbol?: boolean;
}

/**
 * Formats fen as yuan with exactly 2 decimals: "8,628.72" by default, "¥8,628.72" with `symbol`,
 * "8628.72" without `grouping`. Negative amounts read "-¥1.00". Throws on a non-integer (a bug).
 */
export function formatYuan(fen: Fen, options: FormatYuanOptions = {}): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`formatYuan: fen must be a safe integer, got ${fen}`);
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  const whole = options.grouping === false ? String(yuan) : String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0 ? '-' : ''}${options.symbol ? '¥' : ''}${whole}.${cents}`;
}

/** The plain API form: "8628.72" (no separators, no symbol), as the quote API returns amounts. */
export const formatYuanPlain = (fen: Fen): string => formatYuan(fen, { grouping: false });
