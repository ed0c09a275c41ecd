import type { Locale } from '../text/translate.js';

/** One answer a bank maintains: shown when a borrower's words hit its keywords. */
export interface FaqEntry {
  readonly id: string;
  /** Lower-case keywords (Chinese or English) any of which selects the entry. */
  readonly keywords: readonly string[];
  readonly question: Readonly<Record<Locale, string>>;
  /**
   * May use {rateWhat} (the borrower's own rate, or the lowest of the products they could get, as a
   * sentence), {rateFloor} / {exampleRate} (that rate) and {dayInterest} (¥10,000 for a day at it).
   */
  readonly answer: Readonly<Record<Locale, string>>;
}

/** The default table; a bank replaces it with its own file (FAQ_FILE) without touching code. */
export const DEFAULT_FAQ: readonly FaqEntry[] = [
  {
    id: 'rate',
    keywords: ['利率', '利息', '年化', '费率', '多少钱一天', 'rate', 'interest', 'apr'],
    question: { zh: '利率是多少？', en: 'What is the interest rate?' },
    answer: {
      zh: '{rateWhat}。随借随还按日计息、借一天算一天：按年利率 {exampleRate} 借 1 万元用 1 天，利息 {dayInterest} 元；等额本息、先息后本按月计息，每期利息＝期初剩余本金×年利率÷12。每笔用款前都会展示该笔的年化利率（APR）和完整还款计划。',
      en: 'Interest: {rateWhat}. Repay-any-time loans accrue interest daily, only for the days you borrow: ¥10,000 for one day at {exampleRate} costs ¥{dayInterest}. Equal-instalment and interest-only loans charge a month of interest per instalment: principal outstanding × annual rate ÷ 12. Every drawdown shows its APR and full schedule before you confirm.',
    },
  },
  {
    id: 'fees',
    keywords: ['手续费', '费用', '收费', '服务费', '管理费', 'fee', 'fees', 'charge'],
    question: { zh: '有手续费吗？', en: 'Are there any fees?' },
    answer: { zh: '没有手续费、服务费或管理费，只收取利息。提前还款不收违约金。', en: 'No fees of any kind: only interest. Early repayment is free.' },
  },
  {
    id: 'how_to_repay',
    keywords: ['怎么还', '如何还', '还款方式', '自动扣款', '扣款', 'how to repay', 'repayment method'],
    question: { zh: '怎么还款？', en: 'How do I repay?' },
    answer: {
      zh: '到期日系统会从您绑定的银行卡自动扣款，请在到期日前存足金额。您也可以随时在这里回复“还款”，选择还本期、部分提前还款或全部结清，提前还款只收实际用款天数的利息。',
      en: 'On each due date we debit your linked card automatically. You can also reply "repay" any time to pay the instalment, part of the loan, or all of it; early repayment charges interest only for the days used.',
    },
  },
  {
    id: 'overdue',
    keywords: ['逾期', '晚还', '没还上', '罚息', 'overdue', 'late', 'penalty'],
    question: { zh: '逾期了会怎样？', en: 'What if I pay late?' },
    answer: {
      zh: '逾期后，逾期本金按合同利率的 1.5 倍计收罚息，并会报送征信，影响您今后办理贷款和信用卡。如遇困难，请及时回复“转人工”与我们协商。',
      en: 'Overdue principal accrues penalty interest at 1.5× the contract rate and late payments are reported to the credit bureau. If you are in difficulty, reply "human" to talk to us early.',
    },
  },
  {
    id: 'hardship',
    keywords: ['还不上', '还不起', '还不了', '少还', '延期', '缓还', '展期', '困难', '协商还款', 'hardship', 'extension'],
    question: { zh: '遇到困难还不上怎么办？', en: 'What if I cannot repay?' },
    answer: {
      zh: '理解您的难处，我们会和您一起想办法：\n1. 到期前遇到困难，可以申请延期还款或调整还款计划（如延长期限、降低月供），需经人工审核，越早联系越好；\n2. 可以先还一部分，减少逾期金额和罚息；\n3. 逾期本金按合同利率的 1.5 倍计收罚息并报送征信，请尽量不要逾期。\n回复“转人工”，客服会和您商量具体办法。',
      en: 'We understand, and we will work it out with you:\n1. If you are in difficulty before a due date, you can ask for a deferral or a new plan (a longer term, a lower instalment); a person reviews it, so contact us early.\n2. You can pay part now to reduce what is overdue and the penalty interest.\n3. Overdue principal accrues penalty interest at 1.5 times the contract rate and is reported to the credit bureau, so please try not to fall overdue.\nReply "human" and a member of staff will agree the details with you.',
    },
  },
  {
    id: 'speed',
    keywords: ['多久', '多长时间', '几分钟', '到账', '放款时间', 'how long', 'how fast'],
    question: { zh: '多久能到账？', en: 'How fast is the money in?' },
    answer: { zh: '全程线上办理，审批通过后自助用款，最快 3 分钟到账。', en: 'Everything is online; after approval, money can be in your account in as little as 3 minutes.' },
  },
  {
    id: 'validity',
    keywords: ['有效期', '循环', '随借随还', '额度多久', 'valid', 'revolving'],
    question: { zh: '额度可以用多久？', en: 'How long can I use my limit?' },
    answer: { zh: '一次审批，额度 3 年内循环使用，随借随还；还款后额度自动恢复。额度每年复审一次。', en: 'One approval gives a revolving limit for 3 years: borrow and repay any time; repaid principal restores the limit. Limits are reviewed yearly.' },
  },
  {
    id: 'documents',
    keywords: ['材料', '资料', '抵押', '担保', '证明', 'documents', 'collateral', 'guarantee'],
    question: { zh: '需要什么材料？要抵押吗？', en: 'What documents do I need? Is collateral needed?' },
    answer: { zh: '纯信用贷款，无需抵押担保，无需纸质材料。准备好身份证和本人手机号即可在线申请。', en: 'A pure credit loan: no collateral, guarantee or paperwork. Your ID card and your own mobile number are all you need.' },
  },
  {
    id: 'privacy',
    keywords: ['安全', '隐私', '泄露', '个人信息', '授权', 'privacy', 'safe', 'security'],
    question: { zh: '我的信息安全吗？', en: 'Is my information safe?' },
    answer: {
      zh: '您的身份证号、手机号加密存储，仅在您授权后查询所需数据，且仅用于本次贷款。您可随时回复“撤回授权”。请勿在群聊中发送个人信息。',
      en: 'Your ID and phone numbers are stored encrypted; data is queried only after your authorisation and only for your loan. Reply "revoke" any time. Never post personal data in a group chat.',
    },
  },
];

/**
 * The entry a message asks about: the one with the most (then longest) keyword hits.
 * Only messages of reasonable length are matched, so an answer in a form isn't taken for a question.
 */
export function matchFaq(text: string, table: readonly FaqEntry[]): FaqEntry | undefined {
  const t = text.normalize('NFKC').toLowerCase();
  if (t.length > 60) return undefined;
  let best: { entry: FaqEntry; hits: number; length: number } | undefined;
  for (const entry of table) {
    const hits = entry.keywords.filter((k) => t.includes(k));
    if (!hits.length) continue;
    const length = Math.max(...hits.map((h) => h.length));
    if (!best || hits.length > best.hits || (hits.length === best.hits && length > best.length)) best = { entry, hits: hits.length, length };
  }
  return best?.entry;
}

/** Looks like a question (so mid-form FAQ answers don't swallow answers). */
export const looksLikeQuestion = (text: string): boolean => /[?？吗呢么]|怎么|如何|多少|什么|哪|能不能|可以.*吗|how|what|why|when|can i/i.test(text);
