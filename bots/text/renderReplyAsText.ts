import type { AccountCard, Card, ConsentCard, LinkCard, OfferCard, ReceiptCard, Reply, ScheduleCard } from '../../flows/index.js';

export interface TextRenderOptions {
  /** Labels of cards; the reply's own text is already in the conversation's language. */
  readonly locale?: 'zh' | 'en';
  /** Rendering for a group chat: a sensitive reply is withheld (flows never send one there; this double-checks). */
  readonly group?: boolean;
  /** Resolves link cards whose url is a path (`/apply?ref=…`). */
  readonly baseUrl?: string;
  /** Schedule rows shown before "…共N期" (default 12: a whole schedule of the products' terms). */
  readonly scheduleRows?: number;
  /**
   * Whether a staff member's reply starts with who wrote it ("客服 小王："); default true. A channel
   * that labels each message itself (the terminal's prompt) turns it off and uses {@link speakerOf}.
   */
  readonly speaker?: boolean;
}

const LABELS = {
  zh: {
    apr: '年化利率',
    aprSimple: '单利年化',
    limit: '额度',
    annualRate: '年利率',
    dailyRate: '日利率',
    terms: '期限',
    months: (t: string) => `${t} 个月`,
    methods: '还款方式',
    validUntil: '额度有效期至',
    lineValidIfToday: (d: string) => `额度有效期：今日开通则至 ${d}`,
    acceptBy: (d: string) => `确认期限：请在 ${d} 前确认开通，逾期本次额度失效`,
    yuan: (a: string) => `${a} 元`,
    schedule: (p: string, n: number, m: string) => `还款计划：借款 ${p} 元，${n} 期，${m}`,
    scheduleHead: ['期', '还款日', '应还', '本金', '利息'],
    more: (n: number) => `…共${n}期`,
    totals: (i: string, t: string) => `利息合计 ${i} 元，还款总额 ${t} 元`,
    drawdown: '借款成功',
    repayment: '还款成功',
    amount: '金额',
    at: '时间',
    reference: '流水号',
    account: '我的额度',
    available: '可用',
    outstanding: '待还本金',
    nextDue: (d: string, a: string) => `下期还款 ${d}，应还 ${a} 元`,
    overdue: (a: string, d: number) => `已逾期 ${d} 天，逾期金额 ${a} 元`,
    version: '版本',
    required: '必选',
    optional: '可选',
    sources: '授权的数据来源：',
    withheld: '这条消息含有个人信息，请在私聊中查看。',
    comma: '，',
    semi: '；',
    colon: '：',
    paren: (x: string) => `（${x}）`,
    bracket: (x: string) => `【${x}】`,
    list: '、',
    staff: (name: string) => `客服${name ? ` ${name}` : ''}`,
  },
  en: {
    apr: 'APR',
    aprSimple: 'simple',
    limit: 'Limit',
    annualRate: 'Annual rate',
    dailyRate: 'daily rate',
    terms: 'Terms',
    months: (t: string) => `${t} months`,
    methods: 'Repayment',
    validUntil: 'Limit valid until',
    lineValidIfToday: (d: string) => `Line valid until ${d} if opened today`,
    acceptBy: (d: string) => `Accept by ${d}; after that this offer lapses`,
    yuan: (a: string) => `CNY ${a}`,
    schedule: (p: string, n: number, m: string) => `Repayment schedule: CNY ${p}, ${n} instalments, ${m}`,
    scheduleHead: ['#', 'Due', 'Total', 'Principal', 'Interest'],
    more: (n: number) => `… ${n} instalments in all`,
    totals: (i: string, t: string) => `Total interest CNY ${i}, total repayment CNY ${t}`,
    drawdown: 'Loan disbursed',
    repayment: 'Repayment received',
    amount: 'Amount',
    at: 'Time',
    reference: 'Reference',
    account: 'My credit line',
    available: 'available',
    outstanding: 'Outstanding principal',
    nextDue: (d: string, a: string) => `Next due ${d}: CNY ${a}`,
    overdue: (a: string, d: number) => `Overdue ${d} days: CNY ${a}`,
    version: 'version',
    required: 'required',
    optional: 'optional',
    sources: 'Data sources:',
    withheld: 'This message contains personal information; please read it in a private chat.',
    comma: ', ',
    semi: '; ',
    colon: ': ',
    paren: (x: string) => ` (${x})`,
    bracket: (x: string) => `[${x}]`,
    list: ', ',
    staff: (name: string) => `Agent${name ? ` ${name}` : ''}`,
  },
} as const;

type Labels = (typeof LABELS)['zh' | 'en'];

/**
 * A Reply as plain text for channels without buttons or cards (terminal, WeChat text): the text,
 * then the card compactly, then the options as numbered lines ("1. 申请贷款") the borrower can answer
 * with the number or the words.
 */
