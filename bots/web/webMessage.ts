import type { Reply } from '../../flows/index.js';
import type { WebMessage } from './frames.js';

/** A stored message of a web conversation, as the runtime's transcript gives it. */
export interface StoredWebMessage extends Reply {
  readonly id: string;
  readonly seq: number;
  /** borrower, bot, staff:<id>, system. */
  readonly author: string;
  readonly direction: 'inbound' | 'outbound';
  /** The stored channel message id of an inbound message (`webMessageId(userId, clientId)`). */
  readonly channelMessageId: string | null;
  readonly createdAt: number;
}

/**
 * Web message ids are chosen by each browser, so two borrowers may both send "m1": the stored id is
 * scoped by the session's user id (length-prefixed, so no user id can forge another's scope).
 */
export const webMessageId = (userId: string, clientMessageId: string): string => `${userId.length}:${userId}:${clientMessageId}`;

/** The client's own id back from a stored channel message id of this user; undefined if it is not theirs. */
export function clientMessageIdOf(userId: string, channelMessageId: string | null): string | undefined {
  const prefix = `${userId.length}:${userId}:`;
  return channelMessageId?.startsWith(prefix) ? channelMessageId.slice(prefix.length) : undefined;
}

/**
 * What the borrower's page shows of the transcript: every outbound message (a staff member's words
 * among them, authored `staff:<id>`), and the borrower's own messages. The inbound row a staff
 * message also leaves is the staff console's record of what was typed.
 */
export const isShownToBorrower = (m: Pick<StoredWebMessage, 'direction' | 'author'>): boolean => m.direction === 'outbound' || m.author === 'borrower';

/**
 * The page's form of a stored message: who wrote it (a staff member's id stays on the server), the
 * text as stored (the borrower's own ID and phone numbers masked), options, card and expects only
 * when present. Cards pass as the flows made them: amounts are already formatted.
 */
export function toWebMessage(userId: string, m: StoredWebMessage): WebMessage {
  const author = m.direction === 'inbound' ? 'borrower' : m.author.startsWith('staff') || m.sender?.kind === 'staff' ? 'staff' : 'bot';
  const clientMessageId = m.direction === 'inbound' ? clientMessageIdOf(userId, m.channelMessageId) : undefined;
  return {
    type: 'message',
    seq: m.seq,
    id: m.id,
    author,
    ...(author === 'staff' ? { senderName: m.sender?.name ?? '' } : {}),
    text: m.text,
    at: new Date(m.createdAt).toISOString(),
    ...(clientMessageId ? { clientMessageId } : {}),
    ...(m.options?.length ? { options: m.options.map((o) => ({ label: o.label, value: o.value })) } : {}),
    ...(m.card ? { card: m.card } : {}),
    ...(m.expects ? { expects: m.expects } : {}),
  };
}
