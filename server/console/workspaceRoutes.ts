import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import { clientOrigin } from '../http/clientOrigin.js';
import { queryInt } from '../http/parseInput.js';
import type { StaffAuth } from '../http/staffAuth.js';
import { audit, isUniqueViolation } from '../services/persistence.js';
import { conversationContext } from './conversationContext.js';
import type { ConversationQueue } from './conversationQueue.js';
import type { ConversationOwnership } from './ownership.js';
import { staffTranscript } from './transcript.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

const conversationParams = z.object({ id: z.uuid({ error: 'must be a conversation id (UUID)' }) });
const transcriptQuery = z.object({ afterSeq: queryInt(0).default(0) });
const noteBody = z.object({ text: z.string().trim().min(1).max(2_000) });
const cannedBody = z.object({
  shortcut: z.string().trim().regex(/^[a-z0-9_-]{1,24}$/, 'must be 1-24 lower-case letters, digits, _ or -'),
  locale: z.enum(['zh', 'en']),
  title: z.string().trim().min(1).max(32),
  text: z.string().trim().min(1).max(1_000),
});

export interface WorkspaceRoutesDeps {
  readonly prisma: PrismaClient;
  readonly clock: Clock;
  readonly auth: StaffAuth;
  readonly queue: ConversationQueue;
  readonly ownership: ConversationOwnership;
}

/**
 * What the console's conversation page reads and writes besides the hand-off API (staffRoutes):
 * the transcript for staff (tapped options as labels), the borrower's context (audited as opening
 * their details), private notes (never sent to the borrower; audited) and canned replies (agents
 * read them; supervisors and admins add them; audited).
 */
export function workspaceRoutes(app: FastifyInstance, deps: WorkspaceRoutesDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { prisma } = deps;
  const agents = deps.auth.require('agent', 'supervisor');
  const editors = deps.auth.require('supervisor', 'admin');
  const audited = (request: FastifyRequest, action: string, subjectType: string, subjectId: string | null, detail: Record<string, unknown>) => {
    const origin = clientOrigin(app, request);
    return audit(prisma, { actorType: 'staff', actorId: request.staff!.staffId, action, subjectType, subjectId, at: deps.clock.now().getTime(), detail: { username: request.staff!.username, ...detail, ...(origin ? { origin } : {}) } });
  };
  const existing = async (id: string) => {
    const row = await deps.queue.row(id, deps.clock.now());
    if (!row) throw new AppError('CONVERSATION_NOT_FOUND', { conversationId: id });
    return row;
  };

  api.get('/api/v1/staff/conversations/:id/transcript', { onRequest: agents, schema: { ...doc('console', 'A conversation’s transcript for the workspace, masked · 会话记录', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: conversationParams, querystring: transcriptQuery } }, async (request) => {
    const { id } = request.params;
    const { afterSeq } = request.query;
    const conversation = await existing(id);
    return { conversation, messages: await staffTranscript(prisma, id, afterSeq) };
  });

  api.get('/api/v1/staff/conversations/:id/context', { onRequest: agents, schema: { ...doc('console', 'The borrower’s application, line and loans beside the chat · 客户信息', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: conversationParams } }, async (request) => {
    const { id } = request.params;
    await existing(id);
    const context = await conversationContext(prisma, id, deps.clock.now());
    const borrowerId = (await prisma.conversation.findUnique({ where: { id }, select: { borrowerId: true } }))?.borrowerId ?? null;
    // Opening the context panel is opening the borrower's details.
    await audited(request, 'borrower.details_viewed', borrowerId ? 'Borrower' : 'conversation', borrowerId ?? id, { conversationId: id, via: 'console.context' });
    return context;
  });

  api.get('/api/v1/staff/conversations/:id/notes', { onRequest: agents, schema: { ...doc('console', 'Internal notes on a conversation · 内部备注', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: conversationParams } }, async (request) => {
    const { id } = request.params;
    await existing(id);
    const notes = await prisma.conversationNote.findMany({ where: { conversationId: id }, orderBy: { createdAt: 'asc' }, take: 500 });
    const authors = new Map((await prisma.staffUser.findMany({ where: { id: { in: [...new Set(notes.map((n) => n.authorId))] } }, select: { id: true, displayName: true, employeeNo: true } })).map((s) => [s.id, s]));
    return {
      notes: notes.map((n) => ({ id: n.id, text: n.text, createdAt: n.createdAt.toISOString(), author: authors.get(n.authorId) ? { displayName: authors.get(n.authorId)!.displayName, employeeNo: authors.get(n.authorId)!.employeeNo } : null })),
    };
  });

  api.post('/api/v1/staff/conversations/:id/notes', { onRequest: agents, schema: { ...doc('console', 'Add an internal note · 添加备注', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: conversationParams, body: noteBody } }, async (request, reply) => {
    const { id } = request.params;
    const { text } = request.body;
    await existing(id);
    const staff = request.staff!;
    const note = await prisma.conversationNote.create({ data: { conversationId: id, authorId: staff.staffId, text, createdAt: deps.clock.now() } });
    await audited(request, 'conversation.note', 'conversation', id, { noteId: note.id, length: text.length });
    return reply.code(201).send({ note: { id: note.id, text: note.text, createdAt: note.createdAt.toISOString(), author: { displayName: staff.displayName, employeeNo: staff.employeeNo } } });
  });

  api.get('/api/v1/staff/canned-replies', { onRequest: agents, schema: { ...doc('console', 'Canned replies · 快捷回复', STAFF_SECURITY, 'Roles: agent, supervisor.') } }, async () => {
    const rows = await prisma.cannedReply.findMany({ orderBy: [{ shortcut: 'asc' }, { locale: 'asc' }] });
    return { cannedReplies: rows.map((r) => ({ id: r.id, shortcut: r.shortcut, locale: r.locale, title: r.title, text: r.text })) };
  });

  api.post('/api/v1/staff/canned-replies', { onRequest: editors, schema: { ...doc('console', 'Add a canned reply · 新增快捷回复', STAFF_SECURITY, 'Roles: supervisor, admin.'), body: cannedBody } }, async (request, reply) => {
    const body = request.body;
    try {
      const row = await prisma.cannedReply.create({ data: { ...body, createdById: request.staff!.staffId, createdAt: deps.clock.now() } });
      await audited(request, 'canned_reply.created', 'CannedReply', row.id, { shortcut: body.shortcut, locale: body.locale });
      return reply.code(201).send({ cannedReply: { id: row.id, shortcut: row.shortcut, locale: row.locale, title: row.title, text: row.text } });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError('CANNED_REPLY_EXISTS', { shortcut: body.shortcut, locale: body.locale });
      throw e;
    }
  });

  // Who is serving, for a page that wants only that (the transcript's row has it too).
  api.get('/api/v1/staff/conversations/:id/holder', { onRequest: agents, schema: { ...doc('console', 'Who serves a conversation now · 当前接待人', STAFF_SECURITY, 'Roles: agent, supervisor.'), params: conversationParams } }, async (request) => {
    const { id } = request.params;
    await existing(id);
    return { holder: await deps.ownership.holder(id) };
  });
}
