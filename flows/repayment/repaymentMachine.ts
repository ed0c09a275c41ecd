import { assign, setup } from 'xstate';
import { parseChineseAmount, type EarlyRepaymentMode, type Fen } from '../../core/index.js';
import type { LineView, RepaymentReceipt } from '../host.js';
import type { Reply, ReplyOption } from '../reply.js';
import { BUSY_TAG } from '../runtimeContract.js';
import { accountCard, repaymentReceiptReply, yuan } from '../shared/cards.js';
import type { ChildEvent, FlowBase } from '../shared/childEvents.js';
import { effectKey } from '../shared/effectKeys.js';
import { effect } from '../shared/notProvided.js';
import { optionHint } from '../shared/optionHint.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';

export interface RepaymentInput {
  readonly conversationId: string;
  readonly channel: string;
  readonly locale: Locale;
  readonly at: number;
  readonly borrowerId: string;
  /** Opened from a reminder's 还款: straight to paying the instalment due (the amount filled in), 返回 for the other choices. */
  readonly dueFirst?: boolean;
}

export type RepaymentOutput = { readonly status: 'repaid'; readonly receipt: RepaymentReceipt } | { readonly status: 'nothing_owed' } | { readonly status: 'cancelled' } | { readonly status: 'processing' } | { readonly status: 'failed' };

type Kind = 'due' | 'partial' | 'payoff';

interface RepaymentContext extends FlowBase {
  readonly borrowerId: string;
  readonly line: LineView | null;
  readonly kind: Kind | null;
  /** undefined: the whole line. */
  readonly drawdownId: string | undefined;
  readonly amount: Fen | null;
  readonly mode: EarlyRepaymentMode | undefined;
  readonly payKey: string | null;
  readonly receipt: RepaymentReceipt | null;
  readonly outcome: RepaymentOutput['status'] | null;
  readonly dueFirst?: boolean;
}

const owing = (lines: readonly LineView[]): LineView | null => lines.find((l) => l.outstanding > 0 || l.dueNow > 0) ?? null;
const INSTALMENT_METHODS = new Set(['equal_installment', 'equal_principal', 'interest_first']);

/**
 * repayment: balance and next due; repay the due (or next) instalment, a partial amount, or pay
 * off with interest to date; allocation and receipt from core/; limit restored.
 */
