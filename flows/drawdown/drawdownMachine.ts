import { assign, setup } from 'xstate';
import { parseChineseAmount, parseTermMonths, quoteLoan, shanghaiDateOf, type Fen, type RepaymentMethod } from '../../core/index.js';
import type { AccountView, DrawdownReceipt, LineView } from '../host.js';
import type { Reply } from '../reply.js';
import { BUSY_TAG } from '../runtimeContract.js';
import { drawdownReceiptReply, methodName, scheduleCard, yuan } from '../shared/cards.js';
import type { ChildEvent, FlowBase } from '../shared/childEvents.js';
import { drawdownBinding, effectKey } from '../shared/effectKeys.js';
import { effect } from '../shared/notProvided.js';
import { optionHint } from '../shared/optionHint.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';

export interface DrawdownInput {
  readonly conversationId: string;
  readonly channel: string;
  readonly locale: Locale;
  readonly at: number;
  readonly borrowerId: string;
  /** An amount the borrower named when asking ("我想借5万"): taken when the line allows it, else asked with the reason. */
  readonly amount?: Fen;
}

export type DrawdownOutput = { readonly status: 'disbursed'; readonly receipt: DrawdownReceipt } | { readonly status: 'no_line' } | { readonly status: 'cancelled' } | { readonly status: 'processing' } | { readonly status: 'failed' };

interface DrawdownContext extends FlowBase {
  readonly borrowerId: string;
  readonly line: LineView | null;
  /** The amount named when asking, until it is checked against the line. */
  readonly named?: Fen | undefined;
  readonly amount: Fen | null;
  readonly termMonths: number | null;
  readonly method: RepaymentMethod | null;
  readonly confirmKey: string | null;
  /** The step-up: the request that sends its SMS code, the code typed and the attempt's key. */
  readonly sendKey: string | null;
  /** That message's origin tag (the client's address, where the channel knows it): SMS budgets count per address too. */
  readonly sendOrigin?: string | undefined;
  readonly code: string | null;
  readonly codeKey: string | null;
  readonly mobileMasked: string | null;
  readonly receipt: DrawdownReceipt | null;
  readonly outcome: DrawdownOutput['status'] | null;
}

/** The line a drawdown uses: the active one with the most available. */
const usableLine = (account: AccountView): LineView | null =>
  account.lines.filter((l) => l.status === 'active' && l.available > 0).sort((a, b) => b.available - a.available)[0] ?? null;

/**
 * A paused (frozen) line, said politely: why in plain words (overdue: repay first; an early warning
 * or the yearly review: under review) and how to reach a person, never a generic error.
 */
function pausedReply(locale: Locale, line: Pick<LineView, 'freezeReason'>): Reply {
  const human = { label: t(locale, 'menu.human'), value: '转人工' };
  if (line.freezeReason === 'overdue') return { text: t(locale, 'draw.frozen.overdue'), options: [{ label: t(locale, 'menu.repay'), value: 'repay' }, human] };
  if (line.freezeReason === 'warning' || line.freezeReason === 'review') return { text: t(locale, 'draw.frozen.review'), options: [human] };
  return { text: t(locale, 'draw.frozen.staff'), options: [human] };
}

/**
 * drawdown: amount within the available limit, term and method, a schedule preview with total
 * interest and APR, confirmation, and exactly one disbursement per confirmation.
 */
