import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { InboundMessage } from '../../bots/index.js';
import { clientOrigin } from './clientOrigin.js';
import { bearerAuth } from './bearerAuth.js';
import { parseInput, queryInt } from './parseInput.js';
import type { ConversationRuntime, StoredReply } from '../runtime/index.js';

/** Longest text the REST channel accepts; the runtime hands the machine at most MAX_EVENT_TEXT of it. */
export const MAX_REST_TEXT = 10_000;

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const NO_CONTROL = /^[^\u0000-\u001F\u007F]*$/;
const id = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).regex(NO_CONTROL, 'must not contain control characters');
const channel = z.enum(['rest', 'terminal']).default('rest');

const chatBody = z.object({
  userId: id(128),
  messageId: id(128),
  text: z.string().min(1, 'must not be empty').max(MAX_REST_TEXT, `must be at most ${MAX_REST_TEXT} characters`),
  locale: z.enum(['zh', 'en']).optional(),
  referral: id(64).optional(),
  /** `terminal` is what `npm run chat` sends, so its conversations are told apart from the bank app's. */
  channel,
});

const messagesQuery = z.object({
  userId: id(128),
  afterSeq: queryInt(0).default(0),
  limit: queryInt(1, 200).default(50),
  channel,
});

/** The wire form of a reply: options, card and expects only when present. */
export function replyToWire(reply: StoredReply): Record<string, unknown> {
  return {
    id: reply.id,
    seq: reply.seq,
    text: reply.text,
    ...(reply.options?.length ? { options: reply.options.map((o) => ({ label: o.label, value: o.value })) } : {}),
    ...(reply.card ? { card: reply.card } : {}),
    ...(reply.expects ? { expects: reply.expects } : {}),
    // A staff member's words: who wrote them, so the client shows them as that person's.
    ...(reply.sender ? { sender: { kind: reply.sender.kind, name: reply.sender.name } } : {}),
  };
}

/**
 * REST ids are chosen by each client, so two users may both send "m1": the stored channel message id
 * is scoped by the user (length-prefixed, so no user id can forge another's scope).
 */
const withOrigin = (origin: string | undefined) => (origin ? { origin } : {});

export const restMessageId = (userId: string, messageId: string): string => `${userId.length}:${userId}:${messageId}`;

/**
 * The REST channel, a public contract for a bank's own app (docs/chat-api.md, docs/openapi.yaml):
 * POST /api/v1/chat answers a message; GET /api/v1/chat/messages fetches later messages.
 */
export function chatRoutes(app: FastifyInstance, deps: { runtime: ConversationRuntime; token: string | undefined }): void {
  const authenticate = bearerAuth(deps.token, 'kuaidai-chat');

  app.post('/api/v1/chat', { onRequest: authenticate }, async (request) => {
    const body = parseInput(chatBody, request.body);
    const inbound: InboundMessage = {
      channel: body.channel,
      userId: body.userId,
      messageId: restMessageId(body.userId, body.messageId),
      text: body.text,
      ...(body.locale ? { locale: body.locale } : {}),
      ...(body.referral ? { referral: body.referral } : {}),
      ...withOrigin(clientOrigin(app, request)),
    };
    const result = await deps.runtime.receive(inbound);
    return { replies: result.replies.map(replyToWire) };
  });

  app.get('/api/v1/chat/messages', { onRequest: authenticate }, async (request) => {
    const query = parseInput(messagesQuery, request.query);
    const { messages, lastSeq } = await deps.runtime.messagesAfter({ channel: query.channel, userId: query.userId, chatId: '' }, query.afterSeq, query.limit);
    const last = messages.at(-1);
    // A full page may have more behind it; otherwise everything up to the conversation's last message was seen.
    const nextAfterSeq = messages.length === query.limit ? last!.seq : Math.max(query.afterSeq, lastSeq, last?.seq ?? 0);
    return {
      messages: messages.map((m) => ({ ...replyToWire(m), createdAt: new Date(m.createdAt).toISOString() })),
      nextAfterSeq,
    };
  });
}
