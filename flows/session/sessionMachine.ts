import { assign, enqueueActions, not, raise, setup, stateIn, type AnyActorRef } from 'xstate';
import { DATA_SOURCES, formatPercent, type DataSource, type Product } from '../../core/index.js';
import { createApplicationMachine, type ApplicationOutput } from '../application/applicationMachine.js';
import type { ApplicationDraft } from '../application/applicationFields.js';
import { createConsentMachine, type ConsentOutput } from '../consent/consentMachine.js';
import { createDrawdownMachine } from '../drawdown/drawdownMachine.js';
import type { ConversationEvent, PaymentNotice } from '../events.js';
import { looksLikeQuestion, matchFaq, type FaqEntry } from '../faq/faqTable.js';
import type { PendingOffer } from '../host.js';
import { createOfferMachine, type OfferOutput } from '../offer/offerMachine.js';
import type { Reply } from '../reply.js';
import { createRepaymentMachine } from '../repayment/repaymentMachine.js';
import { BUSY_TAG, type ConversationStart } from '../runtimeContract.js';
import { accountCard, yuan } from '../shared/cards.js';
import type { ChildEvent } from '../shared/childEvents.js';
import type { FlowSettings } from '../shared/flowSettings.js';
import { effect } from '../shared/notProvided.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';
import { recognizeCommand } from '../understanding/recognizeIntent.js';
import { menuOptions, understandMenuText, type MenuAction } from './understandMenuText.js';

/** Sub-flows the session runs as invoked child machines, one at a time. */
const NOTICE_TEXT = {
  'drawdown.completed': 'notice.drawdownCompleted',
  'drawdown.undone': 'notice.drawdownUndone',
  'repayment.completed': 'notice.repaymentCompleted',
  'repayment.voided': 'notice.repaymentVoided',
} as const satisfies Record<PaymentNotice, string>;

export const CHILD_IDS = ['application', 'consent', 'offer', 'drawdown', 'repayment'] as const;
export type ChildId = (typeof CHILD_IDS)[number];
/** Which state of the session runs which sub-flow. */
const CHILD_STATES = [
  ['application', 'application'],
  ['authorisation', 'consent'],
  ['offer', 'offer'],
  ['drawdown', 'drawdown'],
  ['repayment', 'repayment'],
] as const satisfies readonly (readonly [string, ChildId])[];

export interface SessionContext {
  readonly conversationId: string;
  readonly channel: string;
  readonly chatType: 'private' | 'group';
  readonly locale: Locale;
  readonly referral: string | undefined;
  readonly borrowerId: string | undefined;
  /** A paused application, offered for resumption. */
  readonly draft: ApplicationDraft | undefined;
  /** The application in progress after submission. */
  readonly application: { readonly applicationId: string; readonly productId: string; readonly granted: readonly DataSource[] | null } | undefined;
  readonly pendingOffer: PendingOffer | undefined;
  readonly hasLine: boolean;
  readonly lastAt: number;
  /** When the borrower last wrote; a long gap inside a flow prompts "continue?". */
  readonly lastUserAt: number | null;
  readonly awaitingResume: boolean;
  readonly handoffNoticeSent: boolean;
  readonly staffName: string | undefined;
  readonly prompt: Reply | null;
}

/** Internal events the session raises to itself. */
type SessionEvent = ConversationEvent | { readonly type: 'handoff.request'; readonly at: number } | { readonly type: 'handoff.resumeFlow'; readonly at: number };

export interface SessionDeps {
  readonly products: readonly Product[];
  readonly faq: readonly FaqEntry[];
  readonly settings: FlowSettings;
}

const MINUTE = 60_000;

/** The sub-flow machines; the host provides their effects before handing them to the session. */
export function createSessionChildren(products: readonly Product[], settings: FlowSettings) {
  return {
    application: createApplicationMachine(products, settings),
    consent: createConsentMachine(products, settings),
    offer: createOfferMachine(products, settings),
    drawdown: createDrawdownMachine(),
    repayment: createRepaymentMachine(),
  };
}
export type SessionChildren = ReturnType<typeof createSessionChildren>;

