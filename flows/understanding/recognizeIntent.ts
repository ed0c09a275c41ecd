import { normalizeText } from './normalizeText.js';
import { textMemo } from './textMemo.js';
import { workOrderNumberIn } from './workOrderNumber.js';

/** What a borrower wants, recognised from Chinese (and English) keywords and synonyms. */
export type Intent =
  | 'apply'
  | 'draw'
  | 'repay'
  | 'renew'
  | 'limit'
  | 'bill'
  | 'rate'
  | 'status'
  | 'hardship'
  | 'faq'
  | 'human'
  | 'complaint'
  | 'workOrder'
  | 'unsubscribe'
  | 'resubscribe'
  | 'revoke'
  | 'help'
  | 'cancel'
  | 'back'
  | 'later'
  | 'greeting'
  | 'english'
  | 'chinese';

/**
 * Keyword lists, most specific first: "取消授权" is revoke, not cancel; "提前还款" is repay.
 * Matching is on normalised text; an entry matches when the text contains it.
 */
const KEYWORDS: readonly (readonly [Intent, readonly string[]])[] = [
  ['revoke', ['撤回授权', '取消授权', '撤销授权', '解除授权', 'revoke']],
  ['unsubscribe', ['退订', '取消订阅', '不要再发', '别再发', 'unsubscribe', 'td']],
  // After unsubscribe: "取消订阅" holds 订阅.
  ['resubscribe', ['恢复推送', '重新订阅', '恢复订阅', '订阅', 'resubscribe', 'subscribe']],
  // Before complaint and status: "投诉进度" asks after a complaint; before human: "投诉客服" is a complaint.
  ['workOrder', ['我的工单', '工单', '投诉进度', '投诉处理得怎么样', '投诉怎么样', '投诉结果', '投诉到哪', 'work order', 'ticket', 'my complaint']],
  ['complaint', ['我要投诉', '投诉', '举报', '太不满意', '很不满意', '非常不满意', '差评', '态度太差', '态度很差', 'complain', 'complaint']],
  ['human', ['转人工', '人工客服', '人工服务', '找人工', '真人', '客服', '人工', 'human', 'agent']],
  ['english', ['english', '英文', '英语']],
  ['chinese', ['中文', '汉语', 'chinese']],
  // Before hardship (展期 is a hardship word) and repay/apply: "无还本续贷" renews a line.
  ['renew', ['无还本续贷', '续贷', '续期', '续签额度', '额度续期', 'renew', 'renewal']],
  // Before repay and apply: "还款困难" is hardship, "申请进度" and "我的申请怎么样了" are status.
  ['hardship', ['还不上', '还不起', '还不了', '少还', '延期', '缓还', '展期', '困难', '没钱还', '晚点还', '晚几天还', '协商还款', '停息挂账', 'hardship', "can't pay", 'cannot pay']],
  ['status', ['进度', '审批结果', '审核结果', '审批怎么样', '审核怎么样', '申请怎么样', '怎么样了', '批了吗', '批下来', '结果出来', '有结果', '到哪一步', '审到哪', 'status', 'progress']],
  ['repay', ['还款', '还钱', '结清', '提前还', '还贷', '还本期', '还一期', '还清', 'repay', 'payoff']],
  ['draw', ['用款', '提现', '支用', '取钱', '放款', '用钱', '借一笔', '再借', 'drawdown', 'withdraw', 'draw']],
  ['apply', ['申请', '借款', '借钱', '贷款', '我要借', '想借', '办理', '开通', '授信', 'apply', 'loan', 'borrow']],
  ['bill', ['账单', '待还', '应还', '还款计划', '明细', '欠款', '欠多少', 'bill', 'statement']],
  ['limit', ['额度', '可用', '能借多少', 'limit', 'credit']],
  ['rate', ['利率', '利息', '年化', '费率', '多少钱一天', 'rate', 'interest', 'apr']],
  ['cancel', ['取消', '不办了', '不要了', '算了', '放弃', '退出', 'cancel', 'quit', 'stop']],
  ['back', ['返回', '上一步', '回上一步', '后退', 'back']],
  ['later', ['稍后', '下次', '以后再说', '晚点', '先不', '等会', '回头再', 'later']],
  ['help', ['帮助', '菜单', '主菜单', '功能', '怎么用', 'help', 'menu']],
  ['greeting', ['你好', '您好', '在吗', '在不在', 'hello', 'hi', '嗨', '哈喽']],
];

/** Each keyword as a matcher, built once: Latin keywords must be whole words ("hi" must not match "this"). */
const MATCHERS: readonly (readonly [Intent, readonly ((normalized: string, latin: string) => boolean)[]])[] = KEYWORDS.map(([intent, words]) => [
  intent,
  words.map((w) => {
    if (!/^[a-z' ]+$/.test(w)) return (normalized: string) => normalized.includes(w);
    const re = new RegExp(`(^|[^a-z])${w}([^a-z]|$)`);
    return (_: string, latin: string) => re.test(latin);
  }),
]);

/** Texts longer than this are treated as content, not commands (a long message that mentions 取消 isn't a cancel). */
const MAX_COMMAND_LENGTH = 16;

/** What a text asks for (remembered per text: every menu guard of a turn asks it of the same words). */
export const recognizeIntent: (text: string) => Intent | undefined = textMemo(recognizeIntentOf);

function recognizeIntentOf(text: string): Intent | undefined {
  const trimmed = text.normalize('NFKC').trim();
  if (trimmed === '?') return 'help';
  // A work order's number (GD20261205-0007), however long the message around it.
  if (workOrderNumberIn(trimmed)) return 'workOrder';
  const t = normalizeText(text);
  if (!t || t.length > MAX_COMMAND_LENGTH * 2) return undefined;
  const latin = trimmed.toLowerCase();
  for (const [intent, matchers] of MATCHERS) {
    for (const matches of matchers) if (matches(t, latin)) return intent;
  }
  return undefined;
}

/**
 * Commands honoured in the middle of a form (cancel, back, human, help, later, language, status,
 * hardship): only short
 * messages that are essentially the command, so an answer is never mistaken for one.
 */
export const recognizeCommand: (text: string) => Intent | undefined = textMemo(recognizeCommandOf);

function recognizeCommandOf(text: string): Intent | undefined {
  const t = normalizeText(text);
  if (!t || t.length > MAX_COMMAND_LENGTH) return undefined;
  const intent = recognizeIntent(text);
  return intent && (['cancel', 'back', 'human', 'help', 'later', 'english', 'chinese', 'status', 'hardship'] as const).includes(intent as 'cancel') ? intent : undefined;
}
