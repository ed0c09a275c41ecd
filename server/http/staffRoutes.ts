import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Database } from '../db/index.js';
import { AppError } from '../errors.js';
import type { ConversationRuntime } from '../runtime/index.js';
import type { StaffPrincipal } from '../staff/index.js';
import { ConversationOwnership } from '../console/index.js';
import type { StaffAuth } from './staffAuth.js';
import { replyToWire } from './chatRoutes.js';
import { doc, STAFF_SECURITY } from './apiSchemas.js';
import { queryInt } from './parseInput.js';

const conversationParams = z.object({ id: z.uuid({ error: 'must be a conversation id (UUID)' }) });
const listQuery = z.object({
  handoff: z.enum(['requested', 'staff', 'bot', 'any']).default('any'),
  limit: queryInt(1, 200).default(50),
});
const transcriptQuery = z.object({ afterSeq: queryInt(0).default(0), limit: queryInt(1, 500).default(100) });
/** A service account (the bank's own system) may name the person it acts for; a person in the console is who their session says. */
const staffName = z.string().trim().min(1).max(32).optional();
const takeoverBody = z.object({ staffName }).default({});
const messageBody = z.object({ text: z.string().trim().min(1).max(2_000), staffName });

const staff = (summary: string, description?: string) => doc('staff', summary, STAFF_SECURITY, description ?? 'Roles: agent, supervisor.');
const listSchema = { ...staff('Conversations, newest first, by hand-off state · 会话列表'), querystring: listQuery };
const transcriptSchema = { ...staff('A conversation’s messages after a seq, ID and phone numbers masked · 会话记录'), params: conversationParams, querystring: transcriptQuery };
const takeoverSchema = { ...staff('Take a conversation over: the bot stops, the borrower is told a person is here · 接管会话'), params: conversationParams, body: takeoverBody };
const messageSchema = { ...staff('Speak in a conversation taken over · 人工回复'), params: conversationParams, body: messageBody };
const handbackSchema = { ...staff('Hand a conversation back to the assistant, which continues where it was · 交还机器人'), params: conversationParams };

/**
 * The hand-off API customer-service staff (or the bank's console) use: list conversations waiting
 * for a person, read a transcript (ID and phone numbers masked), take one over, speak in it, and hand
 * it back so the borrower continues exactly where they were. Agents and supervisors only (a staff
 * session or the service account's token); the acting staff member is who the session or token
 * says, never what the request body says. Every action is audited.
 */
export function staffRoutes(app: FastifyInstance, deps: { runtime: ConversationRuntime; db: Database; clock: Clock; auth: StaffAuth }): void {
  const onRequest = deps.auth.require('agent', 'supervisor');
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { prisma } = deps.db;
  // One person serves a conversation at a time: checked holding the conversation's lock.
  const ownership = new ConversationOwnership(prisma);
  /** Who the borrower sees: a person by name and 工号, a service account by the name it gives. */
  const shownAs = (staff: StaffPrincipal, given: string | undefined): { staffName: string; staffNo?: string } =>
    staff.kind === 'service' ? { staffName: given ?? staff.displayName } : { staffName: staff.displayName, ...(staff.employeeNo ? { staffNo: staff.employeeNo } : {}) };

  api.get('/api/v1/staff/conversations', { onRequest, schema: listSchema }, async (request) => {
    const q = request.query;
    const rows = await prisma.conversation.findMany({
      where: q.handoff === 'any' ? {} : { handoffStatus: q.handoff },
      orderBy: { updatedAt: 'desc' },
      take: q.limit,
      include: { borrower: { select: { name: true, phoneMasked: true } } },
    });
    return {
      conversations: rows.map((c) => ({
        id: c.id,
        channel: c.channel,
        userId: c.externalUserId,
        chatId: c.externalChatId || undefined,
        handoff: c.handoffStatus,
        borrowerId: c.borrowerId ?? undefined,
        borrower: c.borrower ? { name: c.borrower.name, phone: c.borrower.phoneMasked } : undefined,
        lastInboundAt: c.lastInboundAt?.toISOString(),
        updatedAt: c.updatedAt.toISOString(),
      })),
    };
  });

  api.get('/api/v1/staff/conversations/:id/messages', { onRequest, schema: transcriptSchema }, async (request) => {
    const { id } = request.params;
    const q = request.query;
    await existing(id);
    const messages = await prisma.message.findMany({ where: { conversationId: id, seq: { gt: q.afterSeq } }, orderBy: { seq: 'asc' }, take: q.limit });
    return {
      messages: messages.map((m) => ({
        direction: m.direction,
        author: m.author,
        ...replyToWire({ id: m.id, seq: m.seq, text: m.text, ...((m.payload as object | null) ?? {}) }),
        createdAt: m.createdAt.toISOString(),
      })),
    };
  });

  const act = async (id: string, staff: StaffPrincipal, action: string, event: Parameters<ConversationRuntime['dispatch']>[1], before: () => Promise<void>) => {
    await existing(id);
    const result = await deps.runtime.dispatch(id, event, { before });
    await prisma.auditLog.create({ data: { at: deps.clock.now(), actorType: 'staff', actorId: staff.staffId, action, subjectType: 'conversation', subjectId: id, detail: { username: staff.username } } });
    return { replies: result.replies.map(replyToWire) };
  };

  api.post('/api/v1/staff/conversations/:id/takeover', { onRequest, schema: takeoverSchema }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const staff = request.staff!;
    const at = deps.clock.now().getTime();
    const result = await act(id, staff, 'conversation.takeover', { type: 'staff.takeover', staffId: staff.staffId, ...shownAs(staff, body.staffName), at }, () => ownership.claim(id, staff));
    // The hand-off (and complaint) work orders of the conversation have their first response; the hand-off is theirs now.
    await app.workOrders.respondedInConversation(id, staff.staffId, 'takeover', at).catch((e: unknown) => request.log.warn({ err: e, conversationId: id }, 'work-order first response not recorded'));
    return result;
  });

  api.post('/api/v1/staff/conversations/:id/messages', { onRequest, schema: messageSchema }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const staff = request.staff!;
    const at = deps.clock.now().getTime();
    const result = await act(id, staff, 'conversation.staff_message', { type: 'staff.message', staffId: staff.staffId, text: body.text, ...shownAs(staff, body.staffName), at }, () => ownership.claim(id, staff));
    await app.workOrders.respondedInConversation(id, staff.staffId, 'message', at).catch((e: unknown) => request.log.warn({ err: e, conversationId: id }, 'work-order first response not recorded'));
    return result;
  });

  api.post('/api/v1/staff/conversations/:id/handback', { onRequest, schema: handbackSchema }, async (request) => {
    const { id } = request.params;
    const staff = request.staff!;
    const at = deps.clock.now().getTime();
    const result = await act(id, staff, 'conversation.handback', { type: 'staff.handback', staffId: staff.staffId, at }, () => ownership.mustNotBeOthers(id, staff));
    // A person answered: the conversation's hand-off work order is resolved.
    // The conversation has moved on whatever happens here: a failure is logged, not answered as the hand-back's.
    await app.workOrders.handedBack(id, staff.staffId, at).catch((e: unknown) => request.log.warn({ err: e, conversationId: id }, 'hand-off work order not resolved'));
    return result;
  });

  async function existing(id: string): Promise<void> {
    const found = await prisma.conversation.findUnique({ where: { id }, select: { id: true } });
    if (!found) throw new AppError('CONVERSATION_NOT_FOUND', { conversationId: id });
  }
}
