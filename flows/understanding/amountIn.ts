import { parseChineseAmount, type Fen } from '../../core/index.js';

/** Runs of what an amount is written with: Arabic and Chinese numerals, units, 元/块 and a leading ¥. */
const CANDIDATE = /[¥￥]?[\d零〇一二两三四五六七八九十百千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億.,，kw]+(?:元整|块钱|元|块)?/gu;
const HAS_UNIT = /[十百千万亿拾佰仟萬億kw元块]/u;

/**
 * The amount named inside a request ("我想借5万块钱", "借五万元", "想借50k"), read by core's
 * parser; undefined when there is none. A run counts only with a unit or from three Arabic digits
 * up, so "借一笔" or "第2个" names no amount.
 */
export function amountIn(text: string): Fen | undefined {
  const s = text.normalize('NFKC').toLowerCase();
  for (const [run] of s.matchAll(CANDIDATE)) {
    if (!HAS_UNIT.test(run) && !/\d{3}/.test(run)) continue;
    const r = parseChineseAmount(run);
    if (r.ok) return r.value;
  }
  return undefined;
}
