import { containsPersonalNumber } from '../../core/index.js';
import { matchFaq, type FaqEntry } from '../faq/faqTable.js';
import type { ReplyOption } from '../reply.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';
import { recognizeIntent } from '../understanding/recognizeIntent.js';

export type MenuAction =
  | { readonly kind: 'apply' | 'draw' | 'repay' | 'account' | 'human' | 'unsubscribe' | 'revoke' | 'faq_list' | 'menu' | 'unknown' }
  | { readonly kind: 'faq'; readonly entry: FaqEntry }
  | { readonly kind: 'locale'; readonly locale: Locale }
  /** In a group: a personal matter, moved to a private channel. */
  | { readonly kind: 'go_private' }
  /** In a group: someone posted what looks like an ID or phone number. */
  | { readonly kind: 'group_pii' };

const MENU_VALUES = ['apply', 'draw', 'repay', 'limit', 'faq', 'human'] as const;

export function menuOptions(locale: Locale): ReplyOption[] {
  return MENU_VALUES.map((v) => ({ label: t(locale, `menu.${v}`), value: v }));
}

/** In a group, a message holding an ID, mobile or card number however typed is never taken (core/'s recogniser). */
export { containsPersonalNumber };

/**
 * What a borrower at the main menu wants: a menu number, a keyword, an FAQ. In a group chat, any
 * personal matter is sent to a private channel and personal numbers are never taken.
 */
export function understandMenuText(text: string, ctx: { locale: Locale; chatType: 'private' | 'group'; faq: readonly FaqEntry[] }): MenuAction {
  if (ctx.chatType === 'group' && containsPersonalNumber(text)) return { kind: 'group_pii' };
  const picked = pickOption(text, menuOptions(ctx.locale))?.value;
  const intent = picked === 'faq' ? undefined : recognizeIntent(picked ?? text);
  let action: MenuAction;
  if (picked === 'faq') action = { kind: 'faq_list' };
  else
    switch (intent) {
      case 'apply':
        action = { kind: 'apply' };
        break;
      case 'draw':
        action = { kind: 'draw' };
        break;
      case 'repay':
        action = { kind: 'repay' };
        break;
      case 'limit':
      case 'bill':
        action = { kind: 'account' };
        break;
      case 'human':
        action = { kind: 'human' };
        break;
      case 'unsubscribe':
        action = { kind: 'unsubscribe' };
        break;
      case 'revoke':
        action = { kind: 'revoke' };
        break;
      case 'english':
        action = { kind: 'locale', locale: 'en' };
        break;
      case 'chinese':
        action = { kind: 'locale', locale: 'zh' };
        break;
      case 'help':
      case 'greeting':
      case 'cancel':
      case 'back':
      case 'later':
        action = { kind: 'menu' };
        break;
      default: {
        const entry = matchFaq(text, ctx.faq);
        action = entry ? { kind: 'faq', entry } : normalizeText(text) === '' ? { kind: 'menu' } : { kind: 'unknown' };
      }
    }
  if (ctx.chatType === 'group' && ['apply', 'draw', 'repay', 'account', 'revoke'].includes(action.kind)) return { kind: 'go_private' };
  return action;
}
