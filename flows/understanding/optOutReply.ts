import { normalizeText } from './normalizeText.js';

/** Whole replies that mean "stop sending me marketing" (what every campaign message tells people to reply). */
const OPT_OUT_REPLIES = new Set(['退订', 'td', '不要再发', '不要再发了', '别再发', '别再发了', '取消订阅', 'unsubscribe']);

/**
 * A reply that is nothing but an opt-out ("退订", "TD", "不要再发了"): in a group it reaches the bot
 * without an @-mention, since a campaign message asks people to answer just that. Longer chatter that
 * merely contains the word ("我退订了会员卡") is not one.
 */
export function isOptOutReply(text: string): boolean {
  return OPT_OUT_REPLIES.has(normalizeText(text));
}
