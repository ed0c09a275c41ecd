import { ok, type Result } from '../result.js';
import { MICRO, normalizeChatText, parseChineseNumber } from './chineseNumber.js';
import { fail } from './lendingError.js';
import { MAX_PRINCIPAL_FEN } from './limits.js';
import type { Fen } from './roundFen.js';

const PREFIXES = ['¥', '人民币', 'rmb'];
const SUFFIXES = ['元整', '圆整', '块钱', '元', '圆', '块', '整', 'rmb', 'yuan'];
const FEN_IN_MICRO_YUAN = MICRO / 100n;

/**
 * Reads an amount a borrower types in chat into fen: "3万", "三万五" (35,000), "2.5w", "5千", "5k",
 * "30000", "3万元", "¥30,000", "一万二" (12,000), "两万", "十万", "1.2万", "壹万", "1万2000".
 * Anything else (empty, words, emoji, negative, zero, ambiguous like "3万5千万" or "3万50", fractions
 * of a fen) is NOT_UNDERSTOOD, so the flow can ask again; above 100,000,000 yuan is AMOUNT_OUT_OF_RANGE.
 */
export function parseChineseAmount(text: string, field = 'amount'): Result<Fen> {
  if (typeof text !== 'string') return fail('NOT_UNDERSTOOD', field, 'Amount text must be a string');
  let s = normalizeChatText(text);
  if (s.startsWith('-') || s.startsWith('负')) return fail('NOT_UNDERSTOOD', field, `Negative amount: "${text}"`);
  for (const prefix of PREFIXES) if (s.startsWith(prefix)) s = s.slice(prefix.length);
  for (const suffix of SUFFIXES) {
    if (s.endsWith(suffix)) {
      s = s.slice(0, -suffix.length);
      break;
    }
  }
  const micro = parseChineseNumber(s);
  if (micro === null) return fail('NOT_UNDERSTOOD', field, `Not an amount: "${text}"`);
  if (micro % FEN_IN_MICRO_YUAN !== 0n) return fail('NOT_UNDERSTOOD', field, `Amount has fractions of a fen: "${text}"`);
  if (micro === 0n) return fail('NOT_UNDERSTOOD', field, `Amount must be more than zero: "${text}"`);
  const fen = micro / FEN_IN_MICRO_YUAN;
  if (fen > BigInt(MAX_PRINCIPAL_FEN)) return fail('AMOUNT_OUT_OF_RANGE', field, `Amount above 100,000,000 yuan: "${text}"`);
  return ok(Number(fen));
}
