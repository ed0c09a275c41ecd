import { z } from 'zod';
import { Prisma, type PrismaClient } from '../db/generated/client.js';

export const QUEUE_VIEWS = ['requested', 'mine', 'unassigned', 'all'] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];
export const QUEUE_FLAGS = ['declined', 'overdue', 'complaint'] as const;
export const SLA_FILTERS = ['breached', 'due_soon', 'open'] as const;
/** "Due soon": the deadline is within this long. */
export const DUE_SOON_MS = 60 * 60_000;

const channel = z.enum(['web', 'rest', 'terminal', 'wechat', 'official_account', 'wecom']);
export const queueQuery = z.object({
  view: z.enum(QUEUE_VIEWS).default('requested'),
  channel: channel.optional(),
  /** A flow step or its first part: `application` matches `application.mobile`. */
  step: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a step name').optional(),
  sla: z.enum(SLA_FILTERS).optional(),
  flag: z.enum(QUEUE_FLAGS).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type QueueQuery = z.infer<typeof queueQuery>;

/** One line of the queue: nothing in it is a full ID number, phone or card number (the borrower's phone is the stored masked one). */
export interface QueueRow {
  readonly id: string;
  readonly channel: string;
  readonly handoff: 'bot' | 'requested' | 'staff';
  readonly step: string | null;
  readonly locale: string;
  readonly borrower: { readonly name: string | null; readonly phone: string | null } | null;
  /** Who is serving the borrower (only while a person is). */
  readonly assignee: { readonly id: string; readonly displayName: string; readonly employeeNo: string | null } | null;
  readonly requestedAt: string | null;
  readonly lastMessageAt: string;
  /** What the borrower last wrote, as stored (PII masked), cut to a preview. */
  readonly lastMessage: { readonly author: 'borrower' | 'bot' | 'staff' | 'system'; readonly text: string } | null;
  /** The earliest deadline of the conversation's open hand-off or complaint work order. */
  readonly slaDueAt: string | null;
  readonly flags: { readonly declined: boolean; readonly overdue: boolean; readonly complaint: boolean };
}

export interface QueueCounts {
  readonly requested: number;
  readonly mine: number;
  readonly unassigned: number;
  readonly all: number;
}

const OPEN_ITEM = Prisma.sql`w.status NOT IN ('resolved', 'closed')`;

/**
 * Every conversation with what the queue filters on, as a CTE `q`. The flags and the SLA deadline
 * come from small sets (declined borrowers, borrowers with an unpaid past-due instalment, open
 * hand-off/complaint work orders) joined by hash, so the whole set stays one pass over the
 * conversations however many there are.
 */
function base(now: Date, where: Prisma.Sql): Prisma.Sql {
  const today = now.toISOString().slice(0, 10);
  return Prisma.sql`
WITH declined AS (
  SELECT DISTINCT a."borrowerId" AS id FROM "Decision" d JOIN "Application" a ON a.id = d."applicationId" WHERE d.outcome = 'declined'
), overdue AS (
  SELECT DISTINCT cl."borrowerId" AS id FROM "Installment" i JOIN "Drawdown" dd ON dd.id = i."drawdownId" JOIN "CreditLine" cl ON cl.id = dd."creditLineId"
  WHERE i.status <> 'paid' AND (i.status = 'overdue' OR i."dueDate" < ${today}::date)
), items AS (
  -- The deadline that comes next: the first response while nobody has answered, then the resolution.
  SELECT w."conversationId" AS id, min(CASE WHEN w."firstRespondedAt" IS NULL AND w."firstResponseDueAt" IS NOT NULL THEN w."firstResponseDueAt" ELSE w."dueAt" END) AS "slaDueAt",
    bool_or(w.kind = 'complaint') AS complaint
  FROM "WorkItem" w WHERE w.kind IN ('handoff', 'complaint') AND ${OPEN_ITEM} AND w."conversationId" IS NOT NULL GROUP BY w."conversationId"
), complaints AS (
  SELECT DISTINCT w."borrowerId" AS id FROM "WorkItem" w WHERE w.kind = 'complaint' AND ${OPEN_ITEM} AND w."borrowerId" IS NOT NULL
), q AS (
  SELECT c.id, c.channel, c."handoffStatus" AS handoff, c."assignedStaffId", c."borrowerId", c.locale,
    v.step, v."handoffRequestedAt", COALESCE(v."lastMessageAt", c."updatedAt") AS "lastMessageAt",
    it."slaDueAt",
    (de.id IS NOT NULL) AS declined, (od.id IS NOT NULL) AS overdue, (COALESCE(it.complaint, false) OR cp.id IS NOT NULL) AS complaint
  FROM "Conversation" c
  LEFT JOIN "ConsoleConversation" v ON v."conversationId" = c.id
  LEFT JOIN items it ON it.id = c.id::text
  LEFT JOIN declined de ON de.id = c."borrowerId"
  LEFT JOIN overdue od ON od.id = c."borrowerId"
  LEFT JOIN complaints cp ON cp.id = c."borrowerId"
  ${where}
)`;
}

function viewCondition(view: QueueView, staffId: string): Prisma.Sql {
  switch (view) {
    case 'requested':
      return Prisma.sql`q.handoff = 'requested'`;
    case 'mine':
      return Prisma.sql`q.handoff = 'staff' AND q."assignedStaffId" = ${staffId}::uuid`;
    case 'unassigned':
      // Nobody is serving the borrower: the bot has them, or they wait for a person.
      return Prisma.sql`q.handoff <> 'staff'`;
    case 'all':
      return Prisma.sql`true`;
  }
}

function filters(q: QueueQuery, now: Date): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`true`];
  if (q.channel) parts.push(Prisma.sql`q.channel = ${q.channel}::"Channel"`);
  if (q.step) parts.push(Prisma.sql`(q.step = ${q.step} OR q.step LIKE ${`${q.step.replace(/[\\%_]/g, '\\$&')}.%`})`);
  if (q.flag) parts.push(Prisma.sql`q.${Prisma.raw(q.flag)}`);
  if (q.sla === 'open') parts.push(Prisma.sql`q."slaDueAt" IS NOT NULL`);
  if (q.sla === 'breached') parts.push(Prisma.sql`q."slaDueAt" <= ${now}`);
  if (q.sla === 'due_soon') parts.push(Prisma.sql`q."slaDueAt" > ${now} AND q."slaDueAt" <= ${new Date(now.getTime() + DUE_SOON_MS)}`);
  return Prisma.join(parts, ' AND ');
}

