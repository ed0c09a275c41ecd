import { and, assign, enqueueActions, not, raise, setup, stateIn, type AnyActorRef } from 'xstate';
import { DATA_SOURCES, shanghaiDateOf, type DataSource, type Fen, type Product } from '../../core/index.js';
import { createApplicationMachine, type ApplicationOutput } from '../application/applicationMachine.js';
import type { ApplicationDraft } from '../application/applicationFields.js';
import { createConsentMachine, type ConsentOutput } from '../consent/consentMachine.js';
import { createDrawdownMachine, type DrawdownOutput } from '../drawdown/drawdownMachine.js';
import type { ConversationEvent, PaymentNotice } from '../events.js';
import { looksLikeQuestion, matchFaq, type FaqEntry } from '../faq/faqTable.js';
import type { AccountView, PendingOffer } from '../host.js';
import { createOfferMachine, type OfferOutput } from '../offer/offerMachine.js';
import type { Reply, ReplyOption } from '../reply.js';
import { createRenewalMachine } from '../renewal/renewalMachine.js';
import { createRepaymentMachine, type RepaymentOutput } from '../repayment/repaymentMachine.js';
import { BUSY_TAG, type ConversationStart } from '../runtimeContract.js';
import { accountCard, yuan } from '../shared/cards.js';
import type { ChildEvent } from '../shared/childEvents.js';
import type { FlowSettings } from '../shared/flowSettings.js';
import { canTap } from '../shared/optionHint.js';
import { effect } from '../shared/notProvided.js';
import { sinkDefaults } from '../shared/sinkDefaults.js';
import { t, type Locale } from '../text/translate.js';
import { normalizeText } from '../understanding/normalizeText.js';
import { pickOption } from '../understanding/pickOption.js';
import { recognizeCommand } from '../understanding/recognizeIntent.js';
import { chosenValue, numberNotShown, readNumber, type ShownEvent } from './shownOptions.js';
import { complaintOpenedReply, statusBeforeApplying, statusInFlow, statusReplies, workOrderReply } from './statusReplies.js';
import { effectKey } from '../shared/effectKeys.js';
import { faqParams, greetingText, type RateAudience } from './rateTalk.js';
import { menuOptions, understandMenuText, type MenuAction } from './understandMenuText.js';
import { isNoticeTemplate, noticeReply, NOTICE_ANSWERS } from '../notices/noticeCatalog.js';
import { collectionOpenedReply, noticeAnswerOf, paidReply, type NoticeAnswer } from './noticeAnswers.js';

/** Sub-flows the session runs as invoked child machines, one at a time. */
const NOTICE_TEXT = {
  'drawdown.completed': 'notice.drawdownCompleted',
  'drawdown.undone': 'notice.drawdownUndone',
  'repayment.completed': 'notice.repaymentCompleted',
  'repayment.voided': 'notice.repaymentVoided',
} as const satisfies Record<PaymentNotice, string>;

export const CHILD_IDS = ['application', 'consent', 'offer', 'drawdown', 'repayment', 'renewal'] as const;
export type ChildId = (typeof CHILD_IDS)[number];
/** Which state of the session runs which sub-flow. */
const CHILD_STATES = [
  ['application', 'application'],
  ['authorisation', 'consent'],
  ['offer', 'offer'],
  ['drawdown', 'drawdown'],
  ['repayment', 'repayment'],
  ['renewal', 'renewal'],
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
  readonly application:
    | { readonly applicationId: string; readonly productId: string; readonly granted: readonly DataSource[] | null; /** 一键激活: the pre-approved limit this application activates. */ readonly precredit?: { readonly limit: Fen; readonly annualRate: number } }
    | undefined;
  readonly pendingOffer: PendingOffer | undefined;
  readonly hasLine: boolean;
  readonly lastAt: number;
  /** When the borrower last wrote; a long gap inside a flow prompts "continue?". */
  readonly lastUserAt: number | null;
  readonly awaitingResume: boolean;
  readonly handoffNoticeSent: boolean;
  readonly staffName: string | undefined;
  /** The person's 工号 (employee number), when the host gave one. */
  readonly staffNo?: string | undefined;
  /** The contract rate of the borrower's line, once seen (the rate FAQ quotes it). */
  readonly lineRate?: number;
  readonly prompt: Reply | null;
  /**
   * The options of the reply the borrower saw last, whichever machine sent it ([] when it had
   * none): a typed number or label is read against these before anything else. Absent in a
   * conversation stored before it was kept (the main menu is then assumed at the menu).
   */
  readonly shown?: readonly ReplyOption[];
  /** An application waiting for a person's review (its id): "申请" then says so instead of starting another. */
  readonly underReview?: string;
  /** An amount the borrower named with their request ("我想借5万"), carried into the flow it starts. */
  readonly requestedAmount?: Fen;
  /** The reviewer's act last told (review.decided's reviewId): the same act dispatched again is told once. */
  readonly lastReviewId?: string;
  /** A reviewer asked a question: the borrower's next free-text words at the menu are taken as the answer. */
  readonly reviewAsked?: boolean;
  /** A complaint being opened: the borrower's words and the key of the message that said them (a redelivery opens no second one). */
  readonly complaint?: { readonly text: string; readonly key: string };
  /** "工单 GD…": the number asked about. */
  readonly workOrderNumber?: string;
  /** 续贷: the message that asked, which keys the renewal's pull and decision. */
  readonly renewalRequest?: string;
  /** A renewal invitation was told and not yet answered: the menu offers 续贷. */
  readonly renewalInvited?: boolean;
  /** Post-loan notices told lately (their noticeId): the same notice dispatched again is told once. */
  readonly noticesTold?: readonly string[];
  /** The last post-loan notice told: what 已还 checks. */
  readonly lastNotice?: { readonly template: string; readonly drawdownId?: string; readonly dueDate?: string };
  /** 还款 tapped on a notice: the repayment opens on the amount due. */
  readonly repayDue?: boolean;
  /** An answer to a notice being handled (已还 / 转人工) and the key of the message that said it. */
  readonly noticeAnswer?: { readonly answer: NoticeAnswer; readonly key: string; readonly text: string };
}

