import { isAppError } from '../errors.js';
import type { ConversationRuntime } from '../runtime/index.js';
import type { JobHandler } from './scheduler.js';

/** Payload of a `conversation.deadline` job, written by the runtime with the turn that scheduled it. */
export interface DeadlineJobPayload {
  readonly conversationId: string;
  readonly key: string;
  readonly kind: string;
}

/**
 * Sends `deadline.due` to the conversation. A deadline may arrive after the conversation moved on
 * (cancelled while it was being fired): machines ignore a deadline they no longer wait for.
 */
export function conversationDeadlineHandler(runtime: ConversationRuntime): JobHandler {
  return async (job, { now, logger }) => {
    const { conversationId, key, kind } = job.payload as DeadlineJobPayload;
    try {
      await runtime.dispatch(conversationId, { type: 'deadline.due', key, kind, at: now.getTime() });
    } catch (e) {
      if (isAppError(e) && e.code === 'CONVERSATION_NOT_FOUND') {
        logger.warn({ conversationId, key }, 'deadline for a conversation that no longer exists; dropped');
        return;
      }
      throw e;
    }
  };
}