const ROWS = (limit: number, condition: Prisma.Sql, order: Prisma.Sql) => Prisma.sql`
, page AS (SELECT * FROM q WHERE ${condition} ORDER BY ${order} LIMIT ${limit})
SELECT page.id::text AS id, page.channel::text AS channel, page.handoff::text AS handoff, page.step, page.locale,
  page."handoffRequestedAt" AS "requestedAt", page."lastMessageAt", page."slaDueAt", page.declined, page.overdue, page.complaint,
  b.name AS "borrowerName", b."phoneMasked" AS "borrowerPhone", (page."borrowerId" IS NOT NULL) AS "hasBorrower",
  CASE WHEN page.handoff = 'staff' THEN s.id::text END AS "assigneeId", s."displayName" AS "assigneeName", s."employeeNo" AS "assigneeNo",
  m.author AS "lastAuthor", left(m.text, 120) AS "lastText"
FROM page
LEFT JOIN "Borrower" b ON b.id = page."borrowerId"
LEFT JOIN "StaffUser" s ON s.id = page."assignedStaffId" AND page.handoff = 'staff'
LEFT JOIN LATERAL (
  SELECT lm.author, lm.text FROM "Message" lm WHERE lm."conversationId" = page.id AND lm.direction = 'inbound' AND lm.author = 'borrower' ORDER BY lm.seq DESC LIMIT 1
) m ON true
ORDER BY ${order}`;