/** Internal events the session raises to itself. */
type SessionEvent =
  | ConversationEvent
  | ShownEvent
  | { readonly type: 'handoff.request'; readonly at: number }
  | { readonly type: 'handoff.resumeFlow'; readonly at: number }
  /** 投诉 said at the menu or inside a sub-flow: the complaint region opens the work order beside whatever runs. */
  | { readonly type: 'complaint.open'; readonly text: string; readonly key: string; readonly at: number }
  /** 已还 / 转人工 answering a post-loan notice: the postLoan region checks the line or opens a collection work order. */
  | { readonly type: 'notice.answer'; readonly answer: NoticeAnswer; readonly text: string; readonly key: string; readonly at: number };

export interface SessionDeps {
  readonly products: readonly Product[];
  readonly faq: readonly FaqEntry[];
  readonly settings: FlowSettings;
}

const MINUTE = 60_000;
const NOTHING_SHOWN: readonly ReplyOption[] = [];

/** The sub-flow machines; the host provides their effects before handing them to the session. */
export function createSessionChildren(products: readonly Product[], settings: FlowSettings) {
  return {
    application: createApplicationMachine(products, settings),
    consent: createConsentMachine(products, settings),
    offer: createOfferMachine(products, settings),
    drawdown: createDrawdownMachine(),
    repayment: createRepaymentMachine(),
    renewal: createRenewalMachine(products, settings),
  };
}
export type SessionChildren = ReturnType<typeof createSessionChildren>;

/**
 * session: greets, shows the numbered menu, recognises intents, answers FAQs, starts and resumes
 * sub-flows, and runs the human hand-off beside them (a parallel region, so a hand-back resumes
 * exactly where the borrower was).
 */
