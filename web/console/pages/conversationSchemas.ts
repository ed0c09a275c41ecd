import { z } from 'zod';

/** What the conversation pages read from the server, checked on arrival (GET /api/v1/staff/queue, the feed, the transcript). */
const staffName = z.object({ displayName: z.string(), employeeNo: z.string().nullable() });

export const queueRowSchema = z.object({
  id: z.string(),
  channel: z.string(),
  handoff: z.enum(['bot', 'requested', 'staff']),
  step: z.string().nullable(),
  locale: z.string(),
  borrower: z.object({ name: z.string().nullable(), phone: z.string().nullable() }).nullable(),
  assignee: staffName.extend({ id: z.string() }).nullable(),
  requestedAt: z.string().nullable(),
  lastMessageAt: z.string(),
  lastMessage: z.object({ author: z.enum(['borrower', 'bot', 'staff', 'system']), text: z.string() }).nullable(),
  slaDueAt: z.string().nullable(),
  flags: z.object({ declined: z.boolean(), overdue: z.boolean(), complaint: z.boolean() }),
});
export type QueueRow = z.infer<typeof queueRowSchema>;

const counts = z.object({ requested: z.number(), mine: z.number(), unassigned: z.number(), all: z.number() });
export const queueAnswerSchema = z.object({ rows: z.array(queueRowSchema), counts, steps: z.array(z.string()), now: z.string() });

/** A conversation event of the feed: its row, or null when the conversation is gone. */
export const conversationEventSchema = z.object({ kind: z.literal('conversation'), id: z.string(), row: queueRowSchema.nullable() });

export const viewerSchema = staffName.extend({ staffId: z.string(), until: z.string() });
export type Viewer = z.infer<typeof viewerSchema>;
export const presenceEventSchema = z.object({ kind: z.literal('presence'), id: z.string(), viewers: z.array(viewerSchema) });

export const lineSchema = z.object({
  seq: z.number(),
  direction: z.enum(['inbound', 'outbound']),
  author: z.enum(['borrower', 'bot', 'staff', 'system']),
  staff: staffName.optional(),
  text: z.string(),
  tapped: z.literal(true).optional(),
  options: z.array(z.string()).optional(),
  card: z.string().optional(),
  createdAt: z.string(),
});
export type Line = z.infer<typeof lineSchema>;
export const transcriptSchema = z.object({ conversation: queueRowSchema, messages: z.array(lineSchema) });