export function createDrawdownMachine() {
  const amountQuestion = (ctx: DrawdownContext): Reply => ({
    text: t(ctx.locale, 'draw.askAmount', { available: yuan(ctx.line!.available), min: yuan(ctx.line!.minDraw) }),
    expects: 'amount',
    sensitive: true,
  });
  const termQuestion = (ctx: DrawdownContext): Reply => ({
    text: t(ctx.locale, 'draw.askTerm'),
    // Values are not bare digits: on text channels "3" means the third option, "3期" three months.
    options: ctx.line!.terms.map((n) => ({ label: t(ctx.locale, 'common.months', { n }), value: `term:${n}` })),
  });
  const methodQuestion = (ctx: DrawdownContext): Reply => ({
    text: t(ctx.locale, 'draw.askMethod'),
    options: ctx.line!.methods.map((m) => ({ label: methodName(m, ctx.locale), value: m })),
  });
  const quote = (ctx: DrawdownContext) =>
    quoteLoan({ principal: ctx.amount!, annualRate: ctx.line!.annualRate, termMonths: ctx.termMonths!, method: ctx.method!, startDate: shanghaiDateOf(ctx.lastAt) });
  const preview = (ctx: DrawdownContext): Reply => {
    const q = quote(ctx);
    if (!q.ok) return { text: t(ctx.locale, 'draw.invalid', { reason: q.error.messageZh ?? q.error.message }) };
    return {
      text: t(ctx.locale, 'draw.preview', {
        amount: yuan(ctx.amount!),
        term: ctx.termMonths!,
        method: methodName(ctx.method!, ctx.locale),
        apr: q.value.apr.compoundText,
        aprSimple: q.value.apr.simpleText,
        interest: yuan(q.value.totalInterest),
        first: `${q.value.schedule.installments[0]!.dueDate} ¥${yuan(q.value.schedule.installments[0]!.total)}`,
      }),
      card: scheduleCard(q.value, ctx.locale),
      options: [
        { label: t(ctx.locale, 'draw.confirm'), value: 'confirm' },
        { label: t(ctx.locale, 'draw.changeAmount'), value: 'amount' },
        { label: t(ctx.locale, 'draw.changeTerm'), value: 'term' },
        { label: t(ctx.locale, 'common.cancel'), value: 'cancel' },
      ],
      sensitive: true,
    };
  };
  const binding = (ctx: DrawdownContext): string => drawdownBinding({ lineId: ctx.line!.lineId, amount: ctx.amount!, termMonths: ctx.termMonths!, method: ctx.method! });
  /** The step-up question, after `lead` (why it is asked again) when given. */
  const stepUpQuestion = (ctx: DrawdownContext, lead?: 'draw.stepUpWrong' | 'otp.expired'): Reply => ({
    text: `${lead ? `${t(ctx.locale, lead)}\n` : ''}${t(ctx.locale, 'draw.stepUpSent', { mobile: ctx.mobileMasked ?? '', amount: yuan(ctx.amount!), term: ctx.termMonths! })}`,
    expects: 'otp',
    options: [
      { label: t(ctx.locale, 'otp.resend'), value: 'resend' },
      { label: t(ctx.locale, 'common.cancel'), value: 'cancel' },
    ],
    sensitive: true,
  });
  const pick = (ctx: DrawdownContext, event: ChildEvent) => (event.type === 'user.text' ? pickOption(event.text, ctx.prompt?.options ?? [])?.value : undefined);
  const askAgain = (hint: (ctx: DrawdownContext, text: string) => string) => ({
    type: 'reply' as const,
    params: ({ context, event }: { context: DrawdownContext; event: ChildEvent }) => ({ ...context.prompt!, text: `${hint(context, event.type === 'user.text' ? event.text : '')}\n${context.prompt!.text}` }),
  });
  const amountProblem = (ctx: DrawdownContext, text: string): string => {
    const r = parseChineseAmount(text);
    if (!r.ok && r.error.code !== 'AMOUNT_OUT_OF_RANGE') return t(ctx.locale, 'hint.amount');
    return r.ok ? fenProblem(ctx, r.value) : t(ctx.locale, 'draw.aboveAvailable', { available: yuan(ctx.line!.available) });
  };
  const fenProblem = (ctx: DrawdownContext, amount: Fen): string => {
    if (amount > ctx.line!.available) return t(ctx.locale, 'draw.aboveAvailable', { available: yuan(ctx.line!.available) });
    if (amount < ctx.line!.minDraw) return t(ctx.locale, 'draw.belowMin', { min: yuan(ctx.line!.minDraw) });
    return '';
  };
  const termOf = (ctx: DrawdownContext, text: string): number | undefined => {
    const chosen = pickOption(text, ctx.prompt?.options ?? []);
    const n = chosen ? Number(chosen.value.slice('term:'.length)) : (() => {
      const r = parseTermMonths(text);
      return r.ok ? r.value : undefined;
    })();
    return n !== undefined && ctx.line!.terms.includes(n) ? n : undefined;
  };

  return setup({
    types: { context: {} as DrawdownContext, events: {} as ChildEvent, input: {} as DrawdownInput, output: {} as DrawdownOutput },
    actions: { ...sinkDefaults },
    actors: {
      loadAccount: effect('loadAccount'),
      sendStepUp: effect('sendStepUp'),
      verifyStepUp: effect('verifyStepUp'),
      disburse: effect('disburse'),
    },
  }).createMachine({
    id: 'drawdown',
    context: ({ input }) => ({
      conversationId: input.conversationId,
      channel: input.channel,
      locale: input.locale,
      prompt: null,
      lastAt: input.at,
      borrowerId: input.borrowerId,
      line: null,
      named: input.amount,
      amount: null,
      termMonths: null,
      method: null,
      confirmKey: null,
      sendKey: null,
      code: null,
      codeKey: null,
      mobileMasked: null,
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
            { guard: ({ event }) => usableLine(event.output) !== null, target: 'named', actions: assign({ line: ({ event }) => usableLine(event.output) }) },
            {
              target: 'noLine',
              actions: {
                type: 'reply',
                params: ({ context, event }) => {
                  const frozen = event.output.lines.find((l) => l.status === 'frozen');
                  if (frozen) return pausedReply(context.locale, frozen);
                  const line = event.output.lines.find((l) => l.status === 'active');
                  if (line && line.overdue > 0) return { text: t(context.locale, 'draw.overdueFirst', { overdue: yuan(line.overdue) }), options: [{ label: t(context.locale, 'menu.repay'), value: 'repay' }] };
                  if (line) return { text: t(context.locale, 'draw.noneAvailable') };
                  return { text: t(context.locale, 'draw.noLine'), options: [{ label: t(context.locale, 'menu.apply'), value: 'apply' }] };
                },
              },
            },
          ],
          onError: { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      /** An amount named with the request: within what the line allows it is taken (the term is asked next); else the amount is asked, saying why. */
      named: {
        always: [
          { guard: ({ context }) => context.named === undefined, target: 'amount' },
          {
            guard: ({ context }) => fenProblem(context, context.named!) === '',
            target: 'term',
            actions: [{ type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'draw.amountNoted', { amount: yuan(context.named!) }) }) }, assign({ amount: ({ context }) => context.named!, named: undefined })],
          },
          { target: 'amount' },
        ],
      },
      amount: {
        entry: [
          assign({ prompt: ({ context }) => amountQuestion(context) }),
          { type: 'reply', params: ({ context }) => (context.named === undefined ? context.prompt! : { ...context.prompt!, text: `${fenProblem(context, context.named)}\n${context.prompt!.text}` }) },
          assign({ named: undefined }),
        ],
        on: {
          'flow.back': 'cancelled',
          'user.text': [
            { guard: ({ context, event }) => amountProblem(context, event.text) === '', target: 'term', actions: assign({ amount: ({ event }) => (parseChineseAmount(event.text) as { value: Fen }).value }) },
            { actions: askAgain((ctx, text) => amountProblem(ctx, text)) },
          ],
        },
      },
      term: {
        entry: [assign({ prompt: ({ context }) => termQuestion(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'amount',
          'user.text': [
            { guard: ({ context, event }) => termOf(context, event.text) !== undefined, target: 'methodRoute', actions: assign({ termMonths: ({ context, event }) => termOf(context, event.text)! }) },
            { actions: askAgain((ctx) => t(ctx.locale, 'draw.termHint', { terms: ctx.line!.terms.join('/') })) },
          ],
        },
      },
      methodRoute: {
        always: [
          { guard: ({ context }) => context.line!.methods.length === 1, target: 'preview', actions: assign({ method: ({ context }) => context.line!.methods[0]! }) },
          { target: 'method' },
        ],
      },
      method: {
        entry: [assign({ prompt: ({ context }) => methodQuestion(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'term',
          'user.text': [
            { guard: ({ context, event }) => pick(context, event) !== undefined, target: 'preview', actions: assign({ method: ({ context, event }) => pick(context, event) as RepaymentMethod }) },
            { actions: askAgain((ctx) => optionHint(ctx)) },
          ],
        },
      },
      preview: {
        entry: [assign({ prompt: ({ context }) => preview(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'term',
          'user.text': [
            {
              guard: ({ context, event }) => pick(context, event) === 'confirm' || /^(确认|确认借款|确定|ok|yes)$/.test(normalizeText(event.text)),
              target: 'stepUpSending',
              // The step-up SMS, keyed by the confirming message: its redelivery sends no second code.
              actions: assign({ sendKey: ({ context, event }) => effectKey('sms', context.conversationId, event.id), sendOrigin: ({ event }) => (event.type === 'user.text' ? event.origin : undefined) }),
            },
            { guard: ({ context, event }) => pick(context, event) === 'amount', target: 'amount' },
            { guard: ({ context, event }) => pick(context, event) === 'term', target: 'term' },
            { guard: ({ context, event }) => pick(context, event) === 'cancel', target: 'cancelled' },
            { actions: askAgain((ctx) => optionHint(ctx)) },
          ],
        },
      },
      /** Money moves only after a fresh SMS code to the mobile on file, valid once for exactly these terms. */
      stepUpSending: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'sendStepUp',
          src: 'sendStepUp',
          input: ({ context }) => ({
            conversationId: context.conversationId,
            borrowerId: context.borrowerId,
            bindTo: binding(context),
            ...(context.sendOrigin ? { origin: context.sendOrigin } : {}),
            requestKey: context.sendKey!,
            at: context.lastAt,
          }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'stepUp', actions: assign({ mobileMasked: ({ event }) => (event.output.ok ? event.output.mobileMasked : null) }) },
            { guard: ({ event }) => !event.output.ok && event.output.reason === 'no_mobile', target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'draw.stepUpUnavailable') }) } },
            { target: 'preview', actions: { type: 'reply', params: ({ context, event }) => ({ text: t(context.locale, !event.output.ok && event.output.reason === 'locked' ? 'otp.locked' : 'otp.rateLimited') }) } },
          ],
          onError: { target: 'preview', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      /** The code is asked (again after a wrong or expired one); the service counts the attempts. */
      stepUp: {
        initial: 'asked',
        on: {
          'flow.back': 'preview',
          'user.text': [
            {
              guard: ({ event }) => /^\d{6}$/.test(normalizeText(event.text)),
              target: 'stepUpVerifying',
              // The message that typed the code keys both its check and the payout: a redelivery resumes the same disbursement.
              actions: assign({
                code: ({ event }) => normalizeText(event.text),
                codeKey: ({ context, event }) => effectKey('otp', context.conversationId, event.id),
                confirmKey: ({ context, event }) => effectKey('draw', context.conversationId, event.id),
              }),
            },
            {
              guard: ({ context, event }) => pick(context, event) === 'resend' || ['resend', '重新发送', '重发', '重新获取'].includes(normalizeText(event.text)),
              target: 'stepUpSending',
              actions: assign({ sendKey: ({ context, event }) => effectKey('sms', context.conversationId, event.id), sendOrigin: ({ event }) => (event.type === 'user.text' ? event.origin : undefined) }),
            },
            { guard: ({ context, event }) => pick(context, event) === 'cancel', target: 'cancelled' },
            { actions: askAgain((ctx) => t(ctx.locale, 'draw.stepUpHint')) },
          ],
        },
        states: {
          asked: { entry: [assign({ prompt: ({ context }) => stepUpQuestion(context) }), { type: 'reply', params: ({ context }) => context.prompt! }] },
          wrong: { entry: [assign({ prompt: ({ context }) => stepUpQuestion(context, 'draw.stepUpWrong') }), { type: 'reply', params: ({ context }) => context.prompt! }] },
          expired: { entry: [assign({ prompt: ({ context }) => stepUpQuestion(context, 'otp.expired') }), { type: 'reply', params: ({ context }) => context.prompt! }] },
        },
      },
      stepUpVerifying: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'verifyStepUp',
          src: 'verifyStepUp',
          input: ({ context }) => ({ conversationId: context.conversationId, borrowerId: context.borrowerId, bindTo: binding(context), code: context.code!, attemptKey: context.codeKey!, at: context.lastAt }),
          onDone: [
            { guard: ({ event }) => event.output.result === 'ok', target: 'disbursing', actions: assign({ code: null }) },
            { guard: ({ event }) => event.output.result === 'wrong', target: 'stepUp.wrong', actions: assign({ code: null }) },
            { guard: ({ event }) => event.output.result === 'expired', target: 'stepUp.expired', actions: assign({ code: null }) },
            { target: 'preview', actions: [assign({ code: null }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'draw.stepUpTooMany') }) }] },
          ],
          onError: { target: 'stepUp.expired', actions: [assign({ code: null }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) }] },
        },
      },
      disbursing: {
        tags: [BUSY_TAG],
        entry: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'draw.disbursing') }) },
        invoke: {
          id: 'disburse',
          src: 'disburse',
          input: ({ context }) => ({
            lineId: context.line!.lineId,
            borrowerId: context.borrowerId,
            amount: context.amount!,
            termMonths: context.termMonths!,
            method: context.method!,
            idempotencyKey: context.confirmKey!,
            at: context.lastAt,
          }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'done', actions: assign({ receipt: ({ event }) => (event.output.ok ? event.output.receipt : null) }) },
            // Outcome not known yet: never "failed" (money may be on its way), never another confirmation.
            { guard: ({ event }) => !event.output.ok && event.output.reason === 'processing', target: 'processing' },
            // Paused between the preview and the confirmation (a night's batch, a reviewer): said as politely as at the start, and the flow ends.
            {
              guard: ({ event }) => !event.output.ok && event.output.reason === 'line_inactive' && !!event.output.freezeReason,
              target: 'noLine',
              actions: { type: 'reply', params: ({ context, event }) => pausedReply(context.locale, { freezeReason: event.output.ok ? null : (event.output.freezeReason ?? null) }) },
            },
            {
              target: 'preview',
              actions: {
                type: 'reply',
                params: ({ context, event }) => ({ text: t(context.locale, event.output.ok ? 'error.temporary' : event.output.reason === 'payment_failed' ? 'draw.paymentFailed' : event.output.reason === 'busy' ? 'draw.busy' : 'draw.refused') }),
              },
            },
          ],
          // An effect that threw may have reserved or paid before it did: say what is known, and no more.
          onError: { target: 'processing' },
        },
      },
      done: {
        type: 'final',
        entry: [
          assign({ outcome: 'disbursed' }),
          {
            type: 'reply',
            params: ({ context }) => drawdownReceiptReply(context.receipt!, context.locale),
          },
        ],
      },
      noLine: { type: 'final', entry: assign({ outcome: 'no_line' }) },
      cancelled: { type: 'final', entry: [assign({ outcome: 'cancelled' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'draw.cancelled') }) }] },
      failed: { type: 'final', entry: assign({ outcome: 'failed' }) },
      processing: { type: 'final', entry: [assign({ outcome: 'processing' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'draw.processing') }) }] },
    },
    output: ({ context }): DrawdownOutput =>
      context.outcome === 'disbursed' ? { status: 'disbursed', receipt: context.receipt! } : { status: context.outcome ?? 'failed' },
  });
}
