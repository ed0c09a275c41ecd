import { assign, setup } from 'xstate';
import {
  addDays,
  addMonths,
  decideApplication,
  shanghaiDateOf,
  type ApplicantProfile,
  type DataSource,
  type Fen,
  type Product,
} from '../../core/index.js';
import type { LineView, PendingOffer } from '../host.js';
import type { Reply } from '../reply.js';
import { BUSY_TAG } from '../runtimeContract.js';
import { yuan } from '../shared/cards.js';
import type { ChildEvent, FlowBase } from '../shared/childEvents.js';
import type { FlowSettings } from '../shared/flowSettings.js';
import { effect } from '../shared/notProvided.js';
import { optionHint } from '../shared/optionHint.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { exampleReply as exampleReplyOf, offerReply as offerReplyOf, termsReply as termsReplyOf } from './offerReplies.js';
import { pickOption } from '../understanding/pickOption.js';

export interface OfferInput {
  readonly conversationId: string;
  readonly channel: string;
  readonly locale: Locale;
  readonly at: number;
  readonly borrowerId: string;
  readonly applicationId: string;
  readonly productId: string;
  readonly granted: readonly DataSource[];
  /** An offer decided earlier and not yet accepted: go straight to it. */
  readonly pending?: PendingOffer;
  /** 一键激活: the pre-approved limit and rate the borrower chose to activate. */
  readonly precredit?: { readonly limit: number; readonly annualRate: number };
}

export type OfferOutput =
  | { readonly status: 'accepted'; readonly line: LineView }
  | { readonly status: 'declined' }
  | { readonly status: 'review' }
  | { readonly status: 'declined_by_borrower' }
  | { readonly status: 'later'; readonly pending: PendingOffer }
  | { readonly status: 'expired' }
  /** The person already has an open line for the product (opened on another channel): nothing opened. */
  | { readonly status: 'has_line' }
  | { readonly status: 'failed' };

/** Borrower-safe summary of the decision kept in the conversation (model internals stay in the decision record). */
interface DecisionSummary {
  readonly outcome: 'approved' | 'declined' | 'manual_review';
  readonly reasonsZh: readonly string[];
  readonly limit: number;
  readonly rate: number | null;
  readonly aprSimple: number | null;
  readonly aprCompound: number | null;
  readonly offerExpiresAt: number | null;
}

interface OfferContext extends FlowBase {
  readonly borrowerId: string;
  readonly applicationId: string;
  readonly productId: string;
  readonly granted: readonly DataSource[];
  readonly profile: ApplicantProfile | null;
  readonly decision: DecisionSummary | null;
  /** The full core decision, held only until it is recorded. */
  readonly fullDecision: ReturnType<typeof decideApplication> | null;
  readonly pending: PendingOffer | null;
  readonly acceptKey: string | null;
  readonly line: LineView | null;
  readonly outcome: OfferOutput['status'] | null;
  readonly precredit?: { readonly limit: number; readonly annualRate: number } | undefined;
}

const DAY = 86_400_000;

/** Shanghai midnight after `date`: an offer "valid until 2026-12-01" lapses at 2026-12-02 00:00 +08:00. */
export const endOfShanghaiDay = (date: string): number => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d + 1) - 8 * 3_600_000;
};

/**
 * decision and limit offer: pulls the authorised data, runs core's decision, and offers limit,
 * rate and APR (APR first); accept with a recorded 我已阅读并同意, decline, or decide later.
 */
