import { coreError, err, ok, type Result } from '../result.js';

/**
 * Information value of a binned variable: IV = Σ (G_i − B_i) · ln(G_i / B_i), G and B the shares
 * of goods and bads in each bin (empty shares floored at epsilon). Bands (domain.md):
 * < 0.02 useless, 0.02–0.1 weak, 0.1–0.3 medium, 0.3–0.5 strong, > 0.5 suspicious.
 */

export type IvBand = 'useless' | 'weak' | 'medium' | 'strong' | 'suspicious';

export const ivBand = (iv: number): IvBand => (iv < 0.02 ? 'useless' : iv < 0.1 ? 'weak' : iv < 0.3 ? 'medium' : iv <= 0.5 ? 'strong' : 'suspicious');

/** IV from per-bin good and bad counts. IV_INPUT_INVALID on mismatched lengths, negative or all-zero counts. */
export function informationValue(goods: readonly number[], bads: readonly number[], epsilon = 1e-4): Result<{ iv: number; band: IvBand }> {
  if (goods.length !== bads.length || goods.length < 2) return err(coreError('IV_INPUT_INVALID', 'goods and bads need the same number (≥ 2) of bins', 'bads'));
  const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
  if ([...goods, ...bads].some((x) => !Number.isFinite(x) || x < 0)) return err(coreError('IV_INPUT_INVALID', 'counts must be finite and non-negative', 'goods'));
  const g = sum(goods);
  const b = sum(bads);
  if (g <= 0 || b <= 0) return err(coreError('IV_INPUT_INVALID', 'need at least one good and one bad', 'goods'));
  let iv = 0;
  for (let i = 0; i < goods.length; i++) {
    const gi = Math.max((goods[i] as number) / g, epsilon);
    const bi = Math.max((bads[i] as number) / b, epsilon);
    iv += (gi - bi) * Math.log(gi / bi);
  }
  return ok({ iv, band: ivBand(iv) });
}
