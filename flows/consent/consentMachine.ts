import { assign, setup } from 'xstate';
import { consentSources, type ConsentSource, type DataSource, type Product } from '../../core/index.js';
import type { ConsentCard, Reply } from '../reply.js';
import { BUSY_TAG } from '../runtimeContract.js';
import type { ChildEvent, FlowBase } from '../shared/childEvents.js';
import type { FlowSettings } from '../shared/flowSettings.js';
import { effect } from '../shared/notProvided.js';
import { optionHint } from '../shared/optionHint.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';
import { authorisationText, sourcePurpose } from './authorisationText.js';

export interface ConsentInput {
  readonly conversationId: string;
  readonly channel: string;
  readonly locale: Locale;
  readonly at: number;
  readonly borrowerId: string;
  readonly applicationId: string;
  readonly productId: string;
}

export type ConsentOutput =
  | { readonly status: 'granted'; readonly granted: DataSource[] }
  | { readonly status: 'refused' }
  | { readonly status: 'paused' }
  | { readonly status: 'cancelled' };

interface ConsentContext extends FlowBase {
  readonly borrowerId: string;
  readonly applicationId: string;
  readonly productId: string;
  readonly sources: readonly ConsentSource[];
  /** Item-by-item: the source being asked about. */
  readonly index: number;
  readonly granted: DataSource[];
  readonly refused: DataSource[];
  readonly recordKey: string | null;
  readonly outcome: ConsentOutput['status'] | null;
}

/**
 * data authorisation: shows the versioned authorisation text and the sources the product needs,
 * records consent per source before any pull, and explains what refusing means.
 */
