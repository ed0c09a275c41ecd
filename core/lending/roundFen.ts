/** An amount of money as an integer count of fen (1 yuan = 100 fen). Never a float. */
export type Fen = number;

/** HALF_UP is 四舍五入 (ties away from zero), the usual in Chinese banks; HALF_EVEN is banker's rounding. */
export type RoundingMode = 'HALF_UP' | 'HALF_EVEN';

export const ROUNDING_MODES: readonly RoundingMode[] = ['HALF_UP', 'HALF_EVEN'];

/**
 * Rounds a non-integer amount of fen to whole fen. The one rounding function of the lending core:
 * every place a computed amount becomes money goes through here.
 *
 * A fraction within a tiny tolerance of one half counts as exactly one half, so binary artefacts
 * (0.5 stored as 0.49999999999) round as a person with a pencil would. The tolerance grows with the
 * magnitude (a few ulps) and never exceeds a millionth of a fen for amounts in range.
 * Throws on NaN/Infinity: that is a bug in the caller, not an input error.
 */
export function roundFen(value: number, mode: RoundingMode = 'HALF_UP'): Fen {
  if (!Number.isFinite(value)) throw new RangeError(`roundFen: not a finite number: ${value}`);
  const sign = value < 0 ? -1 : 1;
  const x = Math.abs(value);
  const whole = Math.floor(x);
  const fraction = x - whole;
  const tolerance = 1e-7 + x * 8 * Number.EPSILON;
  let rounded: number;
  if (Math.abs(fraction - 0.5) <= tolerance) {
    rounded = mode === 'HALF_UP' || whole % 2 === 1 ? whole + 1 : whole;
  } else {
    rounded = fraction > 0.5 ? whole + 1 : whole;
  }
  // Avoid -0 leaking into JSON or equality checks.
  return rounded === 0 ? 0 : sign * rounded;
}

/** True when `value` is a whole, safe, non-negative number of fen. */
export const isFen = (value: unknown): value is Fen => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