export function createSessionMachine({ products, faq, settings }: SessionDeps, children: SessionChildren = createSessionChildren(products, settings)) {
  const productOf = (id: string | undefined) => products.find((p) => p.id === id);
  /** Whose rate a greeting or the rate FAQ talks about: this borrower's line or offer, else the products they could get. */
  const audience = (ctx: SessionContext, self?: AnyActorRef): RateAudience => {
    const segment = productOf(ctx.application?.productId ?? ctx.pendingOffer?.productId ?? ctx.draft?.productId ?? applyingFor(self))?.segment;
    return {
      locale: ctx.locale,
      ...(segment ? { segment } : {}),
      ...(ctx.lineRate !== undefined ? { lineRate: ctx.lineRate } : {}),
      ...(ctx.pendingOffer ? { offeredRate: ctx.pendingOffer.annualRate } : {}),
    };
  };
  const greeting = (ctx: SessionContext) => greetingText(products, audience(ctx));
  /** A staff member's words go out as theirs (sender), as written: channels show who speaks. */
  const staffReply = (ctx: SessionContext, event: Extract<SessionEvent, { type: 'staff.message' }>): Reply => ({ text: event.text, sender: { kind: 'staff', name: event.staffName ?? ctx.staffName ?? '' } });
  const menuReply = (ctx: SessionContext, lead?: string): Reply => ({
    text: `${lead ? `${lead}\n` : ''}${t(ctx.locale, 'menu.title')}`,
    // While a renewal invitation is open, the menu offers it too.
    options: ctx.renewalInvited ? [...menuOptions(ctx.locale), { label: t(ctx.locale, 'renewal.start'), value: '续贷' }] : menuOptions(ctx.locale),
  });
  /** The product an application under way is for (the application sub-flow holds its draft). */
  const applyingFor = (self: AnyActorRef | undefined): string | undefined => {
    const child = (self?.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children?.application;
    return (child?.getSnapshot() as { context?: { draft?: { productId?: string } } } | undefined)?.context?.draft?.productId;
  };
  const faqAnswer = (ctx: SessionContext, entry: FaqEntry, self?: AnyActorRef): string => {
    const params = faqParams(products, audience(ctx, self));
    return t(ctx.locale, 'faq.answer', { answer: entry.answer[ctx.locale] }).replace(/\{(\w+)\}/g, (w, k: string) => params[k] ?? w);
  };
  /** The options on the borrower's screen; at the menu of a conversation stored before they were kept, the main menu. */
  const shownOf = (ctx: SessionContext, atMenu = false): readonly ReplyOption[] => ctx.shown ?? (atMenu ? menuOptions(ctx.locale) : NOTHING_SHOWN);
  /** What the borrower said, an option number or label read as that option's value (what its tap sends). */
  // Every in-flow guard asks what the same event said, against the same options: read once per both.
  const saidBefore = new WeakMap<object, { shown: readonly ReplyOption[]; value: string }>();
  const said = (ctx: SessionContext, event: SessionEvent, atMenu = false): string => {
    if (event.type !== 'user.text') return '';
    const shown = shownOf(ctx, atMenu);
    const before = saidBefore.get(event);
    if (before?.shown === shown) return before.value;
    const value = chosenValue(event.text, shown);
    saidBefore.set(event, { shown, value });
    return value;
  };
  // The menu's guards all ask what the same event means: understand it once per event.
  const understood = new WeakMap<object, MenuAction>();
  const understand = (ctx: SessionContext, event: SessionEvent): MenuAction => {
    if (event.type !== 'user.text') return { kind: 'unknown' };
    let action = understood.get(event);
    if (!action) {
      action = understandMenuText(said(ctx, event, true), { locale: ctx.locale, chatType: ctx.chatType, faq });
      understood.set(event, action);
    }
    return action;
  };
  const amountOf = (ctx: SessionContext, event: SessionEvent): Fen | undefined => {
    const action = understand(ctx, event);
    return action.kind === 'apply' || action.kind === 'draw' ? action.amount : undefined;
  };
  /** The account card of each line, with what can be done next. */
  const lineReplies = (ctx: SessionContext, view: AccountView): Reply[] =>
    view.lines.map((line) => ({
      text: t(ctx.locale, 'account.summary', {
        product: ctx.locale === 'en' ? line.productNameEn : line.productNameZh,
        available: yuan(line.available),
        limit: yuan(line.limit),
        outstanding: yuan(line.outstanding),
        next: line.nextDue ? `${line.nextDue.date} ¥${yuan(line.nextDue.amount)}` : t(ctx.locale, 'account.nothingDue'),
      }),
      card: accountCard(line),
      options: [
        { label: t(ctx.locale, 'menu.draw'), value: 'draw' },
        { label: t(ctx.locale, 'menu.repay'), value: 'repay' },
      ],
      sensitive: true,
    }));
  /** While a person is on the way, the one thing to choose is not to wait: "1" keeps meaning 取消转人工. */
  const waitingForPerson = (ctx: SessionContext, reply: Reply): Reply => ({ ...reply, options: [{ label: t(ctx.locale, 'handoff.cancel'), value: '取消' }] });
  /** In a flow: a command or question the session answers itself, on what the borrower said. */
  const command = (ctx: SessionContext, event: SessionEvent) => recognizeCommand(said(ctx, event));
  const hardshipReply = (ctx: SessionContext, inFlow: boolean): Reply => {
    const entry = faq.find((f) => f.id === 'hardship');
    return {
      text: entry ? faqAnswer(ctx, entry) : t(ctx.locale, 'hardship.contact'),
      options: [{ label: t(ctx.locale, 'menu.human'), value: '转人工' }, inFlow ? { label: t(ctx.locale, 'menu.continueFlow'), value: 'continue' } : { label: t(ctx.locale, 'menu.back'), value: 'menu' }],
    };
  };
  const is = (kind: MenuAction['kind']) => ({ context, event }: { context: SessionContext; event: SessionEvent }) => understand(context, event).kind === kind;
  /** The sub-flow running now (at most one), read from the state so it also works in pure transitions. */
  type Check = (guard: never) => boolean;
  const activeChild = (check: Check): ChildId | undefined => CHILD_STATES.find(([state]) => check(stateIn({ flow: { inFlow: state } }) as never))?.[1];

  const { application, consent, offer, drawdown, repayment, renewal } = children;
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
      /** The runtime's sink replaces this (keeping the record: replyRecordingShown); alone, the session still records what it shows. */
      reply: assign<SessionContext, SessionEvent, Reply, SessionEvent, never>((_, reply) => ({ shown: reply.options ?? [] })),
      stamp: assign({ lastAt: ({ context, event }) => ('at' in event ? event.at : context.lastAt) }),
      stampUser: assign({ lastUserAt: ({ context, event }) => (event.type === 'user.text' || event.type === 'user.media' ? event.at : context.lastUserAt) }),
      /** Passes the event to the running sub-flow, after a tick so the child knows the time. */
      forward: enqueueActions(({ check, context, event, enqueue }) => {
        const child = activeChild(check);
        if (!child) return;
        enqueue.sendTo(child, { type: 'flow.tick', at: eventAt(event) });
        // An option chosen by its number or label reaches the sub-flow as its value, as a tap would.
        enqueue.sendTo(child, (event.type === 'user.text' ? { ...event, text: said(context, event) } : event) as ChildEvent);
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
      /** A sub-flow under way asks its question again (after something said beside it); at the menu, nothing. */
      repromptFlow: enqueueActions(({ check, context, enqueue }) => {
        const child = activeChild(check);
        if (!child) return;
        enqueue.sendTo(child, { type: 'flow.tick', at: context.lastAt });
        enqueue.sendTo(child, { type: 'flow.reprompt', at: context.lastAt });
      }),
      /** Keyed by the message that said it, so a redelivered message opens no second work order. */
      openComplaint: raise(({ context, event }) => ({
        type: 'complaint.open' as const,
        text: textOf(event).slice(0, 500),
        key: effectKey('complaint', context.conversationId, event.type === 'user.text' ? event.id : String(eventAt(event))),
        at: eventAt(event),
      })),
      resumeFlow: raise(({ context }) => ({ type: 'handoff.resumeFlow' as const, at: context.lastAt })),
      /** Keeps whether an application waits for a person's review, as the host says. */
      noteReview: assign(({ event }) => {
        const view = (event as unknown as { output: AccountView }).output;
        return { underReview: view.application?.status === 'under_review' ? view.application.applicationId : undefined };
      }),
      sayStatusInFlow: enqueueActions(({ check, context, enqueue }) => {
        const child = activeChild(check);
        const reply = { text: child ? statusInFlow(child, context.locale) : t(context.locale, 'status.hasLine') };
        enqueue({ type: 'reply', params: check(stateIn({ handoff: 'bot' }) as never) ? reply : waitingForPerson(context, reply) });
      }),
      sayStatusBeforeApplying: enqueueActions(({ check, context, enqueue }) => {
        const reply = statusBeforeApplying(context.locale, context.draft !== undefined);
        enqueue({ type: 'reply', params: check(stateIn({ handoff: 'bot' }) as never) ? reply : waitingForPerson(context, reply) });
      }),
      stillWaiting: enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'reply', params: waitingForPerson(context, { text: t(context.locale, context.handoffNoticeSent ? 'handoff.noted' : 'handoff.stillWaiting') }) });
        enqueue.assign({ handoffNoticeSent: true });
      }),
      /** A post-loan notice, told wherever the borrower is (quick replies only at the menu); a sub-flow then asks its question again. */
      tellNotice: enqueueActions(({ check, context, event, enqueue }) => {
        if (event.type !== 'postloan.notice' || !isNoticeTemplate(event.template) || context.chatType !== 'private') return;
        const child = activeChild(check);
        const atMenu = (check(stateIn({ flow: 'menu' }) as never) || check(stateIn({ flow: 'new' }) as never)) && check(stateIn({ handoff: 'bot' }) as never);
        const drawdownId = typeof event.params.drawdownId === 'string' ? event.params.drawdownId : undefined;
        const dueDate = typeof event.params.dueDate === 'string' ? event.params.dueDate : undefined;
        enqueue.assign({
          noticesTold: [...(context.noticesTold ?? []), event.noticeId].slice(-20),
          lastNotice: { template: event.template, ...(drawdownId ? { drawdownId } : {}), ...(dueDate ? { dueDate } : {}) },
          ...(event.template === 'renewal.invite' ? { renewalInvited: true } : {}),
        });
        enqueue({ type: 'reply', params: noticeReply(event.template, event.params, context.locale, atMenu) });
        if (child) {
          enqueue.sendTo(child, { type: 'flow.tick', at: event.at });
          enqueue.sendTo(child, { type: 'flow.reprompt', at: event.at });
        } else if (check(stateIn({ flow: 'revokeConfirm' }) as never) && context.prompt) enqueue({ type: 'reply', params: context.prompt });
      }),
      /** 已还 / 转人工 answering a notice, keyed by the message that said it (a redelivery opens no second work order). */
      answerNotice: raise(({ context, event }) => ({
        type: 'notice.answer' as const,
        answer: noticeAnswerOf(said(context, event))!,
        text: textOf(event).slice(0, 200),
        key: effectKey('collection', context.conversationId, event.type === 'user.text' ? event.id : String(eventAt(event))),
        at: eventAt(event),
      })),
      /** A reviewer's decision or question, told wherever the borrower is; a sub-flow then asks its question again. */
      tellReview: enqueueActions(({ check, context, event, enqueue }) => {
        if (event.type !== 'review.decided') return;
        const child = activeChild(check);
        const locale = context.locale;
        // Options only where the borrower's next words reach the menu (elsewhere a question is pending and follows); waiting for a person, "1" keeps meaning 取消转人工.
        const atMenu = check(stateIn({ flow: 'menu' }) as never);
        const withOptions = (reply: Reply, options: ReplyOption[]): Reply =>
          !atMenu ? reply : check(stateIn({ handoff: 'bot' }) as never) ? { ...reply, options } : check(stateIn({ handoff: 'staff' }) as never) ? reply : waitingForPerson(context, reply);
        enqueue.assign({ lastReviewId: event.reviewId });
        switch (event.outcome) {
          case 'approved':
            enqueue.assign({ pendingOffer: event.offer, underReview: undefined, reviewAsked: false });
            enqueue({
              type: 'reply',
              params: withOptions({ text: t(locale, 'review.approvedLater', { limit: yuan(event.offer.limit), expires: shanghaiDateOf(event.offer.offerExpiresAt) }), sensitive: true }, [{ label: t(locale, 'status.confirmOffer'), value: 'apply' }]),
            });
            break;
          case 'declined':
            enqueue.assign({ underReview: undefined, reviewAsked: false });
            enqueue({ type: 'reply', params: withOptions({ text: t(locale, 'review.declined', { explanation: event.text }), sensitive: true }, [{ label: t(locale, 'menu.human'), value: '转人工' }]) });
            break;
          case 'info_requested':
            enqueue.assign({ reviewAsked: true });
            enqueue({ type: 'reply', params: { text: t(locale, 'review.question') } });
            enqueue({ type: 'reply', params: { text: event.text, sender: { kind: 'staff', name: event.staffName } } });
            break;
        }
        if (child) {
          enqueue.sendTo(child, { type: 'flow.tick', at: event.at });
          enqueue.sendTo(child, { type: 'flow.reprompt', at: event.at });
        } else if (check(stateIn({ flow: 'revokeConfirm' }) as never) && context.prompt) enqueue({ type: 'reply', params: context.prompt });
      }),
    },
    actors: {
      application,
      consent,
      offer,
      drawdown,
      repayment,
      renewal,
      loadAccount: effect('loadAccount'),
      revokeConsent: effect('revokeConsent'),
      setMarketingOptOut: effect('setMarketingOptOut'),
      requestHandoff: effect('requestHandoff'),
      openComplaint: effect('openComplaint'),
      openCollectionOrder: effect('openCollectionOrder'),
      workOrderStatus: effect('workOrderStatus'),
    },
    guards: {
      botActive: stateIn({ handoff: 'bot' }),
      notBot: not(stateIn({ handoff: 'bot' })),
      resumeYes: ({ context, event }) => context.awaitingResume && /^(继续|好|好的|是|ok|yes|continue)$/.test(normalizeText(said(context, event))),
      resumeMenu: ({ context, event }) => context.awaitingResume && /^(返回|菜单|主菜单|返回主菜单|menu)$/.test(normalizeText(said(context, event))),
      /** "继续" (an option's value): the sub-flow asks its question again. */
      wantsContinue: ({ context, event }) => said(context, event) === 'continue',
      /** "返回主菜单": the sub-flow is left (paused, where it can be) for the menu. */
      wantsMenu: ({ context, event }) => said(context, event) === 'menu' || /^(返回主菜单|回主菜单|回到主菜单)$/.test(normalizeText(textOf(event))),
      statusQuery: ({ context, event }) => command(context, event) === 'status',
      knownBorrower: ({ context }) => context.borrowerId !== undefined,
      hardship: ({ context, event }) => command(context, event) === 'hardship',
      longGap: ({ context, event }) => context.lastUserAt !== null && !context.awaitingResume && eventAt(event) - context.lastUserAt > settings.resumeAfterMinutes * MINUTE,
      cmdHuman: ({ context, event }) => command(context, event) === 'human',
      cmdCancel: ({ context, event }) => command(context, event) === 'cancel',
      cmdBack: ({ context, event }) => command(context, event) === 'back',
      cmdLater: ({ context, event }) => command(context, event) === 'later',
      cmdHelp: ({ context, event }) => command(context, event) === 'help',
      localeCommand: ({ context, event }) => ['english', 'chinese'].includes(command(context, event) ?? ''),
      faqQuestion: ({ event }) => looksLikeQuestion(textOf(event)) && matchFaq(textOf(event), faq) !== undefined,
      /** The same reviewer's act dispatched again (a retried request): told once. */
      reviewToldBefore: ({ context, event }) => event.type === 'review.decided' && event.reviewId === context.lastReviewId,
      noticeToldBefore: ({ context, event }) => event.type === 'postloan.notice' && (context.noticesTold ?? []).includes(event.noticeId),
      /** 已还 or 转人工 said in answer to a notice (its option, or 已还 in words), by a known borrower (已还 without a notice checks every line). */
      noticeAnswer: ({ context, event }) => context.borrowerId !== undefined && noticeAnswerOf(said(context, event)) !== undefined,
      noticeRepay: ({ context, event }) => context.borrowerId !== undefined && said(context, event) === NOTICE_ANSWERS.repay,
    },
  }).createMachine({
    id: 'session',
    type: 'parallel',
    on: {
      // A sub-flow's reply: its options are now the ones shown.
      'flow.shown': { actions: assign({ shown: ({ event }) => event.options }) },
      // A payment the borrower was told is "processing", settled later: told whatever they are doing now.
      'system.notice': { actions: ['stamp', { type: 'reply', params: ({ context, event }) => ({ text: t(context.locale, NOTICE_TEXT[event.notice], { amount: yuan(event.amount) }) }) }] },
      // A reminder or another post-loan notice: told whatever they are doing, once per noticeId.
      'postloan.notice': [{ guard: 'noticeToldBefore', actions: 'stamp' }, { actions: ['stamp', 'tellNotice'] }],
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
      shown: [],
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
              'staff.takeover': { target: 'staff', actions: ['stamp', assign({ staffName: ({ event }) => event.staffName, staffNo: ({ event }) => event.staffNo })] },
              'staff.message': { target: 'staff', actions: ['stamp', assign({ staffName: ({ context, event }) => event.staffName ?? context.staffName ?? '', staffNo: ({ context, event }) => (event.staffName ? event.staffNo : context.staffNo) }), { type: 'reply', params: ({ context, event }) => staffReply(context, event) }] },
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
                  guard: ({ context, event }) => command(context, event) === 'cancel',
                  target: 'bot',
                  actions: ['stamp', { type: 'cancelDeadline', params: { key: 'handoff.timeout' } }, { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.cancelled') }) }, 'resumeFlow'],
                },
                // Every message is answered while the person is on the way: once at length, then briefly.
                { actions: ['stamp', 'stillWaiting'] },
              ],
              'user.media': { actions: ['stamp', 'stillWaiting'] },
              'staff.takeover': { target: 'staff', actions: ['stamp', assign({ staffName: ({ event }) => event.staffName, staffNo: ({ event }) => event.staffNo }), { type: 'cancelDeadline', params: { key: 'handoff.timeout' } }] },
              // A person answers without taking over first: they have joined all the same.
              'staff.message': {
                target: 'staff',
                actions: ['stamp', assign({ staffName: ({ context, event }) => event.staffName ?? context.staffName ?? '', staffNo: ({ context, event }) => (event.staffName ? event.staffNo : context.staffNo) }), { type: 'cancelDeadline', params: { key: 'handoff.timeout' } }, { type: 'reply', params: ({ context, event }) => staffReply(context, event) }],
              },
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
            entry: { type: 'reply', params: ({ context }) => ({ text: context.staffNo ? t(context.locale, 'handoff.staffJoinedNo', { name: context.staffName ?? '', no: context.staffNo }) : t(context.locale, 'handoff.staffJoined', { name: context.staffName ?? '' }) }) },
            on: {
              'user.text': { actions: 'stamp' },
              'user.media': { actions: 'stamp' },
              'deadline.due': { actions: 'stamp' },
              'staff.takeover': { actions: ['stamp', assign({ staffName: ({ event }) => event.staffName, staffNo: ({ event }) => event.staffNo })] },
              'staff.message': { actions: ['stamp', { type: 'reply', params: ({ context, event }) => staffReply(context, event) }] },
              'staff.handback': {
                target: 'bot',
                actions: ['stamp', assign({ staffName: undefined, staffNo: undefined }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'handoff.ended') }) }, 'resumeFlow'],
              },
            },
          },
        },
      },      flow: {
        initial: 'new',
        on: {
          'review.decided': [{ guard: 'reviewToldBefore', actions: 'stamp' }, { actions: ['stamp', 'tellReview'] }],
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
              'user.text': [
                // The channel showed the greeting already (the web page): straight to what they asked.
                { guard: ({ event }) => event.greeted === true, target: 'menu', actions: ['stampUser', raise(({ event }) => event)] },
                // 退订 as the first words (a reply to a campaign): no greeting with rates, just the opt-out.
                { guard: is('unsubscribe'), target: 'menu', actions: ['stampUser', raise(({ event }) => event)] },
                { target: 'menu', actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: greeting(context) }) }, raise(({ event }) => event)] },
              ],
              'user.media': { target: 'menu', actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context, greeting(context)) }] },
            },
          },
          menu: {
            id: 'menu',
            on: {
              'user.media': { guard: 'botActive', actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context, t(context.locale, 'hint.media')) }] },
              'deadline.due': { guard: ({ context, event }) => event.kind === 'offer.expiry' && context.pendingOffer !== undefined, target: 'inFlow.offer' },
              // Approved in review while at the menu with the bot: the offer at once, as after an automatic approval.
              'review.decided': [
                { guard: 'reviewToldBefore', actions: 'stamp' },
                {
                  guard: and([({ event }) => event.type === 'review.decided' && event.outcome === 'approved', 'botActive']),
                  target: 'inFlow.offer',
                  actions: [
                    'stamp',
                    assign(({ event }) => (event.type === 'review.decided' && event.outcome === 'approved' ? { pendingOffer: event.offer, underReview: undefined, reviewAsked: false, lastReviewId: event.reviewId } : {})),
                    { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'review.approved') }) },
                  ],
                },
                { actions: ['stamp', 'tellReview'] },
              ],
              'user.text': [
                // Waiting for a person, "进度" is still answered here (the hand-off region says the person is coming).
                { guard: and([stateIn({ handoff: 'waiting' }), 'statusQuery', 'knownBorrower']), target: 'status', actions: 'stampUser' },
                { guard: and([stateIn({ handoff: 'waiting' }), 'statusQuery']), actions: ['stampUser', 'sayStatusBeforeApplying'] },
                { guard: 'notBot', actions: 'stampUser' },
                // Answers to a reminder: 还款 opens the repayment on the amount due; 已还 and 转人工 go to the postLoan region.
                { guard: 'noticeRepay', target: 'inFlow.repayment', actions: ['stampUser', assign({ repayDue: true })] },
                { guard: 'noticeAnswer', actions: ['stampUser', 'answerNotice'] },
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
                // 投诉: a complaint work order, keyed by this message.
                { guard: is('complaint'), actions: ['stampUser', 'openComplaint'] },
                {
                  guard: is('work_order'),
                  target: 'workOrders',
                  actions: ['stampUser', assign({ workOrderNumber: ({ context, event }) => (understand(context, event) as { number?: string }).number })],
                },
                // After a reviewer's question, words the menu does not understand (or a bare figure, while under review) are the answer: kept in the transcript the reviewer reads.
                {
                  guard: ({ context, event }) =>
                    context.reviewAsked === true && (is('unknown')({ context, event }) || (is('apply')({ context, event }) && amountOf(context, event) !== undefined && context.underReview !== undefined)),
                  actions: ['stampUser', assign({ reviewAsked: false }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'review.answerNoted') }) }],
                },
                // "我想借5万" from a borrower with a line: the drawdown, with the amount filled in.
                {
                  guard: ({ context, event }) => is('apply')({ context, event }) && context.hasLine && amountOf(context, event) !== undefined,
                  target: 'inFlow.drawdown',
                  actions: ['stampUser', assign({ requestedAmount: ({ context, event }) => amountOf(context, event) })],
                },
                {
                  guard: ({ context, event }) => is('apply')({ context, event }) && context.hasLine,
                  actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'apply.alreadyHasLine'), options: [{ label: t(context.locale, 'menu.draw'), value: 'draw' }, { label: t(context.locale, 'menu.limit'), value: 'limit' }] }) }],
                },
                { guard: ({ context, event }) => is('apply')({ context, event }) && context.pendingOffer !== undefined, target: 'inFlow.offer', actions: 'stampUser' },
                { guard: ({ context, event }) => is('apply')({ context, event }) && context.application !== undefined && context.application.granted === null, target: 'inFlow.authorisation', actions: 'stampUser' },
                { guard: ({ context, event }) => is('apply')({ context, event }) && context.application !== undefined, target: 'inFlow.offer', actions: 'stampUser' },
                // Under review: what a person decided, or that they are deciding, rather than a second application.
                { guard: ({ context, event }) => is('apply')({ context, event }) && context.underReview !== undefined && context.borrowerId !== undefined, target: 'status', actions: 'stampUser' },
                { guard: is('apply'), target: 'inFlow.application', actions: ['stampUser', assign({ requestedAmount: ({ context, event }) => amountOf(context, event) })] },
                {
                  guard: ({ context, event }) => ['draw', 'repay', 'account', 'revoke', 'renew'].includes(understand(context, event).kind) && context.borrowerId === undefined,
                  actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'account.none'), options: [{ label: t(context.locale, 'menu.apply'), value: 'apply' }] }) }],
                },
                // 续贷 (the renewal invitation's option, or said): the renewal flow answers whether one is open.
                { guard: is('renew'), target: 'inFlow.renewal', actions: ['stampUser', assign({ renewalRequest: ({ event }) => (event.type === 'user.text' ? event.id : undefined) })] },
                { guard: is('draw'), target: 'inFlow.drawdown', actions: ['stampUser', assign({ requestedAmount: ({ context, event }) => amountOf(context, event) })] },
                { guard: is('repay'), target: 'inFlow.repayment', actions: 'stampUser' },
                { guard: is('account'), target: 'account', actions: 'stampUser' },
                { guard: is('revoke'), target: 'revokeConfirm', actions: 'stampUser' },
                { guard: is('unsubscribe'), target: 'unsubscribing', actions: 'stampUser' },
                { guard: is('resubscribe'), target: 'resubscribing', actions: 'stampUser' },
                { guard: ({ context, event }) => is('status')({ context, event }) && context.borrowerId !== undefined, target: 'status', actions: 'stampUser' },
                { guard: is('status'), actions: ['stampUser', 'sayStatusBeforeApplying'] },
                { guard: is('hardship'), actions: ['stampUser', { type: 'reply', params: ({ context }) => hardshipReply(context, false) }] },
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
                  actions: [
                    'stampUser',
                    { type: 'reply', params: ({ context }) => ({ text: t(context.locale, canTap(context.channel) ? 'faq.list' : 'faq.listText'), options: faq.map((f) => ({ label: f.question[context.locale], value: f.question[context.locale] })) }) },
                  ],
                },
                {
                  guard: is('faq'),
                  actions: ['stampUser', { type: 'reply', params: ({ context, event }) => ({ text: faqAnswer(context, (understand(context, event) as { entry: FaqEntry }).entry), options: menuOptions(context.locale) }) }],
                },
                { guard: is('menu'), actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context) }] },
                // A number beyond the list shown: that list again, not the main menu's item of that number.
                {
                  guard: ({ context, event }) => numberNotShown(textOf(event), shownOf(context, true)) !== undefined,
                  actions: [
                    'stampUser',
                    {
                      type: 'reply',
                      params: ({ context, event }) => ({ text: t(context.locale, 'hint.outOfRange', { n: numberNotShown(textOf(event), shownOf(context, true))!, max: shownOf(context, true).length }), options: shownOf(context, true) }),
                    },
                  ],
                },
                { actions: ['stampUser', { type: 'reply', params: ({ context }) => menuReply(context, t(context.locale, 'menu.notUnderstood')) }] },
              ],
            },
          },
          /** A sub-flow is running: the borrower's words go to it unless they are a command, an FAQ, or a return after a long gap. */
          inFlow: {
            initial: 'application',
            on: {
              'user.text': [
                { guard: and([stateIn({ handoff: 'waiting' }), 'statusQuery']), actions: ['stampUser', 'sayStatusInFlow'] },
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
                { guard: 'wantsMenu', actions: ['stampUser', assign({ awaitingResume: false }), 'tellPause'] },
                { guard: 'wantsContinue', actions: ['stampUser', assign({ awaitingResume: false }), 'tellReprompt'] },
                { guard: 'noticeAnswer', actions: ['stampUser', 'answerNotice'] },
                { guard: 'noticeRepay', actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'notice.repayInFlow') }) }, 'tellReprompt'] },
                // 续贷 tapped or typed on the invitation while another flow runs: how to get there.
                { guard: and([not(stateIn({ flow: { inFlow: 'renewal' } })), ({ context, event }) => said(context, event) === '续贷']), actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'renewal.inFlow') }) }, 'tellReprompt'] },
                { guard: 'cmdHuman', actions: ['stampUser', 'requestHuman'] },
                // 投诉 mid-flow: the work order opens beside the flow, which then asks its question again.
                { guard: is('complaint'), actions: ['stampUser', 'openComplaint'] },
                { guard: 'cmdCancel', actions: ['stampUser', assign({ awaitingResume: false }), 'tellCancel'] },
                { guard: 'cmdBack', actions: ['stampUser', assign({ awaitingResume: false }), 'tellBack'] },
                { guard: 'cmdLater', actions: ['stampUser', assign({ awaitingResume: false }), 'tellPause'] },
                { guard: 'cmdHelp', actions: ['stampUser', { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'help.inFlow') }) }, 'tellReprompt'] },
                { guard: 'localeCommand', actions: ['stampUser', 'switchLocale'] },
                { guard: 'statusQuery', actions: ['stampUser', 'sayStatusInFlow', 'tellReprompt'] },
                { guard: 'hardship', actions: ['stampUser', { type: 'reply', params: ({ context }) => hardshipReply(context, true) }] },
                {
                  guard: 'faqQuestion',
                  actions: ['stampUser', enqueueActions(({ context, event, self, enqueue }) => enqueue({ type: 'reply', params: { text: faqAnswer(context, matchFaq(textOf(event), faq)!, self) } })), 'tellReprompt'],
                },
                {
                  // "3" at 1. 3期 2. 6期 3. 12期: three months, or the third item? Asked back, never guessed.
                  guard: ({ context, event }) => readNumber(textOf(event), shownOf(context))?.kind === 'ambiguous',
                  actions: [
                    'stampUser',
                    {
                      type: 'reply',
                      params: ({ context, event }) => {
                        const read = readNumber(textOf(event), shownOf(context)) as Extract<ReturnType<typeof readNumber>, { kind: 'ambiguous' }>;
                        const byIndex = t(context.locale, 'hint.itemN', { n: read.index, label: read.byIndex.label });
                        return { text: t(context.locale, 'hint.numberAmbiguous', { byValue: read.byValue.label, byIndex }), options: [read.byValue, { label: byIndex, value: read.byIndex.value }] };
                      },
                    },
                  ],
                },
                { actions: ['stampUser', assign({ awaitingResume: false }), 'forward'] },
              ],
              'user.media': { actions: ['stampUser', 'forward'] },
              'deadline.due': { actions: 'forward' },
            },
            states: {
              application: {
                exit: assign({ requestedAmount: undefined }),
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
                    ...(context.requestedAmount !== undefined ? { amount: context.requestedAmount } : {}),
                  }),
                  onDone: [
                    {
                      guard: ({ event }) => (event.output as ApplicationOutput).status === 'submitted',
                      target: 'authorisation',
                      actions: assign(({ event }) => {
                        const out = event.output as Extract<ApplicationOutput, { status: 'submitted' }>;
                        const precredit = out.precredit ? { precredit: { limit: out.precredit.limit, annualRate: out.precredit.annualRate } } : {};
                        return { borrowerId: out.borrowerId, application: { applicationId: out.applicationId, productId: out.productId, granted: null, ...precredit }, draft: undefined };
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
                          return { borrowerId: out.borrowerId, hasLine: out.situation === 'has_line', application: undefined, draft: undefined, underReview: out.situation === 'under_review' ? out.applicationId : undefined };
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
                    ...(!context.pendingOffer && context.application?.precredit ? { precredit: context.application.precredit } : {}),
                  }),
                  onDone: {
                    target: '#menu',
                    actions: assign(({ context, event }) => {
                      const out = event.output as OfferOutput;
                      switch (out.status) {
                        case 'accepted':
                          return { hasLine: true, lineRate: out.line.annualRate, pendingOffer: undefined, application: undefined };
                        case 'has_line':
                          return { hasLine: true, pendingOffer: undefined, application: undefined };
                        case 'later':
                          return { pendingOffer: out.pending, application: undefined };
                        case 'failed':
                          return { pendingOffer: undefined, application: context.application };
                        case 'review':
                          return { pendingOffer: undefined, application: undefined, underReview: context.application?.applicationId ?? context.pendingOffer?.applicationId };
                        default:
                          return { pendingOffer: undefined, application: undefined };
                      }
                    }),
                  },
                },
              },
              drawdown: {
                exit: assign({ requestedAmount: undefined }),
                invoke: {
                  id: 'drawdown',
                  src: 'drawdown',
                  input: ({ context }) => ({
                    conversationId: context.conversationId,
                    channel: context.channel,
                    locale: context.locale,
                    at: context.lastAt,
                    borrowerId: context.borrowerId!,
                    ...(context.requestedAmount !== undefined ? { amount: context.requestedAmount } : {}),
                  }),
                  // Left (取消, 返回, 稍后): the menu, so the next words have somewhere to go.
                  onDone: [{ guard: ({ event }) => (event.output as DrawdownOutput).status === 'cancelled', target: '#menu', actions: { type: 'reply', params: ({ context }) => menuReply(context) } }, { target: '#menu' }],
                },
              },
              renewal: {
                invoke: {
                  id: 'renewal',
                  src: 'renewal',
                  input: ({ context }) => ({ conversationId: context.conversationId, channel: context.channel, locale: context.locale, at: context.lastAt, borrowerId: context.borrowerId!, requestId: context.renewalRequest ?? String(context.lastAt) }),
                  // Whatever came of it (renewed, declined, kept for later), the invitation has been seen through: the menu stops offering it.
                  onDone: {
                    target: '#menu',
                    actions: assign(({ event }) => ({
                      renewalRequest: undefined,
                      renewalInvited: event.output.status === 'later' ? true : undefined,
                      ...(event.output.status === 'renewed' ? { hasLine: true, lineRate: event.output.line.annualRate } : {}),
                    })),
                  },
                },
              },
              repayment: {
                exit: assign({ repayDue: undefined }),
                invoke: {
                  id: 'repayment',
                  src: 'repayment',
                  input: ({ context }) => ({ conversationId: context.conversationId, channel: context.channel, locale: context.locale, at: context.lastAt, borrowerId: context.borrowerId!, ...(context.repayDue ? { dueFirst: true } : {}) }),
                  onDone: [{ guard: ({ event }) => (event.output as RepaymentOutput).status === 'cancelled', target: '#menu', actions: { type: 'reply', params: ({ context }) => menuReply(context) } }, { target: '#menu' }],
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
                    assign(({ event }) => {
                      const active = event.output.lines.find((l) => l.status === 'active');
                      return { hasLine: active !== undefined, ...(active ? { lineRate: active.annualRate } : {}) };
                    }),
                    enqueueActions(({ context, event, enqueue }) => {
                      for (const reply of lineReplies(context, event.output)) enqueue({ type: 'reply', params: reply });
                    }),
                  ],
                },
                { guard: ({ event }) => event.output.pendingOffer !== undefined, target: 'inFlow.offer', actions: assign({ pendingOffer: ({ event }) => event.output.pendingOffer }) },
                // No line yet: where the application stands (under review, declined, …), if there is one.
                {
                  guard: ({ context, event }) => statusReplies(event.output, context.locale).length > 0,
                  target: 'menu',
                  actions: ['noteReview', enqueueActions(({ context, event, enqueue }) => {
                    for (const reply of statusReplies(event.output, context.locale)) enqueue({ type: 'reply', params: reply });
                  })],
                },
                { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'account.none'), options: [{ label: t(context.locale, 'menu.apply'), value: 'apply' }] }) } },
              ],
              onError: { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
            },
          },
          /** "进度": the application's and the hand-off's status from the host, then the lines (or that there is nothing). */
          status: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'loadAccount',
              src: 'loadAccount',
              input: ({ context }) => ({ borrowerId: context.borrowerId!, at: context.lastAt }),
              onDone: {
                target: 'menu',
                actions: [
                  'noteReview',
                  assign(({ event }) => ({ pendingOffer: event.output.pendingOffer, hasLine: event.output.lines.some((l) => l.status === 'active') })),
                  enqueueActions(({ check, context, event, enqueue }) => {
                    const view = event.output;
                    const orders = view.workOrders?.length ? [workOrderReply(view.workOrders, context.locale)] : [];
                    const replies = [...statusReplies(view, context.locale), ...orders, ...lineReplies(context, view)];
                    if (!replies.length) replies.push(statusBeforeApplying(context.locale, context.draft !== undefined));
                    const bot = check(stateIn({ handoff: 'bot' }) as never);
                    for (const reply of replies) enqueue({ type: 'reply', params: bot ? reply : waitingForPerson(context, reply) });
                  }),
                ],
              },
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
          /** "我的工单" / "工单 GD…": where the borrower's work orders stand. */
          workOrders: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'workOrderStatus',
              src: 'workOrderStatus',
              input: ({ context }) => ({
                conversationId: context.conversationId,
                ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}),
                ...(context.workOrderNumber ? { number: context.workOrderNumber } : {}),
                at: context.lastAt,
              }),
              onDone: {
                target: 'menu',
                actions: [
                  { type: 'reply', params: ({ context, event }) => (context.workOrderNumber && !event.output.orders.length ? { text: t(context.locale, 'workOrder.notFound', { number: context.workOrderNumber }) } : workOrderReply(event.output.orders, context.locale)) },
                  assign({ workOrderNumber: undefined }),
                ],
              },
              onError: { target: 'menu', actions: [assign({ workOrderNumber: undefined }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) }] },
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
          /** 恢复推送 / 订阅: marketing back on for this person (every channel), audited like the opt-out. */
          resubscribing: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'setMarketingOptIn',
              src: 'setMarketingOptOut',
              input: ({ context }) => ({ conversationId: context.conversationId, ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}), optOut: false, at: context.lastAt }),
              onDone: { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'resubscribe.done') }) } },
              onError: { target: 'menu', actions: { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) } },
            },
          },
        },
      },
      /**
       * 投诉: opens the complaint work order and tells its number and by when the borrower hears back.
       * A region of its own beside the flow, so a complaint made in the middle of an application or a
       * repayment leaves it where it was (its question is asked again after).
       */
      complaint: {
        initial: 'idle',
        states: {
          idle: {
            on: { 'complaint.open': { target: 'opening', actions: assign({ complaint: ({ event }) => ({ text: event.text, key: event.key }) }) } },
          },
          opening: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'openComplaint',
              src: 'openComplaint',
              input: ({ context }) => ({
                conversationId: context.conversationId,
                ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}),
                text: context.complaint!.text,
                requestKey: context.complaint!.key,
                at: context.lastAt,
              }),
              onDone: { target: 'idle', actions: [assign({ complaint: undefined }), { type: 'reply', params: ({ context, event }) => complaintOpenedReply(event.output, context.locale) }, 'repromptFlow'] },
              onError: { target: 'idle', actions: [assign({ complaint: undefined }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) }, 'repromptFlow'] },
            },
          },
        },
      },
      /**
       * Answers to a post-loan notice beside whatever runs: 已还 checks the line (payments recorded),
       * 转人工 opens a collection work order for the collection staff (催收坐席).
       */
      postLoan: {
        initial: 'idle',
        states: {
          idle: {
            on: {
              'notice.answer': [
                { guard: ({ event }) => event.answer === 'paid', target: 'checking', actions: assign({ noticeAnswer: ({ event }) => ({ answer: event.answer, key: event.key, text: event.text }) }) },
                { target: 'opening', actions: assign({ noticeAnswer: ({ event }) => ({ answer: event.answer, key: event.key, text: event.text }) }) },
              ],
            },
          },
          checking: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'checkRepaid',
              src: 'loadAccount',
              input: ({ context }) => ({ borrowerId: context.borrowerId!, at: context.lastAt }),
              onDone: {
                target: 'idle',
                actions: [
                  enqueueActions(({ check, context, event, enqueue }) =>
                    enqueue({ type: 'reply', params: paidReply(event.output, context.lastNotice, context.locale, check(stateIn({ flow: 'menu' }) as never) && check(stateIn({ handoff: 'bot' }) as never)) }),
                  ),
                  assign({ noticeAnswer: undefined }),
                  'repromptFlow',
                ],
              },
              onError: { target: 'idle', actions: [assign({ noticeAnswer: undefined }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) }, 'repromptFlow'] },
            },
          },
          opening: {
            tags: [BUSY_TAG],
            invoke: {
              id: 'openCollectionOrder',
              src: 'openCollectionOrder',
              input: ({ context }) => ({
                conversationId: context.conversationId,
                ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}),
                text: context.noticeAnswer?.text ?? '',
                requestKey: context.noticeAnswer!.key,
                at: context.lastAt,
              }),
              onDone: {
                target: 'idle',
                actions: [
                  assign({ noticeAnswer: undefined }),
                  { type: 'reply', params: ({ context, event }) => collectionOpenedReply(event.output, context.locale) },
                  'repromptFlow',
                ],
              },
              onError: { target: 'idle', actions: [assign({ noticeAnswer: undefined }), { type: 'reply', params: ({ context }) => ({ text: t(context.locale, 'error.temporary') }) }, 'repromptFlow'] },
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
