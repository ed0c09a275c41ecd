import type { ActorSystem, AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { Reply } from './reply.js';

/**
 * What a conversation machine and the runtime that hosts it agree on.
 *
 * - Replies, deadlines and their cancellation are actions named `reply`, `scheduleDeadline` and
 *   `cancelDeadline` that the runtime provides; it collects them per turn and persists them with
 *   the snapshot in one transaction.
 * - A state that waits for an effect (a data pull, a disbursement) carries the tag `busy`; the
 *   runtime waits until no actor in the tree is busy before it persists and answers.
 * - Deadlines are stored due-at rows fired by the scheduler as `deadline.due`, never `after` timers
 *   (those are not part of a persisted snapshot).
 */
export const BUSY_TAG = 'busy';

export interface Deadline {
  /** Stable key: scheduling the same key again replaces the earlier due time. */
  readonly key: string;
  readonly kind: string;
  /** Epoch ms. */
  readonly dueAt: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the system of any actor tree
export type AnyActorSystem = ActorSystem<any>;

/** An action implementation as the runtime writes it: the actor system identifies the turn. */
export type SinkAction<TParams> = (args: { readonly system: AnyActorSystem }, params: TParams) => void;

/** The three actions the runtime implements; `system` identifies the actor tree of the turn. */
export interface SinkActions {
  readonly reply: SinkAction<Reply>;
  readonly scheduleDeadline: SinkAction<Deadline>;
  readonly cancelDeadline: SinkAction<{ readonly key: string }>;
}

export interface ConversationStart {
  readonly conversationId: string;
  readonly channel: string;
  readonly chatType: 'private' | 'group';
  readonly locale: 'zh' | 'en';
  /** Set when the channel already knows the borrower (a returning web user, a linked WeChat id). */
  readonly borrowerId?: string;
  /** Customer manager or campaign that brought the borrower (QR scene value, link parameter). */
  readonly referral?: string;
}

export interface ConversationStatus {
  readonly handoff: 'bot' | 'requested' | 'staff';
  readonly borrowerId?: string;
  /** A short, stable description of where the borrower is (for the staff console), e.g. `application.mobile`. */
  readonly step: string;
  readonly locale: 'zh' | 'en';
}

/** Result of bringing a snapshot of an older machine version forward. */
export type SnapshotMigration =
  | { readonly kind: 'migrated'; readonly snapshot: unknown }
  /** Could not be carried over: start afresh with this input, then send these replies. */
  | { readonly kind: 'restart'; readonly input: unknown; readonly notice: Reply };

export interface ConversationSpec {
  readonly machineId: string;
  readonly version: number;
  /** Builds the runnable machine with the runtime's sink actions; called once per runtime. */
  createMachine(sink: SinkActions): AnyStateMachine;
  /** Input for a new conversation. */
  input(start: ConversationStart): unknown;
  /**
   * The greeting (with the first options) for a channel that shows it before the borrower writes,
   * like the web chat's page. A first message sent after it carries `greeted`, and the machine does
   * not greet again. Optional: without it such a channel shows its own words.
   */
  welcome?(locale: 'zh' | 'en'): Reply;
  /** Reads the status the runtime mirrors into its columns, from a live snapshot. */
  status(snapshot: AnyMachineSnapshot): ConversationStatus;
  /** Carries a persisted snapshot of an older version (or one that fails to restore) forward. */
  migrate(fromVersion: number, persisted: unknown, start: ConversationStart): SnapshotMigration;
}

