/** server/runtime: hosts conversation machines — dedupe, per-conversation locks, one-statement turns, the outbox. */
export { ConversationRuntime, APOLOGY, DEADLINE_JOB_KIND, SYNC_CHANNELS, deadlineJobKey, lockKeyOf } from './conversationRuntime.js';
export type { ReceiveResult, DispatchResult, RuntimeOptions, CommittedTurn } from './conversationRuntime.js';
export { inProcessLock, postgresAdvisoryLock, advisoryKeys } from './conversationLock.js';
export type { ConversationLock, LockClosing, LockOpening } from './conversationLock.js';
export type { ConversationKey, StoredInbound, TranscriptMessage } from './conversationStore.js';
export { OutboxDeliverer } from './outboxDeliverer.js';
export type { ChannelSender, DeliveryTarget, OutboxOptions } from './outboxDeliverer.js';
export type { StoredReply } from './storedReply.js';
export { MAX_EVENT_TEXT, cleanText } from './inboundEvent.js';
export { RESTART_NOTICE, isTreeBusy } from './machineHost.js';
export { openSql, sqlState, epochMs } from './sql.js';
export { localPushSignal, postgresPushSignal } from './pushSignal.js';
export { OutageBackoff, Poller } from './poller.js';
export type { PushSignal } from './pushSignal.js';
export type { Sql, SqlArg, SqlRow } from './sql.js';
