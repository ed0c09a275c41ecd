import { assign, setup } from 'xstate';
import {
  consentSources,
  decideApplication,
  formatPercent,
  renewedValidUntil,
  shanghaiDateOf,
  type ApplicantProfile,
  type CreditDecision,
  type DataSource,
  type Product,
} from '../../core/index.js';
import { authorisationText, sourcePurpose } from '../consent/authorisationText.js';
import type { LineView, RenewalView } from '../host.js';
import type { ConsentCard, Reply } from '../reply.js';
import { BUSY_TAG } from '../runtimeContract.js';
import { offerAprText, offerCard, yuan } from '../shared/cards.js';
import type { ChildEvent, FlowBase } from '../shared/childEvents.js';
import type { FlowSettings } from '../shared/flowSettings.js';
import { effect } from '../shared/notProvided.js';
import { optionHint } from '../shared/optionHint.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';

export interface RenewalInput {
  readonly conversationId: string;
  readonly channel: string;
  readonly locale: Locale;
  readonly at: number;
  readonly borrowerId: string;
  /** The message that asked (续贷): the pull and the decision it starts are keyed by it. */
  readonly requestId: string;
}

export type RenewalOutput =
  | { readonly status: 'renewed'; readonly line: LineView }
  /** No open invitation, or it closed meanwhile. */
  | { readonly status: 'none' }
  | { readonly status: 'declined' }
  | { readonly status: 'review' }
  | { readonly status: 'declined_by_borrower' }
  | { readonly status: 'later' }
  | { readonly status: 'refused_consent' }
  | { readonly status: 'failed' };

/** The fresh decision as the flow keeps it (borrower-safe figures; model internals stay in the Decision row). */
interface Terms {
  readonly decisionId: string;
  readonly limit: number;
  readonly rate: number;
  readonly aprSimple: number;
  readonly aprCompound: number;
  readonly newValidUntil: string;
}

interface RenewalContext extends FlowBase {
  readonly borrowerId: string;
  readonly requestId: string;
  readonly renewal: RenewalView | null;
  /** The sources the fresh pull uses: those in force, or those just consented to. */
  readonly sources: readonly DataSource[];
  readonly profile: ApplicantProfile | null;
  /** The full core decision, held only until it is recorded. */
  readonly decision: CreditDecision | null;
  readonly terms: Terms | null;
  /** The message that confirmed: the renewal is keyed by it. */
  readonly confirmId: string | null;
  readonly line: LineView | null;
  readonly outcome: RenewalOutput['status'] | null;
}

/**
 * renewal (无还本续贷): for a borrower invited before their line's last day. Loads the invitation,
 * asks for the data authorisation again only when its text version changed since they last agreed
 * (or a required source is no longer authorised), pulls the data and decides afresh through core's
 * decideApplication (as an application is decided), shows the renewed terms — APR first — and on
 * 确认续贷 runs the same line on to its new last day without repaying first. Every effect is keyed
 * by the message that started it.
 */
