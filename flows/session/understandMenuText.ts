import { containsPersonalNumber, parseChineseAmount, type Fen } from '../../core/index.js';
import { matchFaq, type FaqEntry } from '../faq/faqTable.js';
import type { ReplyOption } from '../reply.js';
import { t, type Locale } from '../text/translate.js';
import { amountIn } from '../understanding/amountIn.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';
import { recognizeIntent } from '../understanding/recognizeIntent.js';
import { workOrderNumberIn } from '../understanding/workOrderNumber.js';

export type MenuAction =
  | { readonly kind: 'repay' | 'account' | 'human' | 'unsubscribe' | 'resubscribe' | 'revoke' | 'faq_list' | 'menu' | 'status' | 'hardship' | 'unknown' }
  /** 续贷: renew a line before it expires (无还本续贷). */
  | { readonly kind: 'renew' }
  /** To borrow; `amount` when the borrower named one ("我想借5万", or just "5万块钱"). */
  | { readonly kind: 'apply' | 'draw'; readonly amount?: Fen }
  | { readonly kind: 'faq'; readonly entry: FaqEntry }
  /** 投诉: a complaint, opened as a work order. */
  | { readonly kind: 'complaint' }
  /** "我的工单", "投诉进度", or a work order's number: where the borrower's work orders stand. */
  | { readonly kind: 'work_order'; readonly number?: string }
  | { readonly kind: 'locale'; readonly locale: Locale }
  /** In a group: a personal matter, moved to a private channel. */
  | { readonly kind: 'go_private' }
  /** In a group: someone posted what looks like an ID or phone number. */
  | { readonly kind: 'group_pii' };

const MENU_VALUES = ['apply', 'draw', 'repay', 'limit', 'faq', 'human'] as const;

export function menuOptions(locale: Locale): ReplyOption[] {
  return MENU_VALUES.map((v) => ({ label: t(locale, `menu.${v}`), value: v }));
}

/** The menu's options to read words against, made once per locale (menuOptions gives each reply its own). */
const MENU_TO_READ: Record<Locale, readonly ReplyOption[]> = { zh: menuOptions('zh'), en: menuOptions('en') };

/** In a group, a message holding an ID, mobile or card number however typed is never taken (core/'s recogniser). */
export { containsPersonalNumber };

/**
 * What a borrower at the main menu wants: a menu item (its value or words), an FAQ question, a
 * keyword, an amount. Option numbers are read earlier, against the options last shown (the
 * session's `shown`). In a group chat, any personal matter is sent to a private channel and
 * personal numbers are never taken.
 */
export function understandMenuText(text: string, ctx: { locale: Locale; chatType: 'private' | 'group'; faq: readonly FaqEntry[] }): MenuAction {
  if (ctx.chatType === 'group' && containsPersonalNumber(text)) return { kind: 'group_pii' };
  const picked = pickOption(text, MENU_TO_READ[ctx.locale], { numbers: false })?.value;
  // An FAQ question as listed (its button, or typed) is answered, whatever keywords it holds ("怎么还款？").
  const question = normalizeText(text);
  const asked = picked ? undefined : ctx.faq.find((f) => normalizeText(f.question.zh) === question || normalizeText(f.question.en) === question);
  const intent = picked === 'faq' || asked ? undefined : recognizeIntent(picked ?? text);
  const amount = picked ? undefined : amountIn(text);
  let action: MenuAction;
  if (picked === 'faq') action = { kind: 'faq_list' };
  else if (asked) action = { kind: 'faq', entry: asked };
  else
    switch (intent) {
      case 'apply':
        action = amount === undefined ? { kind: 'apply' } : { kind: 'apply', amount };
        break;
      case 'draw':
        action = amount === undefined ? { kind: 'draw' } : { kind: 'draw', amount };
        break;
      case 'status':
        action = { kind: 'status' };
        break;
      case 'hardship':
        action = { kind: 'hardship' };
        break;
      case 'repay':
        action = { kind: 'repay' };
        break;
      case 'renew':
        action = { kind: 'renew' };
        break;
      case 'limit':
      case 'bill':
        action = { kind: 'account' };
        break;
      case 'human':
        action = { kind: 'human' };
        break;
      case 'complaint':
        action = { kind: 'complaint' };
        break;
      case 'workOrder': {
        const number = workOrderNumberIn(text);
        action = number ? { kind: 'work_order', number } : { kind: 'work_order' };
        break;
      }
      case 'unsubscribe':
        action = { kind: 'unsubscribe' };
        break;
      case 'resubscribe':
        action = { kind: 'resubscribe' };
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
        // Just an amount ("5万块钱"): the borrower wants that much.
        const bare = parseChineseAmount(text).ok ? amount : undefined;
        if (entry) action = { kind: 'faq', entry };
        else if (bare !== undefined) action = { kind: 'apply', amount: bare };
        else action = normalizeText(text) === '' ? { kind: 'menu' } : { kind: 'unknown' };
      }
    }
  if (ctx.chatType === 'group' && ['apply', 'draw', 'repay', 'account', 'revoke', 'status', 'complaint', 'work_order', 'renew'].includes(action.kind)) return { kind: 'go_private' };
  return action;
}