export function createOfferMachine(products: readonly Product[], settings: FlowSettings) {
  const productOf = (id: string) => products.find((p) => p.id === id) ?? products[0]!;
  const lineValidUntil = (ctx: OfferContext) => addDays(addMonths(shanghaiDateOf(ctx.lastAt), productOf(ctx.productId).lineValidityMonths), -1);

  const offerOptions = (ctx: OfferContext) => [
    { label: t(ctx.locale, 'offer.accept'), value: 'accept' },
    { label: t(ctx.locale, 'offer.example'), value: 'example' },
    { label: t(ctx.locale, 'offer.later'), value: 'later' },
    { label: t(ctx.locale, 'offer.decline'), value: 'decline' },
  ];
  const view = (ctx: OfferContext) => ({ pending: ctx.pending!, product: productOf(ctx.productId), locale: ctx.locale, today: shanghaiDateOf(ctx.lastAt), lineValidUntil: lineValidUntil(ctx) });
  const offerReply = (ctx: OfferContext): Reply => offerReplyOf(view(ctx), offerOptions(ctx));
  const termsReply = (ctx: OfferContext): Reply =>
    termsReplyOf(view(ctx), settings.termsVersion, [
      { label: t(ctx.locale, 'offer.agree'), value: '我已阅读并同意' },
      { label: t(ctx.locale, 'common.back'), value: 'back' },
    ]);
  /** The worked example carries the offer's options itself: no separate "please choose" message. */
  const exampleReply = (ctx: OfferContext): Reply => exampleReplyOf(view(ctx), ctx.prompt?.options ?? offerOptions(ctx)) ?? { text: t(ctx.locale, 'error.temporary'), options: offerOptions(ctx) };

  /** The offer an approved decision makes (kept in the conversation until accepted, declined or expired). */
  const pendingOf = (ctx: OfferContext, decisionId: string): PendingOffer => {
    const d = ctx.decision!;
    return {
      applicationId: ctx.applicationId,
      decisionId,
      productId: ctx.productId,
      limit: d.limit,
      annualRate: d.rate!,
      aprSimple: d.aprSimple!,
      aprCompound: d.aprCompound!,
      offerExpiresAt: d.offerExpiresAt ?? ctx.lastAt + productOf(ctx.productId).offerValidityDays * DAY,
    };
  };
  const pick = (ctx: OfferContext, event: ChildEvent) => (event.type === 'user.text' ? pickOption(event.text, ctx.prompt?.options ?? [])?.value : undefined);

  return setup({
    types: { context: {} as OfferContext, events: {} as ChildEvent, input: {} as OfferInput, output: {} as OfferOutput },
    actions: { ...sinkDefaults },
    actors: {
      pullData: effect('pullData'),
      recordDecision: effect('recordDecision'),
      acceptOffer: effect('acceptOffer'),
      closeOffer: effect('closeOffer'),
    },
    guards: {
      hasPending: ({ context }) => context.pending !== null,
      decisionFailed: ({ context }) => context.fullDecision !== null && !context.fullDecision.ok,
      approved: ({ context }) => context.decision?.outcome === 'approved',
      review: ({ context }) => context.decision?.outcome === 'manual_review',
      isExpiry: ({ event }) => event.type === 'deadline.due' && event.kind === 'offer.expiry',
    },
  }).createMachine({
    id: 'offer',
    context: ({ input }) => ({
      conversationId: input.conversationId,
      channel: input.channel,
      locale: input.locale,
      prompt: null,
      lastAt: input.at,
      borrowerId: input.borrowerId,
      applicationId: input.applicationId,
      productId: input.productId,
      granted: input.granted,
      profile: null,
      decision: null,
      fullDecision: null,
      pending: input.pending ?? null,
      precredit: input.precredit,
      acceptKey: null,
      line: null,
      outcome: null,
    }),
    initial: 'start',
    on: {
      'flow.tick': { actions: assign({ lastAt: ({ event }) => event.at }) },
      'flow.reprompt': { actions: { type: 'reply', params: ({ context }) => context.prompt ?? { text: t(context.locale, 'offer.assessing') } } },
      'flow.locale': { actions: assign({ locale: ({ event }) => event.locale }) },
      'user.media': { actions: { type: 'reply', params: ({ context }) => ({ ...(context.prompt ?? { text: '' }), text: `${t(context.locale, 'hint.media')}\n${context.prompt?.text ?? ''}` }) } },
    },
    states: {
      start: {
        always: [
          { guard: ({ context }) => context.pending !== null && context.lastAt >= context.pending.offerExpiresAt, target: 'expiring' },
          { guard: 'hasPending', target: 'offered' },
          { target: 'pulling' },
        ],
      },
      pulling: {
        tags: [BUSY_TAG],
        entry: [assign({ prompt: ({ context }) => ({ text: t(context.locale, 'offer.assessing') }) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        invoke: {
          id: 'pullData',
          src: 'pullData',
          input: ({ context }) => ({ borrowerId: context.borrowerId, applicationId: context.applicationId, sources: [...context.granted], idempotencyKey: `pull:${context.applicationId}`, at: context.lastAt }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'deciding', actions: assign({ profile: ({ event }) => (event.output.ok ? event.output.profile : null) }) },
            {
              guard: ({ event }) => !event.output.ok && event.output.reason === 'consent_missing',
              target: 'failed',
              actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.consentMissing') }) },
            },
            { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.providerDown'), options: [{ label: t(context.locale, 'menu.human'), value: '转人工' }] }) } },
          ],
          onError: { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.providerDown') }) } },
        },
      },
      deciding: {
        entry: assign(({ context }) => {
          const product = productOf(context.productId);
          const decided = decideApplication(product, context.profile!, shanghaiDateOf(context.lastAt));
          // 一键激活: the pre-approved limit is the ceiling — the bank's batch decided it, today's data may only lower it.
          const capped = decided.ok && context.precredit && decided.value.outcome === 'approved' && decided.value.limit > context.precredit.limit;
          const result = capped ? { ...decided, value: { ...decided.value, limit: context.precredit!.limit as Fen } } : decided;
          if (!result.ok) return { fullDecision: result };
          const d = result.value;
          return {
            fullDecision: result,
            // The profile has served its purpose: don't keep the pulled data in the conversation.
            profile: null,
            decision: {
              outcome: d.outcome,
              reasonsZh: [...new Set(d.reasons.map((r) => r.messageZh))].slice(0, 3),
              limit: d.limit,
              rate: d.rate,
              aprSimple: d.apr?.simple ?? null,
              aprCompound: d.apr?.compound ?? null,
              offerExpiresAt: d.offerExpiresOn ? endOfShanghaiDay(d.offerExpiresOn) : null,
            },
          };
        }),
        always: [
          { guard: 'decisionFailed', target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.cannotDecide') }) } },
          { target: 'recording' },
        ],
      },
      recording: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'recordDecision',
          src: 'recordDecision',
          input: ({ context }) => ({
            applicationId: context.applicationId,
            decision: context.fullDecision!.ok ? context.fullDecision!.value : (undefined as never),
            offerExpiresAt: context.decision!.offerExpiresAt,
            at: context.lastAt,
          }),
          onDone: [
            /**
             * 一键激活: core decided on the current data (after 授权) for the pre-approved amount. When it
             * approves the pre-approved limit at the pre-approved rate, the borrower already saw and chose
             * this offer: straight to the key terms. Anything else (less, another rate, review, decline) is
             * told as after any application.
             */
            {
              guard: ({ context }) =>
                context.decision?.outcome === 'approved' && context.precredit !== undefined && context.decision.limit === context.precredit.limit && Math.round((context.decision.rate ?? -1) * 1e6) === Math.round(context.precredit.annualRate * 1e6),
              target: 'terms',
              actions: [
                assign(({ context, event }) => ({ fullDecision: null, pending: pendingOf(context, event.output.decisionId) })),
                { type: 'scheduleDeadline', params: ({ context }) => ({ key: 'offer.expiry', kind: 'offer.expiry', dueAt: context.pending!.offerExpiresAt }) },
              ],
            },
            {
              guard: 'approved',
              target: 'offered',
              actions: assign(({ context, event }) => {
                const d = context.decision!;
                return {
                  fullDecision: null,
                  pending: {
                    applicationId: context.applicationId,
                    decisionId: event.output.decisionId,
                    productId: context.productId,
                    limit: d.limit,
                    annualRate: d.rate!,
                    aprSimple: d.aprSimple!,
                    aprCompound: d.aprCompound!,
                    offerExpiresAt: d.offerExpiresAt ?? context.lastAt + productOf(context.productId).offerValidityDays * DAY,
                  },
                };
              }),
            },
            { guard: 'review', target: 'review', actions: assign({ fullDecision: null }) },
            { target: 'declined', actions: assign({ fullDecision: null }) },
          ],
          onError: { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      offered: {
        entry: [
          assign({ prompt: ({ context }) => offerReply(context) }),
          { type: 'reply', params: ({ context }) => context.prompt! },
          { type: 'scheduleDeadline', params: ({ context }) => ({ key: 'offer.expiry', kind: 'offer.expiry', dueAt: context.pending!.offerExpiresAt }) },
        ],
        on: {
          'deadline.due': { guard: 'isExpiry', target: 'expiring' },
          'flow.cancel': 'later',
          'flow.pause': 'later',
          'flow.back': 'later',
          'user.text': [
            { guard: ({ context, event }) => pick(context, event) === 'accept' || /^(接受|接受额度|开通|同意)$/.test(normalizeText(event.text)), target: 'terms' },
            { guard: ({ context, event }) => pick(context, event) === 'example', actions: { type: 'reply', params: ({ context }) => exampleReply(context) } },
            { guard: ({ context, event }) => pick(context, event) === 'later', target: 'later' },
            { guard: ({ context, event }) => pick(context, event) === 'decline' || /^(不需要|不要|拒绝|放弃)$/.test(normalizeText(event.text)), target: 'decliningByBorrower' },
            { guard: ({ event }) => normalizeText(event.text) === '我已阅读并同意', actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${t(context.locale, 'offer.readTermsFirst')}` }) } },
            { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${optionHint(context)}\n${context.prompt!.text}` }) } },
          ],
        },
      },
      terms: {
        entry: [assign({ prompt: ({ context }) => termsReply(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'deadline.due': { guard: 'isExpiry', target: 'expiring' },
          'flow.back': 'offered',
          'flow.cancel': 'later',
          'flow.pause': 'later',
          'user.text': [
            {
              // The acceptance must be this exact statement (or its button): a recorded, unambiguous agreement.
              guard: ({ event }) => ['我已阅读并同意', 'ihavereadandagree', 'iagree'].includes(normalizeText(event.text).replace(/[。.!！]/g, '')),
              target: 'accepting',
              actions: assign({ acceptKey: ({ context }) => `accept:${context.applicationId}` }),
            },
            { guard: ({ context, event }) => pick(context, event) === 'back', target: 'offered' },
            { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: t(context.locale, 'offer.needAgreement') }) } },
          ],
        },
      },
      accepting: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'acceptOffer',
          src: 'acceptOffer',
          input: ({ context }) => ({
            applicationId: context.applicationId,
            borrowerId: context.borrowerId,
            decisionId: context.pending!.decisionId,
            termsVersion: settings.termsVersion,
            termsText: termsReply(context).text,
            idempotencyKey: context.acceptKey!,
            at: context.lastAt,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'accepted',
              actions: [assign({ line: ({ event }) => (event.output.ok ? event.output.line : null) }), { type: 'cancelDeadline', params: { key: 'offer.expiry' } }],
            },
            { guard: ({ event }) => !event.output.ok && event.output.reason === 'expired', target: 'expired' },
            {
              guard: ({ event }) => !event.output.ok && event.output.reason === 'has_line',
              target: 'hasLine',
              actions: [{ type: 'cancelDeadline', params: { key: 'offer.expiry' } }, { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.hasLine') }) }],
            },
            { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.cannotAccept') }) } },
          ],
          onError: { target: 'terms', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      decliningByBorrower: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'closeOffer',
          src: 'closeOffer',
          input: ({ context }) => ({ applicationId: context.applicationId, status: 'declined_by_borrower' as const, at: context.lastAt }),
          onDone: 'declinedByBorrower',
          onError: 'declinedByBorrower',
        },
      },
      expiring: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'closeOffer',
          src: 'closeOffer',
          input: ({ context }) => ({ applicationId: context.applicationId, status: 'expired' as const, at: context.lastAt }),
          onDone: 'expired',
          onError: 'expired',
        },
      },
      accepted: {
        type: 'final',
        entry: [
          assign({ outcome: 'accepted' }),
          { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.lineOpened', { available: yuan(context.line!.available), validUntil: context.line!.validUntil }), options: [{ label: t(context.locale, 'menu.draw'), value: 'draw' }, { label: t(context.locale, 'menu.back'), value: 'menu' }], sensitive: true }) },
        ],
      },
      declined: {
        type: 'final',
        entry: [
          assign({ outcome: 'declined' }),
          {
            type: 'reply',
            params: ({ context }) => ({
              text: t(context.locale, 'offer.declined', { reasons: context.decision!.reasonsZh.length && context.locale === 'zh' ? context.decision!.reasonsZh.join('；') : t(context.locale, 'offer.declinedGeneric') }),
              options: [{ label: t(context.locale, 'menu.human'), value: '转人工' }, { label: t(context.locale, 'menu.back'), value: 'menu' }],
              sensitive: true,
            }),
          },
        ],
      },
      review: {
        type: 'final',
        entry: [assign({ outcome: 'review' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.review'), sensitive: true }) }],
      },
      later: {
        type: 'final',
        entry: [assign({ outcome: 'later' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.keptForLater', { expires: shanghaiDateOf(context.pending!.offerExpiresAt) }) }) }],
      },
      declinedByBorrower: {
        type: 'final',
        entry: [assign({ outcome: 'declined_by_borrower' }), { type: 'cancelDeadline', params: { key: 'offer.expiry' } }, { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.borrowerDeclined') }) }],
      },
      expired: {
        type: 'final',
        entry: [assign({ outcome: 'expired' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.expired') }) }],
      },
      failed: { type: 'final', entry: assign({ outcome: 'failed' }) },
      hasLine: { type: 'final', entry: assign({ outcome: 'has_line' }) },
    },
    output: ({ context }): OfferOutput => {
      switch (context.outcome) {
        case 'accepted':
          return { status: 'accepted', line: context.line! };
        case 'later':
          return { status: 'later', pending: context.pending! };
        case null:
          return { status: 'failed' };
        default:
          return { status: context.outcome };
      }
    },
  });
}
