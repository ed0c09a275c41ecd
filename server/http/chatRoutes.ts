import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { InboundMessage } from '../../bots/index.js';
import { clientOrigin } from './clientOrigin.js';
import { bearerAuth } from './bearerAuth.js';
import { CHAT_SECURITY, doc, errorResponses } from './apiSchemas.js';
import { queryInt } from './parseInput.js';
import type { ConversationRuntime, StoredReply } from '../runtime/index.js';

/** Longest text the REST channel accepts; the runtime hands the machine at most MAX_EVENT_TEXT of it. */
export const MAX_REST_TEXT = 10_000;

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const NO_CONTROL = /^[^\u0000-\u001F\u007F]*$/;
const id = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).regex(NO_CONTROL, 'must not contain control characters');
const channel = z.enum(['rest', 'terminal']).default('rest');

export const chatBody = z
  .object({
    userId: id(128).describe('The borrower’s id in the bank’s app; one conversation per user'),
    messageId: id(128).describe('Unique per user; a repeat returns the replies stored the first time'),
    text: z.string().min(1, 'must not be empty').max(MAX_REST_TEXT, `must be at most ${MAX_REST_TEXT} characters`).describe('What the borrower typed or the value of a tapped option'),
    locale: z.enum(['zh', 'en']).optional().describe('Reply language; Chinese when absent'),
    referral: id(64).optional().describe('A campaign or manager code (ref) the app was opened with'),
    /** `terminal` is what `npm run chat` sends, so its conversations are told apart from the bank app's. */
    channel,
  })
  .meta({ id: 'ChatRequest' });

export const messagesQuery = z.object({
  userId: id(128),
  afterSeq: queryInt(0).default(0).describe('Return messages after this seq (the last one the app has)'),
  limit: queryInt(1, 200).default(50),
  channel,
});

/** A card the client draws under the text; its fields follow its `type`. */
const card = z
  .custom<NonNullable<StoredReply['card']>>((value) => typeof value === 'object' && value !== null && 'type' in value)
  .meta({ id: 'Card', type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['offer', 'schedule', 'receipt', 'account', 'consent', 'link'] } }, description: 'A card under the text; its other fields follow its type (docs/chat-api.md)' });

/** One message of the assistant (or a staff member) as the wire carries it (`replyToWire`). */
export const wireReply = z
  .object({
    id: z.string(),
    seq: z.number().int().describe('Position in the conversation, rising'),
    text: z.string(),
    options: z.array(z.object({ label: z.string(), value: z.string() })).optional().describe('Buttons; sending `value` as text picks one'),
    card: card.optional(),
    expects: z.string().optional().describe('What the assistant waits for (e.g. an ID number), for the app’s keyboard'),
    sender: z.object({ kind: z.string(), name: z.string() }).optional().describe('A staff member’s words: who wrote them'),
  })
  .meta({ id: 'Reply' });

export const chatAnswer = z.object({ replies: z.array(wireReply) }).meta({ id: 'ChatResponse' });
export const messagesAnswer = z
  .object({
    messages: z.array(wireReply.extend({ createdAt: z.iso.datetime() })),
    nextAfterSeq: z.number().int().describe('Send as afterSeq next time'),
  })
  .meta({ id: 'MessagesResponse' });

/** The wire form of a reply: options, card and expects only when present. */
export function replyToWire(reply: StoredReply): z.output<typeof wireReply> {
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

const sendSchema = {
  ...doc(
    'chat',
    'Send what the borrower typed; the replies come back in the answer · 发送消息',
    CHAT_SECURITY,
    'A repeated `messageId` of the same `userId` returns the replies stored the first time and runs nothing again. Messages of one user are processed one at a time, in arrival order.',
  ),
  body: chatBody,
  response: { 200: chatAnswer, ...errorResponses },
};

const messagesSchema = {
  ...doc('chat', 'Messages after a seq: staff words, reminders, anything sent later · 拉取后续消息', CHAT_SECURITY),
  querystring: messagesQuery,
  response: { 200: messagesAnswer, ...errorResponses },
};

export const restMessageId = (userId: string, messageId: string): string => `${userId.length}:${userId}:${messageId}`;

/**
 * The REST channel, a public contract for a bank's own app (docs/chat-api.md; its schema at /docs):
 * POST /api/v1/chat answers a message; GET /api/v1/chat/messages fetches later messages.
 */
export function chatRoutes(app: FastifyInstance, deps: { runtime: ConversationRuntime; token: string | undefined }): void {
  const authenticate = bearerAuth(deps.token, 'kuaidai-chat');

  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/api/v1/chat', { onRequest: authenticate, schema: sendSchema }, async (request) => {
    const body = request.body;
    const inbound: InboundMessage = {
      channel: body.channel,
      userId: body.userId,
      messageId: restMessageId(body.userId, body.messageId),
      text: body.text,
      ...(body.locale ? { locale: body.locale } : {}),
      ...(body.referral ? { referral: body.referral } : {}),
      ...withOrigin(clientOrigin(app, request)),
    };
    const result = await deps.runtime.receive(inbound, { requestId: request.id });
    return { replies: result.replies.map(replyToWire) };
  });

  api.get('/api/v1/chat/messages', { onRequest: authenticate, schema: messagesSchema }, async (request) => {
    const query = request.query;
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