export function renderReplyAsText(reply: Reply, options: TextRenderOptions = {}): string {
  const l = LABELS[options.locale ?? 'zh'];
  if (reply.sensitive && options.group) return l.withheld;
  const said = reply.text.trim();
  const parts = [reply.sender && options.speaker !== false ? `${speakerOf(reply, options.locale)}${l.colon}${said}` : said];
  if (reply.card) parts.push(renderCard(reply.card, l, options));
  if (reply.options?.length) parts.push(reply.options.map((o, i) => `${i + 1}. ${o.label}`).join('\n'));
  return parts.filter(Boolean).join('\n\n');
}

function renderCard(card: Card, l: Labels, options: TextRenderOptions): string {
  switch (card.type) {
    case 'offer':
      return offer(card, l);
    case 'schedule':
      return schedule(card, l, options.scheduleRows ?? 12);
    case 'receipt':
      return receipt(card, l);
    case 'account':
      return account(card, l);
    case 'consent':
      return consent(card, l);
    case 'link':
      return link(card, l, options.baseUrl);
  }
}

// The APR comes first: the annualised rate is what a borrower must see before any other number.
const offer = (c: OfferCard, l: Labels): string =>
  [
    `${l.apr} ${c.apr}${l.paren(`${l.aprSimple} ${c.aprSimple}`)}`,
    c.aprBasis,
    `${l.bracket(c.productName)}${l.limit} ${l.yuan(c.limit)}`,
    `${l.annualRate} ${c.annualRate}${l.comma}${l.dailyRate} ${c.dailyRate}`,
    [c.terms.length ? `${l.terms}${l.colon}${l.months(c.terms.join('/'))}` : '', c.methods.length ? `${l.methods}${l.colon}${c.methods.join(l.list)}` : ''].filter(Boolean).join(l.semi),
    // Two dates, two meanings: how long the line runs, and until when this offer can be accepted.
    l.lineValidIfToday(c.validUntil),
    l.acceptBy(c.offerExpiresAt),
  ]
    .filter(Boolean)
    .join('\n');

function schedule(c: ScheduleCard, l: Labels, maxRows: number): string {
  const rows = c.rows.slice(0, maxRows).map((r) => [String(r.period), r.dueDate, r.total, r.principal, r.interest]);
  const table = [l.scheduleHead as readonly string[], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => displayWidth(r[i]!))));
  // Numbers right-aligned, the period and date left-aligned.
  const line = (r: readonly string[]) => r.map((cell, i) => (i < 2 ? padEnd(cell, widths[i]!) : padStart(cell, widths[i]!))).join('  ').trimEnd();
  const total = c.rows.length + c.moreRows;
  return [
    l.schedule(c.principal, c.termMonths, c.method),
    `${l.apr} ${c.apr}${l.paren(`${l.aprSimple} ${c.aprSimple}`)}${l.comma}${l.annualRate} ${c.annualRate}`,
    ...table.map(line),
    ...(total > rows.length ? [l.more(total)] : []),
    l.totals(c.totalInterest, c.totalRepayment),
  ].join('\n');
}

const receipt = (c: ReceiptCard, l: Labels): string =>
  [l.bracket(c.kind === 'drawdown' ? l.drawdown : l.repayment), `${l.amount} ${l.yuan(c.amount)}`, `${l.at} ${c.at}`, `${l.reference} ${c.reference}`, ...c.lines.map((x) => `${x.label} ${x.value}`)].join('\n');

const account = (c: AccountCard, l: Labels): string =>
  [
    `${l.bracket(l.account)}${l.limit} ${l.yuan(c.limit)}${l.comma}${l.available} ${l.yuan(c.available)}`,
    `${l.outstanding} ${l.yuan(c.outstanding)}`,
    ...(c.nextDue ? [l.nextDue(c.nextDue.date, c.nextDue.amount)] : []),
    ...(c.overdue ? [l.overdue(c.overdue.amount, c.overdue.days)] : []),
    `${l.validUntil} ${c.validUntil}`,
  ].join('\n');

const consent = (c: ConsentCard, l: Labels): string =>
  [
    `${l.bracket(c.title)}${l.paren(`${l.version} ${c.textVersion}`)}`,
    c.text.trim(),
    l.sources,
    ...c.sources.map((s) => `· ${s.name}${l.paren(s.required ? l.required : l.optional)}${l.colon}${s.purpose}`),
  ].join('\n');

function link(c: LinkCard, l: Labels, baseUrl: string | undefined): string {
  let url = c.url;
  if (baseUrl && !/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    try {
      url = new URL(url, baseUrl).toString();
    } catch {
      // Keep the path as given.
    }
  }
  return [`${l.bracket(c.title)}${c.description}`, url].join('\n');
}

/** Who wrote a reply, as a text channel names them: "客服 小王" for a staff member, "快贷助手" / "Assistant" otherwise. */
export function speakerOf(reply: Pick<Reply, 'sender'>, locale: 'zh' | 'en' = 'zh'): string {
  if (reply.sender?.kind === 'staff') return LABELS[locale].staff(reply.sender.name);
  return locale === 'en' ? 'Assistant' : '快贷助手';
}

/** Columns in a terminal: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1;
  return w;
}

const padEnd = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - displayWidth(s)));
const padStart = (s: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
