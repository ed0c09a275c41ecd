import { addDays, shanghaiDateOf } from '../../core/index.js';
import { Prisma, type PrismaClient } from '../db/generated/client.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { PERSONAL_CAMPAIGN_CHANNELS, type AudienceSpec, type CampaignChannel, type Recipient, type ResolveAudience } from './contracts.js';

/** "Due soon": an instalment falls due within this many days (today included). */
export const DUE_SOON_DAYS = 7;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BORROWER_PREFIX = 'borrower:';

interface AudienceDeps {
  readonly prisma: Pick<PrismaClient, '$queryRaw'>;
  readonly clock: Clock;
}

/** Personal channels of `channels`, in recipientKey order (official_account: < web:). */
const personalChannels = (channels: readonly CampaignChannel[]): CampaignChannel[] =>
  [...new Set(channels.filter((c) => PERSONAL_CAMPAIGN_CHANNELS.includes(c)))].sort();

/** Any criterion names borrowers; with none, everyone with a chat on the channels is in the audience. */
const selectsBorrowers = (spec: AudienceSpec): boolean =>
  Boolean(spec.tags?.length || spec.loanStates?.length || spec.precreditBatchId || spec.branches?.length || spec.managerIds?.length);

/** Live drawdowns: money out or on its way. */
const LIVE_DRAWDOWN = Prisma.sql`d.status IN ('requested', 'disbursing', 'active')`;

/**
 * The borrower-side criteria as SQL over `b` ("Borrower"), ANDed; within a list ORed. `today` is the
 * Beijing business date (due soon counts from it).
 */
function borrowerCriteria(spec: AudienceSpec, today: string): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (spec.tags?.length) parts.push(Prisma.sql`b.tags && ${spec.tags}::text[]`);
  if (spec.branches?.length) parts.push(Prisma.sql`b."attributedBranch" = ANY(${spec.branches}::text[])`);
  if (spec.managerIds?.length) parts.push(Prisma.sql`b."attributedStaffId" = ANY(${spec.managerIds}::uuid[])`);
  if (spec.precreditBatchId)
    parts.push(Prisma.sql`EXISTS (SELECT 1 FROM "PrecreditEntry" e WHERE e."batchId" = ${spec.precreditBatchId}::uuid AND e.outcome = 'whitelisted' AND e."activatedAt" IS NULL
      AND ((e."phoneHash" IS NOT NULL AND e."phoneHash" = b."phoneHash") OR (e."idNumberHash" IS NOT NULL AND e."idNumberHash" = b."idNumberHash")))`);
  if (spec.loanStates?.length) {
    const states = spec.loanStates.map((s) => {
      switch (s) {
        case 'no_line':
          return Prisma.sql`NOT EXISTS (SELECT 1 FROM "CreditLine" l WHERE l."borrowerId" = b.id AND l.status IN ('active', 'frozen'))`;
        case 'line_unused':
          // Never drawn: a borrower who drew and repaid is paid_off, not line_unused.
          return Prisma.sql`EXISTS (SELECT 1 FROM "CreditLine" l WHERE l."borrowerId" = b.id AND l.status = 'active'
            AND NOT EXISTS (SELECT 1 FROM "Drawdown" d WHERE d."creditLineId" = l.id AND d.status <> 'failed'))`;
        case 'due_soon':
          return Prisma.sql`EXISTS (SELECT 1 FROM "CreditLine" l JOIN "Drawdown" d ON d."creditLineId" = l.id JOIN "Installment" i ON i."drawdownId" = d.id
            WHERE l."borrowerId" = b.id AND i.status IN ('scheduled', 'due') AND i."dueDate" BETWEEN ${today}::date AND ${addDays(today, DUE_SOON_DAYS)}::date)`;
        case 'paid_off':
          return Prisma.sql`(EXISTS (SELECT 1 FROM "CreditLine" l JOIN "Drawdown" d ON d."creditLineId" = l.id WHERE l."borrowerId" = b.id AND d.status = 'settled')
            AND NOT EXISTS (SELECT 1 FROM "CreditLine" l JOIN "Drawdown" d ON d."creditLineId" = l.id WHERE l."borrowerId" = b.id AND ${LIVE_DRAWDOWN}))`;
      }
    });
    parts.push(Prisma.sql`(${Prisma.join(states, ' OR ')})`);
  }
  return parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
}