export function createRenewalMachine(products: readonly Product[], settings: FlowSettings) {
  const productOf = (id: string) => products.find((p) => p.id === id) ?? products[0]!;
  const today = (ctx: RenewalContext) => shanghaiDateOf(ctx.lastAt);
  const sourcesOf = (ctx: RenewalContext) => consentSources(productOf(ctx.renewal!.productId));
  /** Consent again: a consent in force on an older text, or a required source no longer authorised. */
  const consentNeeded = (ctx: RenewalContext) => {
    const inForce = ctx.renewal!.consents;
    return inForce.some((c) => c.textVersion !== settings.consentTextVersion) || sourcesOf(ctx).some((s) => s.required && !inForce.some((c) => c.source === s.source));
  };
  const authorisation = (ctx: RenewalContext) => {
    const p = productOf(ctx.renewal!.productId);
    return authorisationText(sourcesOf(ctx), settings.consentTextVersion, ctx.locale === 'en' ? p.nameEn : p.nameZh, ctx.locale);
  };
  const consentReply = (ctx: RenewalContext): Reply => {
    const card: ConsentCard = {
      type: 'consent',
      title: t(ctx.locale, 'consent.title'),
      textVersion: settings.consentTextVersion,
      sources: sourcesOf(ctx).map((s) => ({ id: s.source, name: ctx.locale === 'en' ? s.nameEn : s.nameZh, purpose: sourcePurpose(s.source, ctx.locale), required: s.required })),
      text: authorisation(ctx),
    };
    return {
      text: t(ctx.locale, 'renewal.consentAgain', { version: settings.consentTextVersion }),
      card,
      options: [
        { label: t(ctx.locale, 'renewal.consentAgree'), value: 'agree' },
        { label: t(ctx.locale, 'renewal.consentRefuse'), value: 'refuse' },
      ],
    };
  };
  const pendingOf = (ctx: RenewalContext) => {
    const terms = ctx.terms!;
    return { applicationId: ctx.renewal!.applicationId, decisionId: terms.decisionId, productId: ctx.renewal!.productId, limit: terms.limit, annualRate: terms.rate, aprSimple: terms.aprSimple, aprCompound: terms.aprCompound, offerExpiresAt: Date.parse(`${ctx.renewal!.validUntil}T16:00:00Z`) };
  };
  /** The renewed terms, APR first; the same words are recorded (hashed) with the acceptance. */
  const termsText = (ctx: RenewalContext): string => {
    const terms = ctx.terms!;
    const product = productOf(ctx.renewal!.productId);
    const apr = offerAprText(pendingOf(ctx), product, ctx.locale, today(ctx));
    return t(ctx.locale, 'renewal.terms', {
      version: settings.termsVersion,
      apr: apr.apr,
      aprSimple: apr.aprSimple,
      rate: formatPercent(terms.rate),
      limit: yuan(terms.limit),
      validUntil: ctx.renewal!.validUntil,
      newValidUntil: terms.newValidUntil,
      outstanding: yuan(ctx.renewal!.outstanding),
    });
  };
  const termsReply = (ctx: RenewalContext): Reply => ({
    text: termsText(ctx),
    card: { ...offerCard(pendingOf(ctx), productOf(ctx.renewal!.productId), ctx.locale, ctx.terms!.newValidUntil, today(ctx)), offerExpiresAt: ctx.renewal!.validUntil },
    options: [
      { label: t(ctx.locale, 'renewal.confirm'), value: 'confirm' },
      { label: t(ctx.locale, 'renewal.later'), value: 'later' },
      { label: t(ctx.locale, 'renewal.decline'), value: 'decline' },
    ],
    sensitive: true,
  });
  const pick = (ctx: RenewalContext, event: ChildEvent) => (event.type === 'user.text' ? pickOption(event.text, ctx.prompt?.options ?? [])?.value : undefined);
  const sayAgain = { type: 'reply' as const, params: ({ context }: { context: RenewalContext }) => ({ ...context.prompt!, text: `${optionHint(context)}\n${context.prompt!.text}` }) };
  const validUntilOf = (ctx: RenewalContext) => ({ validUntil: ctx.renewal?.validUntil ?? '' });

  return setup({
    types: { context: {} as RenewalContext, events: {} as ChildEvent, input: {} as RenewalInput, output: {} as RenewalOutput },
    actions: { ...sinkDefaults },
    actors: {
      loadRenewal: effect('loadRenewal'),
      recordConsent: effect('recordConsent'),
      pullData: effect('pullData'),
      recordRenewalDecision: effect('recordRenewalDecision'),
      renewLine: effect('renewLine'),
      closeRenewal: effect('closeRenewal'),
    },
  }).createMachine({
    id: 'renewal',
    context: ({ input }) => ({
      conversationId: input.conversationId,
      channel: input.channel,
      locale: input.locale,
      prompt: null,
      lastAt: input.at,
      borrowerId: input.borrowerId,
      requestId: input.requestId,
      renewal: null,
      sources: [],
      profile: null,
      decision: null,
      terms: null,
      confirmId: null,
      line: null,
      outcome: null,
    }),
    initial: 'loading',
    on: {
      'flow.tick': { actions: assign({ lastAt: ({ event }) => event.at }) },
      'flow.reprompt': { actions: { type: 'reply', params: ({ context }) => context.prompt ?? { text: t(context.locale, 'renewal.assessing') } } },
      'flow.locale': { actions: assign({ locale: ({ event }) => event.locale }) },
      'user.media': { actions: { type: 'reply', params: ({ context }) => ({ ...(context.prompt ?? { text: '' }), text: `${t(context.locale, 'hint.media')}\n${context.prompt?.text ?? ''}` }) } },
    },
    states: {
      loading: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'loadRenewal',
          src: 'loadRenewal',
          input: ({ context }) => ({ borrowerId: context.borrowerId, at: context.lastAt }),
          onDone: [
            { guard: ({ event }) => event.output.status === 'none', target: 'none' },
            { target: 'checkingConsent', actions: assign({ renewal: ({ event }) => (event.output.status === 'open' ? event.output.renewal : null) }) },
          ],
          onError: { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      checkingConsent: {
        always: [
          { guard: ({ context }) => consentNeeded(context), target: 'consent' },
          { target: 'pulling', actions: assign({ sources: ({ context }) => context.renewal!.consents.map((c) => c.source) }) },
        ],
      },
      consent: {
        entry: [assign({ prompt: ({ context }) => consentReply(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.cancel': 'later',
          'flow.pause': 'later',
          'flow.back': 'later',
          'user.text': [
            {
              guard: ({ context, event }) => pick(context, event) === 'agree' || /^(同意|同意授权|同意全部|我同意|agree|yes)$/.test(normalizeText(event.text)),
              target: 'recordingConsent',
              actions: assign({ sources: ({ context }) => sourcesOf(context).map((s) => s.source) }),
            },
            { guard: ({ context, event }) => pick(context, event) === 'refuse' || /^(不同意|拒绝|不授权|no)$/.test(normalizeText(event.text)), target: 'refusedConsent' },
            { actions: sayAgain },
          ],
        },
      },
      recordingConsent: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'recordConsent',
          src: 'recordConsent',
          input: ({ context }) => ({
            borrowerId: context.borrowerId,
            applicationId: context.renewal!.applicationId,
            conversationId: context.conversationId,
            channel: context.channel,
            granted: [...context.sources],
            refused: [],
            textVersion: settings.consentTextVersion,
            text: authorisation(context),
            idempotencyKey: `renew.consent:${context.conversationId}:${context.requestId}:${settings.consentTextVersion}`,
            at: context.lastAt,
          }),
          onDone: { target: 'pulling', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'consent.recorded', { count: context.sources.length }) }) } },
          onError: { target: 'consent', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      pulling: {
        tags: [BUSY_TAG],
        entry: [assign({ prompt: ({ context }) => ({ text: t(context.locale, 'renewal.assessing') }) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        invoke: {
          id: 'pullData',
          src: 'pullData',
          input: ({ context }) => ({ borrowerId: context.borrowerId, applicationId: context.renewal!.applicationId, sources: [...context.sources], idempotencyKey: `renew.pull:${context.conversationId}:${context.requestId}`, at: context.lastAt }),
          onDone: [
            {
              guard: ({ event }) => event.output.ok,
              target: 'deciding',
              actions: assign({ profile: ({ event }) => (event.output.ok ? event.output.profile : null) }),
            },
            {
              guard: ({ event }) => !event.output.ok && event.output.reason === 'consent_missing',
              target: 'failed',
              actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.consentMissing') }) },
            },
            { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.providerDown'), options: [{ label: t(context.locale, 'menu.human'), value: '转人工' }] }) } },
          ],
          onError: { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.providerDown') }) } },
        },
      },
      deciding: {
        // The same core decision an application gets, on today's data; the profile is not kept.
        entry: assign(({ context }) => {
          const result = decideApplication(productOf(context.renewal!.productId), context.profile!, today(context));
          return { profile: null, decision: result.ok ? result.value : null };
        }),
        always: [
          { guard: ({ context }) => context.decision === null, target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'offer.cannotDecide') }) } },
          { target: 'recordingDecision' },
        ],
      },
      recordingDecision: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'recordRenewalDecision',
          src: 'recordRenewalDecision',
          input: ({ context }) => ({
            lineId: context.renewal!.lineId,
            borrowerId: context.borrowerId,
            validUntil: context.renewal!.validUntil,
            decision: context.decision!,
            requestKey: `renew.decide:${context.conversationId}:${context.requestId}`,
            at: context.lastAt,
          }),
          onDone: [
            { guard: ({ event }) => !event.output.ok, target: 'none', actions: assign({ decision: null }) },
            { guard: ({ context }) => context.decision!.outcome === 'manual_review', target: 'review', actions: assign({ decision: null }) },
            { guard: ({ context }) => context.decision!.outcome !== 'approved' || context.decision!.apr === null || context.decision!.rate === null, target: 'declined', actions: assign({ decision: null }) },
            {
              target: 'offered',
              actions: assign(({ context, event }) => {
                const d = context.decision!;
                return {
                  decision: null,
                  terms: {
                    decisionId: event.output.ok ? event.output.decisionId : '',
                    limit: d.limit,
                    rate: d.rate!,
                    aprSimple: d.apr!.simple,
                    aprCompound: d.apr!.compound,
                    newValidUntil: renewedValidUntil(context.renewal!.validUntil, productOf(context.renewal!.productId).lineValidityMonths),
                  },
                };
              }),
            },
          ],
          onError: { target: 'failed', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      offered: {
        entry: [assign({ prompt: ({ context }) => termsReply(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.cancel': 'later',
          'flow.pause': 'later',
          'flow.back': 'later',
          'user.text': [
            {
              // The confirmation must be this statement (or its button): a recorded, unambiguous agreement.
              guard: ({ context, event }) => pick(context, event) === 'confirm' || /^(确认续贷|确认|同意续贷|confirm|confirmrenewal)$/.test(normalizeText(event.text).replace(/[。.!！]/g, '')),
              target: 'renewing',
              actions: assign({ confirmId: ({ event }) => (event.type === 'user.text' ? event.id : null) }),
            },
            { guard: ({ context, event }) => pick(context, event) === 'later', target: 'later' },
            { guard: ({ context, event }) => pick(context, event) === 'decline' || /^(不需要|不要|不续贷|放弃)$/.test(normalizeText(event.text)), target: 'decliningByBorrower' },
            { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${t(context.locale, 'renewal.needConfirm')}\n${context.prompt!.text}` }) } },
          ],
        },
      },
      renewing: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'renewLine',
          src: 'renewLine',
          input: ({ context }) => ({
            lineId: context.renewal!.lineId,
            borrowerId: context.borrowerId,
            validUntil: context.renewal!.validUntil,
            newValidUntil: context.terms!.newValidUntil,
            decisionId: context.terms!.decisionId,
            termsVersion: settings.termsVersion,
            termsText: termsText(context),
            requestKey: `renew:${context.conversationId}:${context.confirmId}`,
            at: context.lastAt,
          }),
          onDone: [
            { guard: ({ event }) => event.output.ok, target: 'renewed', actions: assign({ line: ({ event }) => (event.output.ok ? event.output.line : null) }) },
            { target: 'none' },
          ],
          onError: { target: 'offered', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      decliningByBorrower: {
        tags: [BUSY_TAG],
        invoke: {
          id: 'closeRenewal',
          src: 'closeRenewal',
          input: ({ context }) => ({ lineId: context.renewal!.lineId, borrowerId: context.borrowerId, validUntil: context.renewal!.validUntil, at: context.lastAt }),
          onDone: 'declinedByBorrower',
          onError: { target: 'offered', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      renewed: {
        type: 'final',
        entry: [
          assign({ outcome: 'renewed' }),
          {
            type: 'reply',
            params: ({ context }) => ({
              text: t(context.locale, 'renewal.done', { limit: yuan(context.line!.limit), validUntil: context.line!.validUntil, available: yuan(context.line!.available) }),
              options: [{ label: t(context.locale, 'menu.draw'), value: 'draw' }, { label: t(context.locale, 'menu.back'), value: 'menu' }],
              sensitive: true,
            }),
          },
        ],
      },
      none: {
        type: 'final',
        entry: [assign({ outcome: 'none' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.none'), options: [{ label: t(context.locale, 'menu.limit'), value: 'limit' }, { label: t(context.locale, 'menu.human'), value: '转人工' }] }) }],
      },
      declined: {
        type: 'final',
        entry: [
          assign({ outcome: 'declined' }),
          { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.declined', validUntilOf(context)), options: [{ label: t(context.locale, 'menu.human'), value: '转人工' }, { label: t(context.locale, 'menu.back'), value: 'menu' }], sensitive: true }) },
        ],
      },
      review: {
        type: 'final',
        entry: [
          assign({ outcome: 'review' }),
          { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.review', validUntilOf(context)), options: [{ label: t(context.locale, 'menu.human'), value: '转人工' }, { label: t(context.locale, 'menu.back'), value: 'menu' }], sensitive: true }) },
        ],
      },
      refusedConsent: {
        type: 'final',
        entry: [assign({ outcome: 'refused_consent' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.consentRefused', validUntilOf(context)) }) }],
      },
      later: {
        type: 'final',
        entry: [assign({ outcome: 'later' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.keptForLater', validUntilOf(context)) }) }],
      },
      declinedByBorrower: {
        type: 'final',
        entry: [assign({ outcome: 'declined_by_borrower' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.borrowerDeclined', validUntilOf(context)) }) }],
      },
      failed: { type: 'final', entry: assign({ outcome: 'failed' }) },
    },
    output: ({ context }): RenewalOutput => (context.outcome === 'renewed' ? { status: 'renewed', line: context.line! } : { status: context.outcome ?? 'failed' }),
  });
}