export function createConsentMachine(products: readonly Product[], settings: FlowSettings) {
  const productOf = (id: string) => products.find((p) => p.id === id) ?? products[0]!;
  const text = (ctx: ConsentContext) => {
    const p = productOf(ctx.productId);
    return authorisationText(ctx.sources, settings.consentTextVersion, ctx.locale === 'en' ? p.nameEn : p.nameZh, ctx.locale);
  };
  const card = (ctx: ConsentContext): ConsentCard => ({
    type: 'consent',
    title: t(ctx.locale, 'consent.title'),
    textVersion: settings.consentTextVersion,
    sources: ctx.sources.map((s) => ({ id: s.source, name: ctx.locale === 'en' ? s.nameEn : s.nameZh, purpose: sourcePurpose(s.source, ctx.locale), required: s.required })),
    text: text(ctx),
  });
  const overview = (ctx: ConsentContext): Reply => ({
    text: t(ctx.locale, 'consent.intro', { list: ctx.sources.map((s) => `${ctx.locale === 'en' ? s.nameEn : s.nameZh}${s.required ? t(ctx.locale, 'consent.required') : t(ctx.locale, 'consent.optional')}`).join(t(ctx.locale, 'common.listSep')) }),
    card: card(ctx),
    options: [
      { label: t(ctx.locale, 'consent.agreeAll'), value: 'agree_all' },
      { label: t(ctx.locale, 'consent.oneByOne'), value: 'one_by_one' },
      { label: t(ctx.locale, 'consent.refuse'), value: 'refuse' },
    ],
  });
  const itemQuestion = (ctx: ConsentContext): Reply => {
    const s = ctx.sources[ctx.index]!;
    return {
      text: t(ctx.locale, s.required ? 'consent.itemRequired' : 'consent.itemOptional', { name: ctx.locale === 'en' ? s.nameEn : s.nameZh, purpose: sourcePurpose(s.source, ctx.locale) }),
      options: [
        { label: t(ctx.locale, 'consent.yes'), value: 'yes' },
        { label: t(ctx.locale, 'consent.no'), value: 'no' },
      ],
    };
  };
  const refusalExplained = (ctx: ConsentContext): Reply => ({
    text: t(ctx.locale, 'consent.refusedRequired', { names: ctx.sources.filter((s) => s.required).map((s) => (ctx.locale === 'en' ? s.nameEn : s.nameZh)).join(t(ctx.locale, 'common.listSep')) }),
    options: [
      { label: t(ctx.locale, 'consent.reconsider'), value: 'reconsider' },
      { label: t(ctx.locale, 'menu.human'), value: '转人工' },
      { label: t(ctx.locale, 'consent.leave'), value: 'leave' },
    ],
  });
  const chosen = (ctx: ConsentContext, event: ChildEvent) => (event.type === 'user.text' ? pickOption(event.text, ctx.prompt?.options ?? [])?.value : undefined);
  const sayAgain = { type: 'reply' as const, params: ({ context }: { context: ConsentContext }) => ({ ...context.prompt!, text: `${optionHint(context)}\n${context.prompt!.text}` }) };

  return setup({
    types: { context: {} as ConsentContext, events: {} as ChildEvent, input: {} as ConsentInput, output: {} as ConsentOutput },
    actions: { ...sinkDefaults },
    actors: {
      recordConsent: effect('recordConsent'),
    },
  }).createMachine({
    id: 'consent',
    context: ({ input }) => ({
      conversationId: input.conversationId,
      channel: input.channel,
      locale: input.locale,
      prompt: null,
      lastAt: input.at,
      borrowerId: input.borrowerId,
      applicationId: input.applicationId,
      productId: input.productId,
      sources: consentSources(productOf(input.productId)),
      index: 0,
      granted: [],
      refused: [],
      recordKey: null,
      outcome: null,
    }),
    initial: 'overview',
    on: {
      'flow.tick': { actions: assign({ lastAt: ({ event }) => event.at }) },
      'flow.reprompt': { actions: { type: 'reply', params: ({ context }) => context.prompt ?? { text: '' } } },
      'flow.locale': { actions: assign({ locale: ({ event }) => event.locale }) },
      'flow.cancel': '.cancelled',
      'flow.pause': '.paused',
      'user.media': { actions: { type: 'reply', params: ({ context }) => ({ ...context.prompt!, text: `${t(context.locale, 'hint.media')}\n${context.prompt?.text ?? ''}` }) } },
    },
    states: {
      overview: {
        entry: [assign({ prompt: ({ context }) => overview(context), granted: [], refused: [], index: 0 }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'cancelled',
          'user.text': [
            {
              guard: ({ context, event }) => chosen(context, event) === 'agree_all' || /^(同意|同意全部|全部同意|我同意|agree|yes)$/.test(normalizeText(event.text)),
              target: 'recording',
              actions: assign({ granted: ({ context }) => context.sources.map((s) => s.source), refused: [] }),
            },
            { guard: ({ context, event }) => chosen(context, event) === 'one_by_one', target: 'item' },
            { guard: ({ context, event }) => chosen(context, event) === 'refuse' || /^(不同意|拒绝|不授权|no)$/.test(normalizeText(event.text)), target: 'refused' },
            { actions: sayAgain },
          ],
        },
      },
      item: {
        entry: [assign({ prompt: ({ context }) => itemQuestion(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'overview',
          'user.text': [
            {
              guard: ({ context, event }) => chosen(context, event) === 'yes' || /^(同意|是|好|可以|yes)$/.test(normalizeText(event.text)),
              target: 'nextItem',
              actions: assign({ granted: ({ context }) => [...context.granted, context.sources[context.index]!.source] }),
            },
            {
              guard: ({ context, event }) => (chosen(context, event) === 'no' || /^(不同意|否|不|no)$/.test(normalizeText(event.text))) && context.sources[context.index]!.required,
              target: 'refused',
            },
            {
              guard: ({ context, event }) => chosen(context, event) === 'no' || /^(不同意|否|不|no)$/.test(normalizeText(event.text)),
              target: 'nextItem',
              actions: assign({ refused: ({ context }) => [...context.refused, context.sources[context.index]!.source] }),
            },
            { actions: sayAgain },
          ],
        },
      },
      nextItem: {
        always: [
          { guard: ({ context }) => context.index + 1 >= context.sources.length, target: 'recording' },
          { target: 'item', actions: assign({ index: ({ context }) => context.index + 1 }) },
        ],
      },
      refused: {
        entry: [assign({ prompt: ({ context }) => refusalExplained(context) }), { type: 'reply', params: ({ context }) => context.prompt! }],
        on: {
          'flow.back': 'overview',
          'user.text': [
            { guard: ({ context, event }) => chosen(context, event) === 'reconsider' || /^(重新考虑|同意)$/.test(normalizeText(event.text)), target: 'overview' },
            { guard: ({ context, event }) => chosen(context, event) === 'leave', target: 'declined' },
            { actions: sayAgain },
          ],
        },
      },
      recording: {
        tags: [BUSY_TAG],
        entry: assign({ recordKey: ({ context }) => `consent:${context.applicationId}:${settings.consentTextVersion}:${context.granted.join(',')}` }),
        invoke: {
          id: 'recordConsent',
          src: 'recordConsent',
          input: ({ context }) => ({
            borrowerId: context.borrowerId,
            applicationId: context.applicationId,
            conversationId: context.conversationId,
            channel: context.channel,
            granted: context.granted,
            refused: context.refused,
            textVersion: settings.consentTextVersion,
            text: text(context),
            idempotencyKey: context.recordKey!,
            at: context.lastAt,
          }),
          onDone: {
            target: 'granted',
            actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'consent.recorded', { count: context.granted.length }) }) },
          },
          onError: { target: 'overview', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
        },
      },
      granted: { type: 'final', entry: assign({ outcome: 'granted' }) },
      declined: { type: 'final', entry: [assign({ outcome: 'refused' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'consent.leftWithoutConsent') }) }] },
      paused: { type: 'final', entry: [assign({ outcome: 'paused' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'consent.paused') }) }] },
      cancelled: { type: 'final', entry: [assign({ outcome: 'cancelled' }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'consent.cancelled') }) }] },
    },
    output: ({ context }): ConsentOutput =>
      context.outcome === 'granted' ? { status: 'granted', granted: context.granted } : { status: context.outcome ?? 'cancelled' },
  });
}
