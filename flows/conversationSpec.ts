import { fromPromise, type AnyMachineSnapshot } from 'xstate';
import type { Product } from '../core/index.js';
import { DEFAULT_FAQ, type FaqEntry } from './faq/faqTable.js';
import type { FlowEffects } from './host.js';
import type { ConversationSpec, ConversationStart, ConversationStatus, SinkActions } from './runtimeContract.js';
import { welcomeReply } from './session/rateTalk.js';
import { createSessionChildren, createSessionMachine, describeStep, type SessionContext } from './session/sessionMachine.js';
import { replyRecordingShown } from './session/shownOptions.js';
import { DEFAULT_FLOW_SETTINGS, type FlowSettings } from './shared/flowSettings.js';
import { t } from './text/translate.js';

export const SESSION_MACHINE_ID = 'kuaidai.session';
/** Bump when a change would make older snapshots restore wrongly; add a case to `migrate`. */
export const SESSION_MACHINE_VERSION = 1;

export interface ConversationSpecDeps {
  readonly effects: FlowEffects;
  readonly products: readonly Product[];
  readonly faq?: readonly FaqEntry[];
  readonly settings?: Partial<FlowSettings>;
}

/** Wraps a host effect as the promise actor a machine invokes. */
const effect = <K extends keyof FlowEffects>(effects: FlowEffects, name: K) =>
  fromPromise<Awaited<ReturnType<FlowEffects[K]>>, Parameters<FlowEffects[K]>[0]>(
    ({ input }) => (effects[name] as (i: typeof input) => Promise<Awaited<ReturnType<FlowEffects[K]>>>)(input),
  );

/**
 * The lending conversation as the runtime hosts it: the session machine with its sub-flows, the
 * host's effects and the runtime's sink actions provided.
 */
export function createConversationSpec(deps: ConversationSpecDeps): ConversationSpec {
  const settings: FlowSettings = { ...DEFAULT_FLOW_SETTINGS, ...deps.settings };
  const faq = deps.faq ?? DEFAULT_FAQ;
  const { effects, products } = deps;
  if (!products.length) throw new Error('flows: at least one product is required');

  return {
    machineId: SESSION_MACHINE_ID,
    version: SESSION_MACHINE_VERSION,
    createMachine(sink: SinkActions) {
      const raw = createSessionChildren(products, settings);
      // Every reply also records the options it shows (see replyRecordingShown).
      const subflowSink = { ...sink, reply: replyRecordingShown(sink.reply, 'subflow') };
      const children = {
        application: raw.application.provide({
          actions: subflowSink,
          actors: { sendOtp: effect(effects, 'sendOtp'), verifyOtp: effect(effects, 'verifyOtp'), submitApplication: effect(effects, 'submitApplication'), findPrecreditOffer: effect(effects, 'findPrecreditOffer') },
        }),
        consent: raw.consent.provide({ actions: subflowSink, actors: { recordConsent: effect(effects, 'recordConsent') } }),
        offer: raw.offer.provide({
          actions: subflowSink,
          actors: { pullData: effect(effects, 'pullData'), recordDecision: effect(effects, 'recordDecision'), acceptOffer: effect(effects, 'acceptOffer'), closeOffer: effect(effects, 'closeOffer') },
        }),
        drawdown: raw.drawdown.provide({
          actions: subflowSink,
          actors: { loadAccount: effect(effects, 'loadAccount'), sendStepUp: effect(effects, 'sendStepUp'), verifyStepUp: effect(effects, 'verifyStepUp'), disburse: effect(effects, 'disburse') },
        }),
        renewal: raw.renewal.provide({
          actions: subflowSink,
          actors: {
            loadRenewal: effect(effects, 'loadRenewal'),
            recordConsent: effect(effects, 'recordConsent'),
            pullData: effect(effects, 'pullData'),
            recordRenewalDecision: effect(effects, 'recordRenewalDecision'),
            renewLine: effect(effects, 'renewLine'),
            closeRenewal: effect(effects, 'closeRenewal'),
          },
        }),
        repayment: raw.repayment.provide({ actions: subflowSink, actors: { loadAccount: effect(effects, 'loadAccount'), repay: effect(effects, 'repay') } }),
      } as typeof raw;
      return createSessionMachine({ products, faq, settings }, children).provide({
        actions: { ...sink, reply: replyRecordingShown(sink.reply, 'session') },
        actors: {
          loadAccount: effect(effects, 'loadAccount'),
          revokeConsent: effect(effects, 'revokeConsent'),
          setMarketingOptOut: effect(effects, 'setMarketingOptOut'),
          requestHandoff: effect(effects, 'requestHandoff'),
          openComplaint: effect(effects, 'openComplaint'),
          openCollectionOrder: effect(effects, 'openCollectionOrder'),
          workOrderStatus: effect(effects, 'workOrderStatus'),
        },
      });
    },
    input: (start: ConversationStart) => start,
    welcome: (locale) => welcomeReply(products, locale),
    status(snapshot: AnyMachineSnapshot): ConversationStatus {
      const context = snapshot.context as SessionContext;
      const handoff = (snapshot.value as { handoff?: string }).handoff;
      return {
        handoff: handoff === 'staff' ? 'staff' : handoff === 'requested' || handoff === 'waiting' ? 'requested' : 'bot',
        ...(context.borrowerId ? { borrowerId: context.borrowerId } : {}),
        step: describeStep(snapshot.value, snapshot.children as Record<string, never>),
        locale: context.locale,
      };
    },
    migrate(fromVersion: number, persisted: unknown, start: ConversationStart) {
      // Version 1 is the first; anything else (or a snapshot that fails to restore) restarts at the
      // menu, keeping who the borrower is so nothing they own is lost.
      const old = (persisted as { context?: Partial<SessionContext> } | null)?.context ?? {};
      const locale = old.locale === 'en' ? 'en' : start.locale;
      return {
        kind: 'restart' as const,
        input: { ...start, locale, ...(old.borrowerId ? { borrowerId: old.borrowerId } : {}) },
        notice: { text: t(locale, 'system.upgraded', { version: fromVersion }) },
      };
    },
  };
}