export function createRepaymentMachine() {
  const active = (ctx: RepaymentContext) => ctx.line!.drawdowns.filter((d) => d.status === 'active' && d.outstanding > 0);
  const selectedPayoff = (ctx: RepaymentContext): Fen =>
    ctx.drawdownId ? (ctx.line!.drawdowns.find((d) => d.drawdownId === ctx.drawdownId)?.payoffToday ?? 0) : ctx.line!.payoffToday;

  const menu = (ctx: RepaymentContext): Reply => {
    const line = ctx.line!;
    const options: ReplyOption[] = [];
    if (line.dueNow > 0) options.push({ label: t(ctx.locale, 'repay.payDue', { amount: yuan(line.dueNow) }), value: 'due' });
    // Paying "the next instalment" only means something when it is less than settling everything.
    else if (line.nextDue && line.nextDue.amount < line.payoffToday) options.push({ label: t(ctx.locale, 'repay.payNext', { amount: yuan(line.nextDue.amount), date: line.nextDue.date }), value: 'due' });
    options.push({ label: t(ctx.locale, 'repay.partial'), value: 'partial' });
    options.push({ label: t(ctx.locale, 'repay.payoff', { amount: yuan(line.payoffToday) }), value: 'payoff' });
    options.push({ label: t(ctx.locale, 'menu.back'), value: 'menu' });
    return {
      text: t(ctx.locale, line.overdue > 0 ? 'repay.summaryOverdue' : 'repay.summary', {
        outstanding: yuan(line.outstanding),
        overdue: yuan(line.overdue),
        days: line.daysPastDue,
        next: line.nextDue ? `${line.nextDue.date} ¥${yuan(line.nextDue.amount)}` : '-',
      }),
      card: accountCard(line),
      options,
      sensitive: true,
    };
  };
  const whichDrawdown = (ctx: RepaymentContext): Reply => ({
    text: t(ctx.locale, 'repay.whichDrawdown'),
    options: [
      ...active(ctx).map((d) => ({ label: t(ctx.locale, 'repay.drawdownOption', { date: d.drawnOn, principal: yuan(d.principal), outstanding: yuan(d.outstanding) }), value: d.drawdownId })),
      { label: t(ctx.locale, 'repay.allDrawdowns'), value: 'all' },
    ],
    sensitive: true,
  });
  const amountQuestion = (ctx: RepaymentContext): Reply => ({ text: t(ctx.locale, 'repay.askAmount', { max: yuan(selectedPayoff(ctx)) }), expects: 'amount', sensitive: true });
  const modeQuestion = (ctx: RepaymentContext): Reply => ({
    text: t(ctx.locale, 'repay.askMode'),
    options: [
      { label: t(ctx.locale, 'repay.shortenTerm'), value: 'shorten_term' },
      { label: t(ctx.locale, 'repay.reduceInstalment'), value: 'reduce_installment' },
    ],
  });
  const confirmQuestion = (ctx: RepaymentContext): Reply => {
    const line = ctx.line!;
    const amount = ctx.kind === 'payoff' ? selectedPayoff(ctx) : ctx.kind === 'due' ? (line.dueNow > 0 ? line.dueNow : (line.nextDue?.amount ?? 0)) : ctx.amount!;
    // Nothing due yet: "due" settles the next instalment ahead of its date, and says so.
    const early = ctx.kind === 'due' && line.dueNow === 0 && line.nextDue !== null;
    return {
      text: t(ctx.locale, ctx.kind === 'payoff' ? 'repay.confirmPayoff' : early ? 'repay.confirmNext' : 'repay.confirm', { amount: yuan(amount), date: line.nextDue?.date ?? '' }),
      options: [
        { label: t(ctx.locale, 'repay.confirmButton'), value: 'confirm' },
        { label: t(ctx.locale, 'common.back'), value: 'back' },
      ],
      sensitive: true,
    };
  };
  const pick = (ctx: RepaymentContext, event: ChildEvent) => (event.type === 'user.text' ? pickOption(event.text, ctx.prompt?.options ?? [])?.value : undefined);
  const askAgain = (hint: (ctx: RepaymentContext, text: string) => string) => ({
    type: 'reply' as const,
    params: ({ context, event }: { context: RepaymentContext; event: ChildEvent }) => ({ ...context.prompt!, text: `${hint(context, event.type === 'user.text' ? event.text : '')}\n${context.prompt!.text}` }),
  });
  const amountProblem = (ctx: RepaymentContext, text: string): string => {
    const r = parseChineseAmount(text);
    if (!r.ok && r.error.code !== 'AMOUNT_OUT_OF_RANGE') return t(ctx.locale, 'hint.amount');
    if (!r.ok || r.value > selectedPayoff(ctx)) return t(ctx.locale, 'repay.aboveOutstanding', { max: yuan(selectedPayoff(ctx)) });
    return '';
  };
  const needsMode = (ctx: RepaymentContext) => {
    const ds = ctx.drawdownId ? ctx.line!.drawdowns.filter((d) => d.drawdownId === ctx.drawdownId) : active(ctx);
    return ds.some((d) => INSTALMENT_METHODS.has(d.method));
  };

  return setup({
    types: { context: {} as RepaymentContext, events: {} as ChildEvent, input: {} as RepaymentInput, output: {} as RepaymentOutput },
    actions: { ...sinkDefaults },
    actors: {
      loadAccount: effect('loadAccount'),
      repay: effect('repay'),
    },
  }).createMachine({
    id: 'repayment',
    context: ({ input }) => ({
      conversationId: input.conversationId,
      channel: input.channel,
      locale: input.locale,
      prompt: null,
      lastAt: input.at,
      borrowerId: input.borrowerId,
      ...(input.dueFirst ? { dueFirst: true } : {}),
      line: null,
      kind: null,
      drawdownId: undefined,
      amount: null,
      mode: undefined,
      payKey: null,
      receipt: null,
      outcome: null,
    }),
    initial: 'loading',
    on: {
      'flow.tick': { actions: assign({ lastAt: ({ event }) => event.at }) },
      'flow.reprompt': { actions: { type: 'reply', params: ({ context }) => context.prompt ?? { text: '' } } },
      'flow.locale': { actions: assign({ locale: ({ event }) => event.locale }) },
      'flow.cancel': '.cancelled',
      'flow.pause': '.cancelled',
      'user.media': { actions: { type: 'reply', params: ({ context }) => ({ ...(context.prompt ?? { text: '' }), text: `${t(context.locale, 'hint.media')}\n${context.prompt?.text ?? ''}` }) } },
    },
    states: {
      loading: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'loadAccount',
          src: 'loadAccount',
          input: ({ context }) => ({ borrowerId: context.borrowerId, at: context.lastAt }),
          onDone: [
            {
              guard: ({ context, event }) => context.dueFirst === true && ((owing(event.output.lines)?.dueNow ?? 0) > 0 || owing(event.output.lines)?.nextDue != null),
              target: 'confirm',
              actions: assign({ line: ({ event }) => owing(event.output.lines), kind: 'due' as const, dueFirst: false }),
            },
            { guard: ({ event }) => owing(event.output.lines) !== null, target: 'choose', actions: assign({ line: ({ event }) => owing(event.output.lines) }) },
            { target: 'nothingOwed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'repay.nothingOwed') }) } },
          ],
          onError: { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      choose: {
        entry: [assign({ prompt: ({ context }) => menu(context), kind: null, drawdownId: undefined, amount: null, mode: undefined }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'cancelled',
          'user.text': [
            { guard: ({ context, event }) => pick(context, event) === 'due', target: 'confirm', actions: assign({ kind: 'due' as const }) },
            { guard: ({ context, event }) => pick(context, event) === 'partial' || /^(部分|部分还款|提前还一部分)$/.test(normalizeText(event.text)), target: 'scope', actions: assign({ kind: 'partial' as const }) },
            { guard: ({ context, event }) => pick(context, event) === 'payoff' || /^(结清|全部结清|全部还清|还清)$/.test(normalizeText(event.text)), target: 'scope', actions: assign({ kind: 'payoff' as const }) },
            { guard: ({ context, event }) => pick(context, event) === 'menu', target: 'cancelled' },
            { actions: askAgain((ctx) => optionHint(ctx)) },
          ],
        },
      },
      scope: {
        always: [
          { guard: ({ context }) => active(context).length <= 1, target: 'afterScope', actions: assign({ drawdownId: ({ context }) => active(context)[0]?.drawdownId }) },
          { target: 'whichDrawdown' },
        ],
      },
      whichDrawdown: {
        entry: [assign({ prompt: ({ context }) => whichDrawdown(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'choose',
          'user.text': [
            { guard: ({ context, event }) => pick(context, event) !== undefined, target: 'afterScope', actions: assign({ drawdownId: ({ context, event }) => (pick(context, event) === 'all' ? undefined : pick(context, event)) }) },
            { actions: askAgain((ctx) => optionHint(ctx)) },
          ],
        },
      },
      afterScope: {
        always: [{ guard: ({ context }) => context.kind === 'partial', target: 'amount' }, { target: 'confirm' }],
      },
      amount: {
        entry: [assign({ prompt: ({ context }) => amountQuestion(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'choose',
          'user.text': [
            {
              guard: ({ context, event }) => amountProblem(context, event.text) === '',
              target: 'modeRoute',
              actions: assign({ amount: ({ event }) => (parseChineseAmount(event.text) as { value: Fen }).value }),
            },
            { actions: askAgain((ctx, text) => amountProblem(ctx, text)) },
          ],
        },
      },
      modeRoute: {
        always: [
          // Paying everything is a payoff, whatever it was called.
          { guard: ({ context }) => context.amount! >= selectedPayoff(context), target: 'confirm', actions: assign({ kind: 'payoff' as const }) },
          { guard: ({ context }) => needsMode(context), target: 'mode' },
          { target: 'confirm' },
        ],
      },
      mode: {
        entry: [assign({ prompt: ({ context }) => modeQuestion(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'amount',
          'user.text': [
            { guard: ({ context, event }) => pick(context, event) !== undefined, target: 'confirm', actions: assign({ mode: ({ context, event }) => pick(context, event) as EarlyRepaymentMode }) },
            { actions: askAgain((ctx) => optionHint(ctx)) },
          ],
        },
      },
      confirm: {
        entry: [assign({ prompt: ({ context }) => confirmQuestion(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'choose',
          'user.text': [
            {
              guard: ({ context, event }) => pick(context, event) === 'confirm' || /^(确认|确认还款|确定|ok|yes)$/.test(normalizeText(event.text)),
              target: 'paying',
              // One key per confirming message: its redelivery resumes the same collection.
              actions: assign({ payKey: ({ context, event }) => effectKey('repay', context.conversationId, event.id) }),
            },
            { guard: ({ context, event }) => pick(context, event) === 'back', target: 'choose' },
            { actions: askAgain((ctx) => optionHint(ctx)) },
          ],
        },
      },
      paying: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'repay',
          src: 'repay',
          input: ({ context }) => ({
            lineId: context.line!.lineId,
            borrowerId: context.borrowerId,
            kind: context.kind!,
            ...(context.kind === 'partial' ? { amount: context.amount! } : {}),
            ...(context.drawdownId ? { drawdownId: context.drawdownId } : {}),
            ...(context.mode ? { earlyRepaymentMode: context.mode } : {}),
            idempotencyKey: context.payKey!,
            at: context.lastAt,
          }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'done', actions: assign({ receipt: ({ event }) => (event.output.ok ? event.output.receipt : null) }) },
            // Money may have been collected: never "nothing was charged" until that is known.
            { guard: ({ event }) => !event.output.ok && event.output.reason === 'processing', target: 'processing' },
            {
              target: 'reloading',
              actions: {
                type: 'reply',
                params: ({ context, event }) => ({
                  text: t(
                    context.locale,
                    event.output.ok ? 'error.temporary' : event.output.reason === 'insufficient_funds' ? 'repay.insufficientFunds' : event.output.reason === 'nothing_due' ? 'repay.nothingDue' : event.output.reason === 'busy' ? 'repay.busy' : 'repay.failed',
                  ),
                }),
              },
            },
          ],
          onError: { target: 'processing' },
        },
      },
      reloading: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'loadAccount',
          src: 'loadAccount',
          input: ({ context }) => ({ borrowerId: context.borrowerId, at: context.lastAt }),
          onDone: [
            { guard: ({ event }) => owing(event.output.lines) !== null, target: 'choose', actions: assign({ line: ({ event }) => owing(event.output.lines) }) },
            { target: 'nothingOwed' },
          ],
          onError: 'failed',
        },
      },
      done: {
        type: 'final',
        entry: [
          assign({ outcome: 'repaid' }),
          {
            type: 'reply',
            params: ({ context }) => repaymentReceiptReply(context.receipt!, context.locale),
          },
        ],
      },
      nothingOwed: { type: 'final', entry: assign({ outcome: 'nothing_owed' }) },
      cancelled: { type: 'final', entry: [assign({ outcome: 'cancelled' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'repay.cancelled') }) }] },
      failed: { type: 'final', entry: assign({ outcome: 'failed' }) },
      processing: { type: 'final', entry: [assign({ outcome: 'processing' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'repay.processing') }) }] },
    },
    output: ({ context }): RepaymentOutput =>
      context.outcome === 'repaid' ? { status: 'repaid', receipt: context.receipt! } : { status: context.outcome ?? 'failed' },
  });
}
