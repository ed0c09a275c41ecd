import type { ConversationEvent, Reply } from '../../flows/index.js';

/** A reply as stored in the conversation's transcript (and outbox): its row id and sequence number. */
export interface StoredReply extends Reply {
  readonly id: string;
  readonly seq: number;
}

/** The `payload` column of an outbound message: everything of a Reply but its text. */
export function replyPayload(reply: Reply): Record<string, unknown> | null {
  const payload: Record<string, unknown> = {};
  if (reply.options?.length) payload.options = reply.options;
  if (reply.card) payload.card = reply.card;
  if (reply.sensitive) payload.sensitive = true;
  if (reply.expects) payload.expects = reply.expects;
  if (reply.sender) payload.sender = reply.sender;
  return Object.keys(payload).length ? payload : null;
}

/**
 * The `author` column of a reply's row: `staff:<id>` for a staff member's words relayed in a
 * staff.message turn (the staff console and every channel see who wrote them), else `bot`.
 */
export const replyAuthor = (reply: Reply, event: ConversationEvent): string =>
  reply.sender?.kind === 'staff' && (event.type === 'staff.message' || (event.type === 'review.decided' && event.outcome === 'info_requested')) ? `staff:${event.staffId}` : 'bot';

/** Rebuilds a stored reply from its row (payload as parsed JSON or JSON text). */
export function storedReplyFromRow(row: { id: string; seq: number; text: string; payload: unknown }): StoredReply {
  const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Partial<Reply> | null;
  return {
    id: row.id,
    seq: row.seq,
    text: row.text,
    ...(payload?.options ? { options: payload.options } : {}),
    ...(payload?.card ? { card: payload.card } : {}),
    ...(payload?.sensitive ? { sensitive: true } : {}),
    ...(payload?.expects ? { expects: payload.expects } : {}),
    ...(payload?.sender ? { sender: payload.sender } : {}),
  };
}
