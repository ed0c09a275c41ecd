import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Database } from '../db/index.js';
import { AppError } from '../errors.js';
import type { ConversationRuntime } from '../runtime/index.js';
import { bearerAuth } from './bearerAuth.js';
import { replyToWire } from './chatRoutes.js';
import { parseInput, queryInt } from './parseInput.js';

const staffId = z.string().trim().min(1).max(64);
const conversationParams = z.object({ id: z.uuid({ error: 'must be a conversation id (UUID)' }) });
const listQuery = z.object({
  handoff: z.enum(['requested', 'staff', 'bot', 'any']).default('any'),
  limit: queryInt(1, 200).default(50),
});
const transcriptQuery = z.object({ afterSeq: queryInt(0).default(0), limit: queryInt(1, 500).default(100) });
const takeoverBody = z.object({ staffId, staffName: z.string().trim().min(1).max(32) });
const messageBody = z.object({ staffId, text: z.string().trim().min(1).max(2_000), staffName: z.string().trim().min(1).max(32).optional() });
const handbackBody = z.object({ staffId });

/**
 * The hand-off API customer-service staff (or the bank's console) use: list conversations waiting
 * for a person, read a transcript (ID and phone numbers masked), take one over, speak in it, and hand
 * it back so the borrower continues exactly where they were. Every action is audited.
 */
export function staffRoutes(app: FastifyInstance, deps: { runtime: ConversationRuntime; db: Database; clock: Clock; token: string | undefined }): void {
  const onRequest = bearerAuth(deps.token, 'kuaidai-staff');
  const { prisma } = deps.db;

  app.get('/api/v1/staff/conversations', { onRequest }, async (request) => {
    const q = parseInput(listQuery, request.query);
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

  app.get('/api/v1/staff/conversations/:id/messages', { onRequest }, async (request) => {
    const { id } = parseInput(conversationParams, request.params);
    const q = parseInput(transcriptQuery, request.query);
    await existing(id);
    const messages = await prisma.message.findMany({ where: { conversationId: id, seq: { gt: q.afterSeq } }, orderBy: { seq: 'asc' }, take: q.limit });
    return {
      messages: messages.map((m) => ({
        seq: m.seq,
        direction: m.direction,
        author: m.author,
        ...replyToWire({ id: m.id, seq: m.seq, text: m.text, ...((m.payload as object | null) ?? {}) }),
        createdAt: m.createdAt.toISOString(),
      })),
    };
  });

  const act = async (id: string, staff: string, action: string, event: Parameters<ConversationRuntime['dispatch']>[1]) => {
    await existing(id);
    const result = await deps.runtime.dispatch(id, event);
    await prisma.auditLog.create({ data: { at: deps.clock.now(), actorType: 'staff', actorId: staff, action, subjectType: 'conversation', subjectId: id } });
    return { replies: result.replies.map(replyToWire) };
  };

  app.post('/api/v1/staff/conversations/:id/takeover', { onRequest }, async (request) => {
    const { id } = parseInput(conversationParams, request.params);
    const body = parseInput(takeoverBody, request.body);
    return act(id, body.staffId, 'conversation.takeover', { type: 'staff.takeover', staffId: body.staffId, staffName: body.staffName, at: deps.clock.now().getTime() });
  });

  app.post('/api/v1/staff/conversations/:id/messages', { onRequest }, async (request) => {
    const { id } = parseInput(conversationParams, request.params);
    const body = parseInput(messageBody, request.body);
    return act(id, body.staffId, 'conversation.staff_message', { type: 'staff.message', staffId: body.staffId, text: body.text, ...(body.staffName ? { staffName: body.staffName } : {}), at: deps.clock.now().getTime() });
  });

  app.post('/api/v1/staff/conversations/:id/handback', { onRequest }, async (request) => {
    const { id } = parseInput(conversationParams, request.params);
    const body = parseInput(handbackBody, request.body);
    return act(id, body.staffId, 'conversation.handback', { type: 'staff.handback', staffId: body.staffId, at: deps.clock.now().getTime() });
  });

  async function existing(id: string): Promise<void> {
    const found = await prisma.conversation.findUnique({ where: { id }, select: { id: true } });
    if (!found) throw new AppError('CONVERSATION_NOT_FOUND', { conversationId: id });
  }
}
