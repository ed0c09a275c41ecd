/** flows/: the XState conversation machines and the neutral message model they speak. */
export type { Reply, ReplyOption, Card, OfferCard, ScheduleCard, ReceiptCard, AccountCard, ConsentCard, LinkCard } from './reply.js';
export type { ConversationEvent, ConversationEventType, MediaKind, PaymentNotice } from './events.js';
export { conversationOfEffectKey, effectKeyPrefix } from './shared/effectKeys.js';
export { BUSY_TAG } from './runtimeContract.js';
export type { Deadline, SinkAction, SinkActions, ConversationStart, ConversationStatus, SnapshotMigration, ConversationSpec, AnyActorSystem } from './runtimeContract.js';
export { createConversationSpec, SESSION_MACHINE_ID, SESSION_MACHINE_VERSION, type ConversationSpecDeps } from './conversationSpec.js';
export type {
  FlowEffects,
  Effect,
  SubmitApplicationInput,
  SubmitApplicationOutput,
  RecordConsentInput,
  PullDataOutput,
  AcceptOfferInput,
  DisburseInput,
  RepayInput,
  AccountView,
  ApplicationStatusView,
  WorkOrderStatus,
  PendingOffer,
  PrecreditOffer,
  LineView,
  DrawdownView,
  DrawdownReceipt,
  RepaymentReceipt,
} from './host.js';
export { DEFAULT_FAQ, matchFaq, type FaqEntry } from './faq/faqTable.js';
export { DEFAULT_FLOW_SETTINGS, type FlowSettings } from './shared/flowSettings.js';
export { authorisationText } from './consent/authorisationText.js';
export { t, type Locale, type MessageKey } from './text/translate.js';
export { containsPersonalNumber } from './session/understandMenuText.js';
export { workOrderNumberIn } from './understanding/workOrderNumber.js';
export { isOptOutReply } from './understanding/optOutReply.js';
export { NOTICE_TEMPLATES, NOTICE_ANSWERS, isNoticeTemplate, noticeText, noticeOptions, noticeReply, type NoticeTemplate, type NoticeTemplateName, type NoticeParams } from './notices/noticeCatalog.js';
