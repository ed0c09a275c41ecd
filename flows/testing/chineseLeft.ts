import type { Card, Reply } from '../reply.js';

/** A Chinese character or Chinese punctuation (，。：；！？（）【】“” and the rest of the CJK and full-width blocks). */
export const CHINESE = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”]/u;

/** Every string a borrower reads of a reply: its text, its options' labels, its card's strings (codes aside). */
export function readableStrings(reply: Reply): string[] {
  const out = [reply.text, ...(reply.options ?? []).map((o) => o.label)];
  if (reply.card) out.push(...cardStrings(reply.card));
  return out;
}

function cardStrings(card: Card): string[] {
  const strings: string[] = [];
  const walk = (v: unknown, key: string) => {
    // `id`s (a consent card's source codes) and the card's `type` are codes, not words.
    if (typeof v === 'string' && key !== 'id' && key !== 'type') strings.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(card, '');
  return strings;
}

/**
 * The Chinese left in what an English-speaking borrower reads, each with what they had said: names
 * people typed (theirs, their company's, a staff member's) are theirs to keep and are left out.
 * `extra` renders each reply as a channel shows it (the text channels' labels and punctuation).
 */
export function chineseLeft(replies: readonly Reply[], said: string, names: readonly string[], extra: (reply: Reply) => string[] = () => []): string[] {
  const found: string[] = [];
  for (const reply of replies) {
    for (const s of [...readableStrings(reply), ...extra(reply)]) {
      const stripped = names.reduce((x, n) => x.split(n).join(''), s);
      if (CHINESE.test(stripped)) found.push(`after "${said}": ${JSON.stringify(s)}`);
    }
  }
  return found;
}
