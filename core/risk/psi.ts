import { coreError, err, ok, type Result } from '../result.js';

/**
 * Population stability index over score bands: PSI = Σ (A − E) · ln(A / E), A and E the actual
 * and expected shares of each band. Empty bands are floored at `epsilon` so the sum stays finite.
 * Bands: < 0.10 stable, 0.10–0.25 investigate, ≥ 0.25 shifted.
 */

export type PsiBand = 'stable' | 'investigate' | 'shifted';

export interface PsiResult {
  readonly psi: number;
  readonly band: PsiBand;
  /** Per band: expected and actual shares and the term it adds. */
  readonly bins: readonly { readonly expected: number; readonly actual: number; readonly contribution: number }[];
}

export const PSI_DEFAULT_EPSILON = 1e-4;

export const psiBand = (value: number): PsiBand => (value < 0.1 ? 'stable' : value < 0.25 ? 'investigate' : 'shifted');

function shares(counts: readonly number[], field: string): Result<number[]> {
  let total = 0;
  for (const c of counts) {
    if (!Number.isFinite(c) || c < 0) return err(coreError('PSI_INPUT_INVALID', `${field} holds a negative or non-finite count`, field));
    total += c;
  }
  if (total <= 0) return err(coreError('PSI_INPUT_INVALID', `${field} sums to zero`, field));
  return ok(counts.map((c) => c / total));
}

/**
 * PSI from per-band counts (or shares: they are normalised). Errors PSI_INPUT_INVALID: lengths
 * differ, fewer than 2 bands, negative or all-zero counts, epsilon not in (0, 0.01].
 */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = PSI_DEFAULT_EPSILON): Result<PsiResult> {
  if (expected.length !== actual.length || expected.length < 2) {
    return err(coreError('PSI_INPUT_INVALID', 'expected and actual need the same number (≥ 2) of bands', 'actual'));
  }
  if (!(epsilon > 0 && epsilon <= 0.01)) return err(coreError('PSI_INPUT_INVALID', 'epsilon must lie in (0, 0.01]', 'epsilon'));
  const e = shares(expected, 'expected');
  if (!e.ok) return e;
  const a = shares(actual, 'actual');
  if (!a.ok) return a;
  let total = 0;
  const bins = e.value.map((ei, i) => {
    const ai = a.value[i] as number;
    const ef = Math.max(ei, epsilon);
    const af = Math.max(ai, epsilon);
    const contribution = (af - ef) * Math.log(af / ef);
    total += contribution;
    return { expected: ei, actual: ai, contribution };
  });
  return ok({ psi: total, band: psiBand(total), bins });
}

/**
 * Counts values per band given ascending cut points: band 0 is (−∞, c0), band i is [c(i−1), ci),
 * the last is [c(last), +∞). Non-finite values are an error (PSI_INPUT_INVALID).
 */
export function countInBands(values: readonly number[], cuts: readonly number[]): Result<number[]> {
  for (let i = 1; i < cuts.length; i++) {
    if (!((cuts[i] as number) > (cuts[i - 1] as number))) return err(coreError('PSI_INPUT_INVALID', 'cut points must be strictly ascending', 'cuts'));
  }
  const counts = new Array<number>(cuts.length + 1).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) return err(coreError('PSI_INPUT_INVALID', 'values must be finite', 'values'));
    let band = 0;
    while (band < cuts.length && v >= (cuts[band] as number)) band++;
    counts[band] = (counts[band] as number) + 1;
  }
  return ok(counts);
}