/**
 * session: greets, shows the numbered menu, recognises intents, answers FAQs, starts and resumes
 * sub-flows, and runs the human hand-off beside them (a parallel region, so a hand-back resumes
 * exactly where the borrower was).
 */
export function createSessionMachine({ products, faq, settings }: SessionDeps, children: SessionChildren = createSessionChildren(products, settings)) {
  const rateFloor = Math.min(...products.map((p) => p.pricing.floor));
  // "Borrow ¥10,000 for one day" at the lowest rate, on the 360-day basis.
  const faqParams = { rateFloor: formatPercent(rateFloor), dayInterest: (Math.round((1_000_000 * rateFloor) / 360) / 100).toFixed(2) };
  const menuReply = (ctx: SessionContext, lead?: string): Reply => ({
    text: `${lead ? `${lead}\n` : ''}${t(ctx.locale, 'menu.title')}`,
    options: menuOptions(ctx.locale),
  });
  const faqAnswer = (ctx: SessionContext, entry: FaqEntry): string => t(ctx.locale, 'faq.answer', { answer: entry.answer[ctx.locale] }).replace(/\{(\w+)\}/g, (w, k: string) => (k in faqParams ? faqParams[k as keyof typeof faqParams] : w));
  // The menu's guards all ask what the same event means: understand it once per event.
  const understood = new WeakMap<object, MenuAction>();
  const understand = (ctx: SessionContext, event: SessionEvent): MenuAction => {
    if (event.type !== 'user.text') return { kind: 'unknown' };
    let action = understood.get(event);
    if (!action) {
      action = understandMenuText(event.text, { locale: ctx.locale, chatType: ctx.chatType, faq });
      understood.set(event, action);
    }
    return action;
  };
  const is = (kind: MenuAction['kind']) => ({ context, event }: { context: SessionContext; event: SessionEvent }) => understand(context, event).kind === kind;
  /** The sub-flow running now (at most one), read from the state so it also works in pure transitions. */
  type Check = (guard: never) => boolean;
  const activeChild = (check: Check): ChildId | undefined => CHILD_STATES.find(([state]) => check(stateIn({ flow: { inFlow: state } }) as never))?.[1];

  const { application, consent, offer, drawdown, repayment } = children;
  const existingOf = (output: unknown) => {
    const out = output as ApplicationOutput;
    return out.status === 'existing' ? out : undefined;
  };

  /** The events that carry a command to the running sub-flow: a tick first, so the child knows the time. */
  const childCommand = (check: Check, event: SessionEvent, type: 'flow.cancel' | 'flow.back' | 'flow.pause' | 'flow.reprompt') => {
    const child = activeChild(check);
    const at = eventAt(event);
    return child ? { child, events: [{ type: 'flow.tick' as const, at }, { type, at }] } : null;
  };

  return setup({
    types: {
      context: {} as SessionContext,
      events: {} as SessionEvent,
      input: {} as ConversationStart,
    },
    actions: {
      ...sinkDefaults,
      stamp: assign({ lastAt: ({ context, event }) => ('at' in event ? event.at : context.lastAt) }),
      stampUser: assign({ lastUserAt: ({ context, event }) => (event.type === 'user.text' || event.type === 'user.media' ? event.at : context.lastUserAt) }),
      /** Passes the event to the running sub-flow, after a tick so the child knows the time. */
      forward: enqueueActions(({ check, event, enqueue }) => {
        const child = activeChild(check);
        if (!child) return;
        enqueue.sendTo(child, { type: 'flow.tick', at: eventAt(event) });
        enqueue.sendTo(child, event as ChildEvent);
      }),
      tellCancel: enqueueActions(({ check, event, enqueue }) => {
        const c = childCommand(check, event, 'flow.cancel');
        if (c) for (const e of c.events) enqueue.sendTo(c.child, e);
      }),
      tellBack: enqueueActions(({ check, event, enqueue }) => {
        const c = childCommand(check, event, 'flow.back');
        if (c) for (const e of c.events) enqueue.sendTo(c.child, e);
      }),
      tellPause: enqueueActions(({ check, event, enqueue }) => {
        const c = childCommand(check, event, 'flow.pause');
        if (c) for (const e of c.events) enqueue.sendTo(c.child, e);
      }),
      tellReprompt: enqueueActions(({ check, event, enqueue }) => {
        const c = childCommand(check, event, 'flow.reprompt');
        if (c) for (const e of c.events) enqueue.sendTo(c.child, e);
      }),
      switchLocale: enqueueActions(({ check, event, enqueue }) => {
        const locale: Locale = recognizeCommand(textOf(event)) === 'english' ? 'en' : 'zh';
        enqueue.assign({ locale });
        const child = activeChild(check);
        if (!child) return;
        enqueue.sendTo(child, { type: 'flow.tick', at: eventAt(event) });
        enqueue.sendTo(child, { type: 'flow.locale', locale, at: eventAt(event) });
        enqueue.sendTo(child, { type: 'flow.reprompt', at: eventAt(event) });
      }),
      requestHuman: raise(({ event }) => ({ type: 'handoff.request' as const, at: eventAt(event) })),
      resumeFlow: raise(({ context }) => ({ type: 'handoff.resumeFlow' as const, at: context.lastAt })),
    },
    actors: {
      application,
      consent,
      offer,
      drawdown,
      repayment,
      loadAccount: effect('loadAccount'),
      revokeConsent: effect('revokeConsent'),
      setMarketingOptOut: effect('setMarketingOptOut'),
      requestHandoff: effect('requestHandoff'),
    },
    guards: {
      botActive: stateIn({ handoff: 'bot' }),
      notBot: not(stateIn({ handoff: 'bot' })),
      resumeYes: ({ context, event }) => context.awaitingResume && /^(继续|好|好的|是|ok|yes|continue|1)$/.test(normalizeText(textOf(event))),
      resumeMenu: ({ context, event }) => context.awaitingResume && /^(返回|菜单|主菜单|返回主菜单|menu|2)$/.test(normalizeText(textOf(event))),
      longGap: ({ context, event }) => context.lastUserAt !== null && !context.awaitingResume && eventAt(event) - context.lastUserAt > settings.resumeAfterMinutes * MINUTE,
      cmdHuman: ({ event }) => recognizeCommand(textOf(event)) === 'human',
      cmdCancel: ({ event }) => recognizeCommand(textOf(event)) === 'cancel',
      cmdBack: ({ event }) => recognizeCommand(textOf(event)) === 'back',
      cmdLater: ({ event }) => recognizeCommand(textOf(event)) === 'later',
      cmdHelp: ({ event }) => recognizeCommand(textOf(event)) === 'help',
      localeCommand: ({ event }) => ['english', 'chinese'].includes(recognizeCommand(textOf(event)) ?? ''),
      faqQuestion: ({ event }) => looksLikeQuestion(textOf(event)) && matchFaq(textOf(event), faq) !== undefined,
    },
  }).createMachine({
    id: 'session',
    type: 'parallel',
    on: {
      // A payment the borrower was told is "processing", settled later: told whatever they are doing now.
      'system.notice': { actions: ['stamp', { type: 'reply', params: ({ context, event }) => ({ text: t(context.locale, NOTICE_TEXT[event.notice], { amount: yuan(event.amount) }) }) }] },
    },
    context: ({ input }) => ({
      conversationId: input.conversationId,
      channel: input.channel,
      chatType: input.chatType,
      locale: input.locale,
      referral: input.referral,
      borrowerId: input.borrowerId,
      draft: undefined,
      application: undefined,
      pendingOffer: undefined,
      hasLine: false,
      lastAt: 0,
      lastUserAt: null,
      awaitingResume: false,
      handoffNoticeSent: false,
      staffName: undefined,
      prompt: null,
    }),
    states: {
      // Listed first: its `stamp` runs before the flow region's actions in the same step.
      handoff: {
        initial: 'bot',
        states: {
          bot: {
            on: {
              'user.text': { actions: 'stamp' },
              'user.media': { actions: 'stamp' },
              'deadline.due': { actions: 'stamp' },
              'handoff.request': { target: 'requested', actions: 'stamp' },
              'staff.takeover': { target: 'staff', actions: ['stamp', assign({ staffName: ({ event }) => event.staffName })] },
              'staff.message': { target: 'staff', actions: ['stamp', assign({ staffName: ({ context }) => context.staffName ?? '' }), { type: 'reply', params: ({ event }) => ({ text: event.text }) }] },
            },
          },
          requested: {
            tags: [BUSY_TAG],
            entry: [
              assign({ handoffNoticeSent: false }),
              { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.requested'), options: [{ label: t(context.locale, 'handoff.cancel'), value: '取消' }] }) },
              { type: 'scheduleDeadline', params: ({ context }) => ({ key: 'handoff.timeout', kind: 'handoff.timeout', dueAt: context.lastAt + settings.handoffTimeoutMinutes * MINUTE }) },
            ],
            invoke: {
              id: 'requestHandoff',
              src: 'requestHandoff',
              input: ({ context }) => ({ conversationId: context.conversationId, ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}), reason: 'borrower asked for a human', at: context.lastAt }),
              onDone: 'waiting',
              onError: 'waiting',
            },
          },
          waiting: {
            on: {
              'user.text': [
                {
                  guard: ({ event }) => recognizeCommand(event.text) === 'cancel',
                  target: 'bot',
                  actions: ['stamp', { type: 'cancelDeadline', params: { key: 'handoff.timeout' } }, { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.cancelled') }) }, 'resumeFlow'],
                },
                {
                  guard: ({ context }) => !context.handoffNoticeSent,
                  actions: ['stamp', assign({ handoffNoticeSent: true }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.stillWaiting') }) }],
                },
                { actions: 'stamp' },
              ],
              'user.media': { actions: 'stamp' },
              'staff.takeover': { target: 'staff', actions: ['stamp', assign({ staffName: ({ event }) => event.staffName }), { type: 'cancelDeadline', params: { key: 'handoff.timeout' } }] },
              'deadline.due': [
                {
                  guard: ({ event }) => event.kind === 'handoff.timeout',
                  target: 'bot',
                  actions: ['stamp', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.timeout') }) }, 'resumeFlow'],
                },
                { actions: 'stamp' },
              ],
            },
          },
          staff: {
            entry: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.staffJoined', { name: context.staffName ?? '' }) }) },
            on: {
              'user.text': { actions: 'stamp' },
              'user.media': { actions: 'stamp' },
              'deadline.due': { actions: 'stamp' },
              'staff.takeover': { actions: ['stamp', assign({ staffName: ({ event }) => event.staffName })] },
              'staff.message': { actions: ['stamp', { type: 'reply', params: ({ context, event }) => ({ text: `${context.staffName ? `${context.staffName}：` : ''}${event.text}` }) }] },
              'staff.handback': {
                target: 'bot',
                actions: ['stamp', assign({ staffName: undefined }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.ended') }) }, 'resumeFlow'],
              },
            },
          },
        },
      },      flow: {
        initial: 'new',
        on: {
          // After a hand-off the borrower continues exactly where they were.
          'handoff.resumeFlow': {
            actions: enqueueActions(({ check, context, enqueue }) => {
              const child = activeChild(check);
              if (child) {
                enqueue.sendTo(child, { type: 'flow.tick', at: context.lastAt });
                enqueue.sendTo(child, { type: 'flow.reprompt', at: context.lastAt });
              } else enqueue({ type: 'reply', params: menuReply(context) });
            }),
          },
        },
        states: {
          new: {
            on: {
              // Greet, then let the menu handle the very same words ("我要借款" starts an application at once).
              'user.text': { target: 'menu', actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'greeting', { rate: formatPercent(rateFloor) }) }) }, raise(({ event }) => event)] },
              'user.media': { target: 'menu', actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context, t(context.locale, 'greeting', { rate: formatPercent(rateFloor) })) }] },
            },
          },
          menu: {
            id: 'menu',
            on: {
              'user.media': { guard: 'botActive', actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context, t(context.locale, 'hint.media')) }] },
              'deadline.due': { guard: ({ context, event }) => event.kind === 'offer.expiry' && context.pendingOffer !== undefined, target: 'inFlow.offer' },
              'user.text': [
                { guard: 'notBot', actions: 'stampUser' },
                { guard: is('group_pii'), actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'group.noPersonalData') }) }] },
                {
                  guard: is('go_private'),
                  actions: [
                    'stampUser',
                    {
                      type: 'reply',
                      params: ({ context }) => ({
                        text: t(context.locale, 'group.goPrivate'),
                        card: { type: 'link', title: t(context.locale, 'group.linkTitle'), description: t(context.locale, 'group.linkDescription'), url: `${settings.publicBaseUrl}/${context.referral ? `?ref=${encodeURIComponent(context.referral)}` : ''}` },
                      }),
                    },
                  ],
                },
                { guard: is('human'), actions: ['stampUser', 'requestHuman'] },
                {
                  guard: ({ context, event }) => is('apply')({ context, event }) && context.hasLine,
                  actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'apply.alreadyHasLine'), options: [{ label: t(context.locale, 'menu.draw'), value: 'draw' }, { label: t(context.locale, 'menu.limit'), value: 'limit' }] }) }],
                },
                { guard: ({ context, event }) => is('apply')({ context, event }) && context.pendingOffer !== undefined, target: 'inFlow.offer', actions: 'stampUser' },
                { guard: ({ context, event }) => is('apply')({ context, event }) && context.application !== undefined && context.application.granted === null, target: 'inFlow.authorisation', actions: 'stampUser' },
                { guard: ({ context, event }) => is('apply')({ context, event }) && context.application !== undefined, target: 'inFlow.offer', actions: 'stampUser' },
                { guard: is('apply'), target: 'inFlow.application', actions: 'stampUser' },
                {
                  guard: ({ context, event }) => ['draw', 'repay', 'account', 'revoke'].includes(understand(context, event).kind) && context.borrowerId === undefined,
                  actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'account.none'), options: [{ label: t(context.locale, 'menu.apply'), value: 'apply' }] }) }],
                },
                { guard: is('draw'), target: 'inFlow.drawdown', actions: 'stampUser' },
                { guard: is('repay'), target: 'inFlow.repayment', actions: 'stampUser' },
                { guard: is('account'), target: 'account', actions: 'stampUser' },
                { guard: is('revoke'), target: 'revokeConfirm', actions: 'stampUser' },
                { guard: is('unsubscribe'), target: 'unsubscribing', actions: 'stampUser' },
                {
                  guard: is('locale'),
                  actions: [
                    'stampUser',
                    assign({ locale: ({ context, event }) => (understand(context, event) as { locale: Locale }).locale }),
                    { type: 'reply', params: ({ context }) => menuReply(context) },
                  ],
                },
                {
                  guard: is('faq_list'),
                  actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'faq.list'), options: faq.map((f) => ({ label: f.question[context.locale], value: f.question[context.locale] })) }) }],
                },
                {
                  guard: is('faq'),
                  actions: ['stampUser', { type: 'reply', params: ({ context, event }) => ({ text: faqAnswer(context, (understand(context, event) as { entry: FaqEntry }).entry), options: menuOptions(context.locale) }) }],
                },
                { guard: is('menu'), actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context) }] },
                { actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context, t(context.locale, 'menu.notUnderstood')) }] },
              ],
            },
          },
          /** A sub-flow is running: the borrower's words go to it unless they are a command, an FAQ, or a return after a long gap. */
          inFlow: {
            initial: 'application',
            on: {
              'user.text': [
                { guard: 'notBot', actions: 'stampUser' },
                { guard: 'resumeYes', actions: ['stampUser', assign({ awaitingResume: false }), 'tellReprompt'] },
                { guard: 'resumeMenu', actions: ['stampUser', assign({ awaitingResume: false }), 'tellPause'] },
                {
                  guard: 'longGap',
                  actions: [
                    'stampUser',
                    assign({ awaitingResume: true }),
                    {
                      type: 'reply',
                      params: ({ context }) => ({ text: t(context.locale, 'resume.welcomeBack'), options: [{ label: t(context.locale, 'common.continue'), value: 'continue' }, { label: t(context.locale, 'menu.back'), value: 'menu' }] }),
                    },
                  ],
                },
                { guard: 'cmdHuman', actions: ['stampUser', 'requestHuman'] },
                { guard: 'cmdCancel', actions: ['stampUser', assign({ awaitingResume: false }), 'tellCancel'] },
                { guard: 'cmdBack', actions: ['stampUser', assign({ awaitingResume: false }), 'tellBack'] },
                { guard: 'cmdLater', actions: ['stampUser', assign({ awaitingResume: false }), 'tellPause'] },
                { guard: 'cmdHelp', actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'help.inFlow') }) }, 'tellReprompt'] },
                { guard: 'localeCommand', actions: ['stampUser', 'switchLocale'] },
                {
                  guard: 'faqQuestion',
                  actions: ['stampUser', { type: 'reply', params: ({ context, event }) => ({ text: faqAnswer(context, matchFaq(event.text, faq)!) }) }, 'tellReprompt'],
                },
                { actions: ['stampUser', assign({ awaitingResume: false }), 'forward'] },
              ],
              'user.media': { actions: ['stampUser', 'forward'] },
              'deadline.due': { actions: 'forward' },
            },
            states: {
              application: {
                invoke: {
                  id: 'application',
                  src: 'application',
                  input: ({ context }) => ({
                    conversationId: context.conversationId,
                    channel: context.channel,
                    locale: context.locale,
                    at: context.lastAt,
                    ...(context.draft ? { draft: context.draft } : {}),
                    ...(context.referral ? { referral: context.referral } : {}),
                  }),
                  onDone: [
                    {
                      guard: ({ event }) => (event.output as ApplicationOutput).status === 'submitted',
                      target: 'authorisation',
                      actions: assign(({ event }) => {
                        const out = event.output as Extract<ApplicationOutput, { status: 'submitted' }>;
                        return { borrowerId: out.borrowerId, application: { applicationId: out.applicationId, productId: out.productId, granted: null }, draft: undefined };
                      }),
                    },
                    // The verified person already has something for this product: this chat is now theirs and shows it.
                    {
                      guard: ({ event }) => existingOf(event.output)?.situation === 'in_progress',
                      target: 'authorisation',
                      actions: [
                        assign(({ event }) => {
                          const out = existingOf(event.output)!;
                          return { borrowerId: out.borrowerId, application: { applicationId: out.applicationId!, productId: out.productId, granted: null }, draft: undefined };
                        }),
                        { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'apply.existing.inProgress') }) },
                      ],
                    },
                    {
                      guard: ({ event }) => existingOf(event.output)?.situation === 'offer_pending',
                      target: 'offer',
                      actions: [
                        assign(({ event }) => {
                          const out = existingOf(event.output)!;
                          return { borrowerId: out.borrowerId, pendingOffer: out.pendingOffer, application: undefined, draft: undefined };
                        }),
                        { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'apply.existing.offer') }) },
                      ],
                    },
                    {
                      guard: ({ event }) => existingOf(event.output) !== undefined,
                      target: '#menu',
                      actions: [
                        assign(({ event }) => {
                          const out = existingOf(event.output)!;
                          return { borrowerId: out.borrowerId, hasLine: out.situation === 'has_line', application: undefined, draft: undefined };
                        }),
                        {
                          type: 'reply',
                          params: ({ context, event }) =>
                            existingOf(event.output)!.situation === 'has_line'
                              ? { text: t(context.locale, 'apply.existing.line'), options: [{ label: t(context.locale, 'menu.draw'), value: 'draw' }, { label: t(context.locale, 'menu.limit'), value: 'limit' }] }
                              : menuReply(context, t(context.locale, 'apply.existing.review')),
                        },
                      ],
                    },
                    { guard: ({ event }) => (event.output as ApplicationOutput).status === 'identity_mismatch', target: '#menu', actions: assign({ draft: undefined }) },
                    {
                      target: '#menu',
                      actions: [
                        assign({ draft: ({ event }) => ((event.output as ApplicationOutput).status === 'paused' ? (event.output as { draft: ApplicationDraft }).draft : undefined) }),
                        { type: 'reply', params: ({ context }) => menuReply(context) },
                      ],
                    },
                  ],
                },
              },
              authorisation: {
                invoke: {
                  id: 'consent',
                  src: 'consent',
                  input: ({ context }) => ({
                    conversationId: context.conversationId,
                    channel: context.channel,
                    locale: context.locale,
                    at: context.lastAt,
                    borrowerId: context.borrowerId!,
                    applicationId: context.application!.applicationId,
                    productId: context.application!.productId,
                  }),
                  onDone: [
                    {
                      guard: ({ event }) => (event.output as ConsentOutput).status === 'granted',
                      target: 'offer',
                      actions: assign({ application: ({ context, event }) => ({ ...context.application!, granted: (event.output as { granted: DataSource[] }).granted }) }),
                    },
                    { target: '#menu', actions: { type: 'reply', params: ({ context }) => menuReply(context) } },
                  ],
                },
              },
              offer: {
                invoke: {
                  id: 'offer',
                  src: 'offer',
                  input: ({ context }) => ({
                    conversationId: context.conversationId,
                    channel: context.channel,
                    locale: context.locale,
                    at: context.lastAt,
                    borrowerId: context.borrowerId!,
                    applicationId: context.pendingOffer?.applicationId ?? context.application!.applicationId,
                    productId: context.pendingOffer?.productId ?? context.application!.productId,
                    granted: context.application?.granted ?? [],
                    ...(context.pendingOffer ? { pending: context.pendingOffer } : {}),
                  }),
                  onDone: {
                    target: '#menu',
                    actions: assign(({ context, event }) => {
                      const out = event.output as OfferOutput;
                      switch (out.status) {
                        case 'accepted':
                        case 'has_line':
                          return { hasLine: true, pendingOffer: undefined, application: undefined };
                        case 'later':
                          return { pendingOffer: out.pending, application: undefined };
                        case 'failed':
                          return { pendingOffer: undefined, application: context.application };
                        default:
                          return { pendingOffer: undefined, application: undefined };
                      }
                    }),
                  },
                },
              },
              drawdown: {
                invoke: {
                  id: 'drawdown',
                  src: 'drawdown',
                  input: ({ context }) => ({ conversationId: context.conversationId, channel: context.channel, locale: context.locale, at: context.lastAt, borrowerId: context.borrowerId! }),
                  onDone: '#menu',
                },
              },
              repayment: {
                invoke: {
                  id: 'repayment',
                  src: 'repayment',
                  input: ({ context }) => ({ conversationId: context.conversationId, channel: context.channel, locale: context.locale, at: context.lastAt, borrowerId: context.borrowerId! }),
                  onDone: '#menu',
                },
              },
            },
          },
          account: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'loadAccount',
              src: 'loadAccount',
              input: ({ context }) => ({ borrowerId: context.borrowerId!, at: context.lastAt }),
              onDone: [
                {
                  guard: ({ event }) => event.output.lines.length > 0,
                  target: 'menu',
                  actions: [
                    assign({ hasLine: ({ event }) => event.output.lines.some((l) => l.status === 'active') }),
                    enqueueActions(({ context, event, enqueue }) => {
                      for (const line of event.output.lines) {
                        enqueue({
                          type: 'reply',
                          params: {
                            text: t(context.locale, 'account.summary', {
                              product: context.locale === 'en' ? line.productNameEn : line.productNameZh,
                              available: yuan(line.available),
                              limit: yuan(line.limit),
                              outstanding: yuan(line.outstanding),
                              next: line.nextDue ? `${line.nextDue.date} ¥${yuan(line.nextDue.amount)}` : t(context.locale, 'account.nothingDue'),
                            }),
                            card: accountCard(line),
                            options: [
                              { label: t(context.locale, 'menu.draw'), value: 'draw' },
                              { label: t(context.locale, 'menu.repay'), value: 'repay' },
                            ],
                            sensitive: true,
                          },
                        });
                      }
                    }),
                  ],
                },
                { guard: ({ event }) => event.output.pendingOffer !== undefined, target: 'inFlow.offer', actions: assign({ pendingOffer: ({ event }) => event.output.pendingOffer }) },
                { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'account.none'), options: [{ label: t(context.locale, 'menu.apply'), value: 'apply' }] }) } },
              ],
              onError: { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
            },
          },
          revokeConfirm: {
            entry: [
              assign({ prompt: ({ context }) => ({ text: t(context.locale, 'revoke.confirm'), options: [{ label: t(context.locale, 'revoke.yes'), value: 'yes' }, { label: t(context.locale, 'common.cancel'), value: 'no' }] }) }),
              { type: 'reply', params: ({ context }) => context.prompt! },
            ],
            on: {
              'user.text': [
                { guard: 'notBot', actions: 'stampUser' },
                { guard: ({ context, event }) => pickOption(event.text, context.prompt!.options!)?.value === 'yes' || /^(确认|确认撤回|是)$/.test(normalizeText(event.text)), target: 'revoking', actions: 'stampUser' },
                { target: 'menu', actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context, t(context.locale, 'revoke.kept')) }] },
              ],
            },
          },
          revoking: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'revokeConsent',
              src: 'revokeConsent',
              input: ({ context }) => ({ borrowerId: context.borrowerId!, sources: [...DATA_SOURCES], channel: context.channel, at: context.lastAt }),
              onDone: { target: 'menu', actions: { type: 'reply', params: ({ context, event }) => ({ text: t(context.locale, event.output.revoked.length ? 'revoke.done' : 'revoke.nothing', { count: event.output.revoked.length }) }) } },
              onError: { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
            },
          },
          unsubscribing: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'setMarketingOptOut',
              src: 'setMarketingOptOut',
              input: ({ context }) => ({ conversationId: context.conversationId, ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}), optOut: true, at: context.lastAt }),
              onDone: { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'unsubscribe.done') }) } },
              onError: { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
            },
          },
        },
      },
    },
  });
}

const textOf = (event: SessionEvent): string => (event.type === 'user.text' ? event.text : '');
const eventAt = (event: SessionEvent): number => ('at' in event ? event.at : 0);

/** Where the conversation stands, for the staff console and the runtime's status columns: `application.mobile`, `menu`, … */
export function describeStep(value: unknown, children: Record<string, AnyActorRef | undefined>): string {
  let flow: unknown = (value as { flow?: unknown }).flow ?? 'menu';
  const path: string[] = [];
  while (flow && typeof flow === 'object') {
    const [key, inner] = Object.entries(flow)[0]!;
    path.push(key);
    flow = inner;
  }
  path.push(String(flow));
  const top = path[path.length - 1]!;
  const child = CHILD_IDS.map((id) => children[id]).find(Boolean);
  if (!child) return top;
  const snap = child.getSnapshot() as { value: unknown; context?: { field?: string | null } };
  const inner = snap.context?.field ?? (typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value));
  return `${top}.${inner}`;
}