interface RawRow {
  id: string;
  channel: string;
  handoff: 'bot' | 'requested' | 'staff';
  step: string | null;
  locale: string;
  requestedAt: Date | null;
  lastMessageAt: Date;
  slaDueAt: Date | null;
  declined: boolean;
  overdue: boolean;
  complaint: boolean;
  borrowerName: string | null;
  borrowerPhone: string | null;
  hasBorrower: boolean;
  assigneeId: string | null;
  assigneeName: string | null;
  assigneeNo: string | null;
  lastAuthor: string | null;
  lastText: string | null;
}

const authorKind = (author: string): 'borrower' | 'bot' | 'staff' | 'system' => (author === 'borrower' ? 'borrower' : author.startsWith('staff') ? 'staff' : author === 'system' ? 'system' : 'bot');

function toRow(r: RawRow): QueueRow {
  return {
    id: r.id,
    channel: r.channel,
    handoff: r.handoff,
    step: r.step,
    locale: r.locale,
    borrower: r.hasBorrower ? { name: r.borrowerName, phone: r.borrowerPhone } : null,
    assignee: r.assigneeId ? { id: r.assigneeId, displayName: r.assigneeName ?? '', employeeNo: r.assigneeNo } : null,
    requestedAt: r.requestedAt?.toISOString() ?? null,
    lastMessageAt: r.lastMessageAt.toISOString(),
    lastMessage: r.lastAuthor === null || r.lastText === null ? null : { author: authorKind(r.lastAuthor), text: r.lastText },
    slaDueAt: r.slaDueAt?.toISOString() ?? null,
    flags: { declined: r.declined, overdue: r.overdue, complaint: r.complaint },
  };
}

/**
 * The live queue's server side: a view's rows (待接入 oldest request first; the others most recent
 * first) under the filters, the counts of every view under the same filters, and one conversation's
 * row for the live feed.
 */
export class ConversationQueue {
  constructor(private readonly prisma: PrismaClient) {}

  async list(q: QueueQuery, staffId: string, now: Date): Promise<{ rows: QueueRow[]; counts: QueueCounts }> {
    const order = q.view === 'requested' ? Prisma.sql`"handoffRequestedAt" ASC NULLS LAST, "lastMessageAt" ASC, id` : Prisma.sql`"lastMessageAt" DESC, id`;
    const where = filters(q, now);
    const [rows, counts] = await Promise.all([
      this.prisma.$queryRaw<RawRow[]>(Prisma.sql`${base(now, Prisma.empty)}${ROWS(q.limit, Prisma.sql`${viewCondition(q.view, staffId)} AND ${where}`, order)}`),
      this.prisma.$queryRaw<{ requested: number; mine: number; unassigned: number; all: number }[]>(Prisma.sql`${base(now, Prisma.empty)}
SELECT count(*) FILTER (WHERE ${viewCondition('requested', staffId)})::int AS requested,
       count(*) FILTER (WHERE ${viewCondition('mine', staffId)})::int AS mine,
       count(*) FILTER (WHERE ${viewCondition('unassigned', staffId)})::int AS unassigned,
       count(*)::int AS "all"
FROM q WHERE ${where}`),
    ]);
    const c = counts[0]!;
    return { rows: rows.map(toRow), counts: { requested: c.requested, mine: c.mine, unassigned: c.unassigned, all: c.all } };
  }

  /** One conversation's row (for the feed), or undefined when there is none. */
  async row(conversationId: string, now: Date): Promise<QueueRow | undefined> {
    const rows = await this.prisma.$queryRaw<RawRow[]>(Prisma.sql`${base(now, Prisma.sql`WHERE c.id = ${conversationId}::uuid`)}${ROWS(1, Prisma.sql`true`, Prisma.sql`"lastMessageAt" DESC`)}`);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** The flow steps conversations are at (first part: `application`, `menu`, …), for the filter. */
  async steps(): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ step: string }[]>(Prisma.sql`SELECT DISTINCT split_part(step, '.', 1) AS step FROM "ConsoleConversation" ORDER BY 1`);
    return rows.map((r) => r.step);
  }
}
