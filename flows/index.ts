/** flows/: the XState conversation machines and the neutral message model they speak. */
export type { Reply, ReplyOption, Card, OfferCard, ScheduleCard, ReceiptCard, AccountCard, ConsentCard, LinkCard } from './reply.js';
export type { ConversationEvent, ConversationEventType, MediaKind } from './events.js';
export { BUSY_TAG } from './runtimeContract.js';
export type { Deadline, SinkAction, SinkActions, ConversationStart, ConversationStatus, SnapshotMigration, ConversationSpec, AnyActorSystem } from './runtimeContract.js';
