/** The effects a borrower's message can start, by the prefix of their idempotency key. */
export type KeyedEffect = 'app' | 'sms' | 'otp' | 'draw' | 'repay' | 'complaint' | 'collection';

/**
 * The idempotency key of an effect a borrower's message starts: `<effect>:<conversationId>:<message id>`.
 * The message id is the same on every delivery of the message, so a redelivery (after a crash too)
 * resumes the same effect; the conversation lets a later notice about the effect find the borrower.
 */
export const effectKey = (effect: KeyedEffect, conversationId: string, messageId: string): string => `${effect}:${conversationId}:${messageId}`;

/** What every key of this effect made in this conversation starts with. */
export const effectKeyPrefix = (effect: KeyedEffect, conversationId: string): string => `${effect}:${conversationId}:`;

/** The conversation an effect key was made in, or undefined for a key of another shape. */
export function conversationOfEffectKey(key: string): string | undefined {
  const match = /^(?:app|sms|otp|draw|repay|complaint|collection):(.+):[^:]+$/.exec(key);
  return match?.[1];
}

/** What a drawdown step-up code allows: this line, amount, term and method (another of them needs a new code). */
export const drawdownBinding = (d: { lineId: string; amount: number; termMonths: number; method: string }): string => `draw:${d.lineId}:${d.amount}:${d.termMonths}:${d.method}`;
