import type { ReplyOption } from '../reply.js';
import { normalizeText } from './normalizeText.js';

const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩';
const CHINESE_DIGITS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/**
 * Which of the offered options the borrower chose: its value (buttons send it), its number as
 * shown on text channels ("2", "２", "②", "第二个", "二"), or its label. undefined when none.
 * `numbers: false` leaves numbers unread (the options are not on screen); `partial: false` needs
 * the whole label.
 */
export function pickOption(text: string, options: readonly ReplyOption[], how: { readonly numbers?: boolean; readonly partial?: boolean } = {}): ReplyOption | undefined {
  const t = normalizeText(text);
  if (!t) return undefined;
  const byValue = options.find((o) => normalizeText(o.value) === t) ?? options.find((o) => normalizeText(o.label) === t);
  if (byValue) return byValue;
  const index = how.numbers === false ? undefined : optionNumber(t);
  if (index !== undefined) return options[index - 1];
  if (how.partial === false) return undefined;
  // A label typed partially ("等额本息" for "等额本息（每月还款相同）").
  const partial = options.filter((o) => t.length >= 2 && normalizeText(o.label).includes(t));
  return partial.length === 1 ? partial[0] : undefined;
}

/** The option number a message is, however written ("2", "②", "第二个"), on normalised text; undefined when it is not one. */
export function optionNumber(t: string): number | undefined {
  const m = /^(?:第|选|选择|option)?(\d{1,2}|[一二三四五六七八九十])(?:个|项|号)?$/.exec(t);
  if (m) {
    const n = /^\d+$/.test(m[1]!) ? Number(m[1]) : CHINESE_DIGITS.indexOf(m[1]!) + 1;
    return n > 0 ? n : undefined;
  }
  const c = CIRCLED.indexOf(t);
  return c >= 0 && t.length === 1 ? c + 1 : undefined;
}