// Sent as text[] then cast: the driver adapters send an array parameter untyped, and an enum array literal is refused.
const channelList = (channels: readonly CampaignChannel[]) => Prisma.sql`(${channels as string[]}::text[])::"Channel"[]`;

/**
 * The audience resolver (contracts.ts ResolveAudience): one keyset page of personal recipients in
 * recipientKey order. Known borrowers come first (`borrower:<uuid>`, one per borrower, reached on
 * their most recently active private chat among the campaign's channels), then — only when the spec
 * names no criterion, since every criterion is about borrowers — channel users not yet known as a
 * borrower (`official_account:<openid>`, then `web:<id>`). Each stream is read through an index
 * (Borrower's key with one Conversation.borrowerId probe each; the channel+user unique key), so paging through 100,000 recipients costs
 * one short query per page. Suppression is the sender's.
 */
export function resolveAudience(deps: AudienceDeps): ResolveAudience {
  return async (spec, options) => {
    const channels = personalChannels(options.channels);
    const after = options.after ?? '';
    const out: Recipient[] = [];
    if (!channels.length || options.limit <= 0) return out;
    const today = shanghaiDateOf(deps.clock.now().getTime());

    if (after < BORROWER_PREFIX || after.startsWith(BORROWER_PREFIX)) {
      const bound = after.startsWith(BORROWER_PREFIX) ? after.slice(BORROWER_PREFIX.length) : undefined;
      if (bound !== undefined && !UUID.test(bound)) throw new AppError('VALIDATION_FAILED', { field: 'after', reason: 'must be a recipientKey from an earlier page' });
      // Walks Borrower in id order and picks each one's latest private chat (one index probe per
      // borrower): a page stops after `limit` matches instead of sorting every conversation.
      const rows = await deps.prisma.$queryRaw<{ borrowerId: string; conversationId: string; channel: CampaignChannel; externalUserId: string }[]>`
        SELECT b.id::text AS "borrowerId", c.id::text AS "conversationId", c.channel::text AS channel, c."externalUserId"
        FROM "Borrower" b
        CROSS JOIN LATERAL (
          SELECT c.id, c.channel, c."externalUserId" FROM "Conversation" c
          WHERE c."borrowerId" = b.id AND c."externalChatId" = '' AND c.channel = ANY(${channelList(channels)})
          ORDER BY COALESCE(c."lastInboundAt", c."updatedAt") DESC, c.id
          LIMIT 1) c
        WHERE ${bound === undefined ? Prisma.sql`TRUE` : Prisma.sql`b.id > ${bound}::uuid`}
          AND ${borrowerCriteria(spec, today)}
        ORDER BY b.id
        LIMIT ${options.limit}`;
      for (const r of rows)
        out.push({ recipientKey: `${BORROWER_PREFIX}${r.borrowerId}`, channel: r.channel, target: r.externalUserId, borrowerId: r.borrowerId, conversationId: r.conversationId });
    }
    if (selectsBorrowers(spec)) return out;

    for (const channel of channels) {
      if (out.length >= options.limit) break;
      const prefix = `${channel}:`;
      if (after >= `${prefix}\uffff`) continue;
      const bound = after.startsWith(prefix) ? after.slice(prefix.length) : undefined;
      const rows = await deps.prisma.$queryRaw<{ conversationId: string; externalUserId: string }[]>`
        SELECT c.id::text AS "conversationId", c."externalUserId"
        FROM "Conversation" c
        WHERE c.channel = ${channel}::"Channel" AND c."externalChatId" = '' AND c."borrowerId" IS NULL
          ${bound === undefined ? Prisma.empty : Prisma.sql`AND c."externalUserId" COLLATE "C" > ${bound}`}
        ORDER BY c."externalUserId" COLLATE "C"
        LIMIT ${options.limit - out.length}`;
      for (const r of rows) out.push({ recipientKey: `${prefix}${r.externalUserId}`, channel, target: r.externalUserId, conversationId: r.conversationId });
    }
    return out;
  };
}

