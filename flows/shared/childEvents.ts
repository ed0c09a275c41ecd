import type { Reply } from '../reply.js';
import type { MediaKind } from '../events.js';
import type { Locale } from '../text/translate.js';

/**
 * What a sub-flow receives from the session machine: the borrower's words, and commands the
 * session recognised (cancel, back, pause, re-prompt after a hand-back or an FAQ answer).
 */
export type ChildEvent =
  | { readonly type: 'user.text'; readonly text: string; readonly id: string; readonly at: number; /** The client's address tag, where the channel knows it. */ readonly origin?: string }
  | { readonly type: 'user.media'; readonly kind: MediaKind; readonly id: string; readonly at: number }
  | { readonly type: 'flow.cancel'; readonly at: number }
  | { readonly type: 'flow.back'; readonly at: number }
  | { readonly type: 'flow.pause'; readonly at: number }
  | { readonly type: 'flow.reprompt'; readonly at: number }
  | { readonly type: 'flow.locale'; readonly locale: Locale; readonly at: number }
  | { readonly type: 'deadline.due'; readonly key: string; readonly kind: string; readonly at: number }
  /** Sent by the session before every forwarded event: the child's clock (`lastAt`). */
  | { readonly type: 'flow.tick'; readonly at: number };

/** Context every sub-flow carries. */
export interface FlowBase {
  readonly conversationId: string;
  readonly channel: string;
  readonly locale: Locale;
  /** The question last asked, repeated after a hand-back, an FAQ answer or an unreadable answer. */
  readonly prompt: Reply | null;
  /** Moment of the latest event (from `flow.tick`): effects and deadlines are timed from it. */
  readonly lastAt: number;
}