/** What the campaign editor shows beside the audience: how many, and how many would be held back today. */
export interface AudienceCount {
  readonly total: number;
  /** Of them, opted out of marketing (退订) now. */
  readonly optedOut: number;
  /** Of them, overdue now (never marketed to while overdue). */
  readonly overdue: number;
  /**
   * For a pre-credit audience: whitelisted, not yet activated entries no borrower with a chat matches —
   * they cannot be reached on a chat channel (only by the bank's own SMS or a manager's call).
   */
  readonly precreditUnreachable?: number;
}

/**
 * Counts an audience with the resolver's criteria (COUNT queries, no paging), with the two
 * suppressions that are cheap to tell in advance (opted out, overdue); caps and complaints are
 * applied at sending.
 */
export async function countAudience(deps: AudienceDeps, spec: AudienceSpec, channels: readonly CampaignChannel[]): Promise<AudienceCount> {
  const personal = personalChannels(channels);
  if (!personal.length) return { total: 0, optedOut: 0, overdue: 0 };
  const today = shanghaiDateOf(deps.clock.now().getTime());
  const [borrowers] = await deps.prisma.$queryRaw<{ total: number; optedOut: number; overdue: number }[]>`
    SELECT count(*)::int AS total,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "ContactPreference" p WHERE p."marketingOptOut" AND (p."borrowerId" = b.id
        OR EXISTS (SELECT 1 FROM "Conversation" o WHERE o."borrowerId" = b.id AND o.channel = p.channel AND o."externalUserId" = p."externalUserId"))))::int AS "optedOut",
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "CreditLine" l WHERE l."borrowerId" = b.id AND l.dpd > 0))::int AS overdue
    FROM "Borrower" b
    WHERE EXISTS (SELECT 1 FROM "Conversation" c WHERE c."borrowerId" = b.id AND c."externalChatId" = '' AND c.channel = ANY(${channelList(personal)}))
      AND ${borrowerCriteria(spec, today)}`;
  let total = borrowers!.total;
  let optedOut = borrowers!.optedOut;
  if (!selectsBorrowers(spec)) {
    const [anonymous] = await deps.prisma.$queryRaw<{ total: number; optedOut: number }[]>`
      SELECT count(*)::int AS total,
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "ContactPreference" p WHERE p."marketingOptOut" AND p.channel = c.channel AND p."externalUserId" = c."externalUserId"))::int AS "optedOut"
      FROM "Conversation" c
      WHERE c."externalChatId" = '' AND c."borrowerId" IS NULL AND c.channel = ANY(${channelList(personal)})`;
    total += anonymous!.total;
    optedOut += anonymous!.optedOut;
  }
  const result = { total, optedOut, overdue: borrowers!.overdue };
  if (!spec.precreditBatchId) return result;
  const [unreachable] = await deps.prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "PrecreditEntry" e
    WHERE e."batchId" = ${spec.precreditBatchId}::uuid AND e.outcome = 'whitelisted' AND e."activatedAt" IS NULL
      AND NOT EXISTS (SELECT 1 FROM "Borrower" b JOIN "Conversation" c ON c."borrowerId" = b.id AND c."externalChatId" = '' AND c.channel = ANY(${channelList(personal)})
        WHERE (e."phoneHash" IS NOT NULL AND e."phoneHash" = b."phoneHash") OR (e."idNumberHash" IS NOT NULL AND e."idNumberHash" = b."idNumberHash"))`;
  return { ...result, precreditUnreachable: unreachable!.n };
}
