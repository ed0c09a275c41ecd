import type { Logger } from 'pino';
import { nextInWindow, shanghaiDayNumber, shanghaiMoment } from '../../core/index.js';
import type { Clock } from '../clock.js';
import type { MarketingConfig } from '../config/marketingSettings.js';
import { Prisma, type PrismaClient } from '../db/generated/client.js';
import { crashPoint } from '../faults.js';
import { replyPayload } from '../runtime/storedReply.js';
import { campaignContentSchema, groupTargetSchema, type AudienceSpec, type CampaignChannel, type CampaignContent, type GroupTarget, type ResolveAudience } from './contracts.js';
import type { CampaignDeliveryChannels } from './deliveryChannels.js';
import { marketingOptedOutSql } from './marketingOptOut.js';
import { campaignCustomerServiceMessage, campaignReply, campaignRobotMessage, campaignRoomText, campaignTemplateMessage, renderCampaignMessage } from './renderCampaignMessage.js';

/** WeChat lets an account send customer-service messages for 48 hours after the person's last action. */
const OA_WINDOW_MS = 48 * 3_600_000;
const DAY_MS = 86_400_000;
const COMPLAINT_LOOKBACK_MS = 30 * DAY_MS;
/** Open (not final) delivery states. */
const OPEN = ['pending', 'deferred', 'sending'];

/** The sender's lifecycle moves; CampaignService.markRunning/markDone (audited) when given, else a guarded UPDATE on status and version. */
export interface CampaignStatusMoves {
  markRunning(id: string): Promise<boolean>;
  markDone(id: string): Promise<boolean>;
}

export interface CampaignSenderDeps {
  readonly prisma: PrismaClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly marketing: MarketingConfig;
  readonly publicBaseUrl: string;
  readonly resolveAudience: ResolveAudience;
  readonly channels: CampaignDeliveryChannels;
  readonly lifecycle?: CampaignStatusMoves | undefined;
  /** Deliveries claimed per batch (default 500). */
  readonly batchSize?: number;
  /** A claimed (`sending`) delivery older than this is taken for interrupted (default 2 minutes; the kill test shortens it). */
  readonly leaseMs?: number;
  /** Recipients read per audience page while materialising (default 1,000). */
  readonly pageSize?: number;
}

/** What one batch did, and when the campaign's next batch may run (rates, quiet hours, deferrals). */
export interface BatchResult {
  readonly campaignId: string;
  readonly status: string;
  readonly claimed: number;
  readonly sent: number;
  readonly suppressed: number;
  readonly deferred: number;
  readonly failed: number;
  /** Deliveries still open (pending, deferred, sending). */
  readonly open: number;
  /** When to run the next batch; undefined when the campaign is finished (done, or cancelled and settled) or not running. */
  readonly nextAt: Date | undefined;
}

interface Claimed {
  id: string;
  channel: CampaignChannel;
  target: string;
  recipientKey: string;
  borrowerId: string | null;
  conversationId: string | null;
  token: string;
  attempts: number;
}

interface CampaignRow {
  id: string;
  code: string;
  status: string;
  content: CampaignContent;
  audience: AudienceSpec;
  channels: CampaignChannel[];
  groupTargets: GroupTarget[];
}

/**
 * The campaign sending engine. A campaign `scheduled` for now or earlier is started (running); its
 * deliveries are MATERIALISED first — one CampaignDelivery per recipient of the audience and one per
 * group target, keyed (campaignId, recipientKey) so materialising again adds nobody twice — then sent
 * in batches:
 *
 * 1. Outside MARKETING_WINDOW every open delivery is `deferred` to the next window start (never dropped).
 * 2. A batch is CLAIMED in one statement (pending/due deferred → `sending`, attempts + 1, a lease).
 * 3. Suppression, in one statement: opted out (MARKETING_OPT_OUT_RULE), overdue (a line with DPD > 0 or
 *    bucket ≠ M0), complained in the last 30 days, over the per-person daily or weekly cap (sent
 *    campaign messages by recipientKey or borrower) → `suppressed` with the reason.
 * 4. Web chat: the message is appended to the person's conversation AND the delivery marked sent in ONE
 *    statement (exactly once; the outbox pushes it to open sockets). External channels (WeCom robot,
 *    wechaty room, official account): the call, then the delivery marked sent; a delivery found
 *    `sending` past its lease may have gone out, so it is never sent again — `failed` with reason
 *    `interrupted` (at most once).
 * 5. When no delivery is open the campaign is done. Paused: nothing is claimed (the rest stay pending).
 *    Cancelled: the open rest is `suppressed` with reason `cancelled`.
 *
 * The rate of each batch (CAMPAIGN_RATE_WEB / _OA per second; robots 20 a minute each, in their
 * client) sets `nextAt`; the job runner's handler reschedules itself for it instead of sleeping.
 */
export class CampaignSender {
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pageSize: number;
  /** Campaigns this process materialised (idempotent anyway: after a restart they are read again). */
  private readonly materialised = new Set<string>();

  constructor(private readonly deps: CampaignSenderDeps) {
    this.batchSize = deps.batchSize ?? 500;
    this.leaseMs = deps.leaseMs ?? 120_000;
    this.pageSize = deps.pageSize ?? 1_000;
  }

  /** The running wechaty bot's rooms, once it logged in (server/main.ts). */
  useRooms(rooms: CampaignDeliveryChannels['rooms']): void {
    this.deps.channels.rooms = rooms;
  }

  /** Starts every campaign scheduled for now or earlier; returns their ids. */
  async startDue(): Promise<string[]> {
    const now = this.deps.clock.now();
    const due = await this.deps.prisma.campaign.findMany({ where: { status: 'scheduled', scheduledAt: { lte: now } }, select: { id: true, version: true }, orderBy: { scheduledAt: 'asc' } });
    const started: string[] = [];
    for (const c of due) {
      const moved = this.deps.lifecycle
        ? await this.deps.lifecycle.markRunning(c.id)
        : (await this.deps.prisma.campaign.updateMany({ where: { id: c.id, status: 'scheduled', version: c.version }, data: { status: 'running', startedAt: now, version: { increment: 1 } } })).count === 1;
      if (moved) {
        started.push(c.id);
        this.deps.logger.info({ campaignId: c.id }, 'campaign started');
      }
    }
    return started;
  }

  /** Campaigns with work for the sender: running ones, and cancelled ones whose open deliveries are not settled yet. */
  async active(): Promise<string[]> {
    const rows = await this.deps.prisma.$queryRaw<{ id: string }[]>`
      SELECT c.id::text AS id FROM "Campaign" c WHERE c.status = 'running'
        OR (c.status = 'cancelled' AND EXISTS (SELECT 1 FROM "CampaignDelivery" d WHERE d."campaignId" = c.id AND d.status IN ('pending', 'deferred')))`;
    return rows.map((r) => r.id);
  }

  /**
   * One CampaignDelivery per recipient (audience pages, keyset) and per group target; rows already
   * there are left as they are. Returns how many rows this call added.
   */
  async materialise(campaignId: string): Promise<number> {
    const campaign = await this.load(campaignId);
    if (!campaign) return 0;
    let added = 0;
    const personal = campaign.channels.filter((c) => c === 'web' || c === 'official_account');
    let after: string | undefined;
    while (personal.length) {
      const page = await this.deps.resolveAudience(campaign.audience, { channels: personal, limit: this.pageSize, ...(after ? { after } : {}) });
      if (!page.length) break;
      added += await this.insertDeliveries(campaignId, page.map((r) => ({ channel: r.channel, target: r.target, recipientKey: r.recipientKey, borrowerId: r.borrowerId ?? null, conversationId: r.conversationId ?? null })));
      after = page.at(-1)!.recipientKey;
      if (page.length < this.pageSize) break;
    }
    const groups = campaign.groupTargets
      .filter((g) => campaign.channels.includes(g.kind))
      .map((g) => (g.kind === 'wecom_robot' ? { channel: g.kind, target: g.robot, recipientKey: `robot:${g.robot}` } : { channel: g.kind, target: g.roomId, recipientKey: `room:${g.roomId}` }));
    if (groups.length) added += await this.insertDeliveries(campaignId, groups.map((g) => ({ ...g, borrowerId: null, conversationId: null })));
    this.materialised.add(campaignId);
    if (added) this.deps.logger.info({ campaignId, added }, 'campaign deliveries materialised');
    return added;
  }

  private async insertDeliveries(campaignId: string, rows: { channel: string; target: string; recipientKey: string; borrowerId: string | null; conversationId: string | null }[]): Promise<number> {
    const now = this.deps.clock.now();
    // The token is 122 random bits (a v4 uuid's), hex: the tracked link /r/<token> cannot be guessed.
    return this.deps.prisma.$executeRaw`
      INSERT INTO "CampaignDelivery" (id, "campaignId", channel, target, "recipientKey", "borrowerId", "conversationId", status, token, attempts, "createdAt", "updatedAt")
      SELECT gen_random_uuid(), ${campaignId}::uuid, v.channel, v.target, v.key, v.borrower, v.conversation, 'pending', replace(gen_random_uuid()::text, '-', ''), 0, ${now}, ${now}
      FROM unnest(${rows.map((r) => r.channel)}::text[], ${rows.map((r) => r.target)}::text[], ${rows.map((r) => r.recipientKey)}::text[],
                  ${rows.map((r) => r.borrowerId)}::uuid[], ${rows.map((r) => r.conversationId)}::uuid[]) AS v(channel, target, key, borrower, conversation)
      ON CONFLICT ("campaignId", "recipientKey") DO NOTHING`;
  }

  /**
   * One batch of one campaign: recover interrupted claims, settle a cancelled campaign, defer outside
   * the window, claim, suppress, send, and finish the campaign when nothing is open.
   */
  async sendBatch(campaignId: string): Promise<BatchResult> {
    const started = this.deps.clock.now();
    const campaign = await this.load(campaignId);
    const empty = { campaignId, claimed: 0, sent: 0, suppressed: 0, deferred: 0, failed: 0 };
    if (!campaign) return { ...empty, status: 'missing', open: 0, nextAt: undefined };
    await this.recoverInterrupted(campaignId, started);
    if (campaign.status === 'cancelled') {
      const n = await this.deps.prisma.campaignDelivery.updateMany({ where: { campaignId, status: { in: ['pending', 'deferred'] } }, data: { status: 'suppressed', reason: 'cancelled', notBefore: null } });
      return { ...empty, suppressed: n.count, status: 'cancelled', open: await this.openCount(campaignId), nextAt: undefined };
    }
    if (campaign.status !== 'running') return { ...empty, status: campaign.status, open: await this.openCount(campaignId), nextAt: undefined };
    if (!this.materialised.has(campaignId)) await this.materialise(campaignId);

    // Quiet hours: everything open waits for the next window start.
    const windowAt = nextInWindow(this.deps.marketing.policy, started.getTime());
    if (windowAt > started.getTime()) {
      const notBefore = new Date(windowAt);
      const n = await this.deps.prisma.campaignDelivery.updateMany({
        where: { campaignId, OR: [{ status: 'pending' }, { status: 'deferred', notBefore: { lt: notBefore } }] },
        data: { status: 'deferred', reason: 'quiet_hours', notBefore },
      });
      return { ...empty, deferred: n.count, status: 'running', open: await this.openCount(campaignId), nextAt: notBefore };
    }

    const claimed = await this.claim(campaignId, started);
    const suppressed = await this.suppress(claimed, started);
    const sendable = claimed.filter((d) => !suppressed.has(d.id));
    const counts = { sent: 0, deferred: 0, failed: 0 };
    const add = (o: Outcome) => void (o === 'sent' ? counts.sent++ : o === 'deferred' ? counts.deferred++ : o === 'failed' ? counts.failed++ : undefined);
    for (const o of await this.sendWeb(campaign, sendable.filter((d) => d.channel === 'web'), started)) add(o);
    for (const d of sendable.filter((x) => x.channel !== 'web')) add(await this.sendExternal(campaign, d));

    const open = await this.openCount(campaignId);
    if (open === 0) {
      const done = this.deps.lifecycle
        ? await this.deps.lifecycle.markDone(campaignId)
        : (await this.deps.prisma.campaign.updateMany({ where: { id: campaignId, status: 'running' }, data: { status: 'done', finishedAt: this.deps.clock.now(), version: { increment: 1 } } })).count === 1;
      if (done) this.deps.logger.info({ campaignId }, 'campaign done: every delivery is final');
      return { campaignId, claimed: claimed.length, suppressed: suppressed.size, ...counts, status: 'done', open, nextAt: undefined };
    }
    return { campaignId, claimed: claimed.length, suppressed: suppressed.size, ...counts, status: 'running', open, nextAt: await this.nextBatchAt(campaignId, started, claimed) };
  }

  /** The next batch: after the time this one's messages take at their channel's rate, or the earliest deferral when nothing is pending. */
  private async nextBatchAt(campaignId: string, started: Date, claimed: readonly Claimed[]): Promise<Date> {
    const rate = this.deps.marketing.ratePerSecond;
    const web = claimed.filter((d) => d.channel === 'web').length;
    const oa = claimed.filter((d) => d.channel === 'official_account').length;
    const paced = new Date(started.getTime() + Math.ceil(Math.max(web / rate.web, oa / rate.officialAccount) * 1000));
    const pending = await this.deps.prisma.campaignDelivery.count({ where: { campaignId, status: 'pending' } });
    if (pending) return paced;
    const next = await this.deps.prisma.campaignDelivery.aggregate({ where: { campaignId, status: { in: ['deferred', 'sending'] } }, _min: { notBefore: true } });
    const at = next._min.notBefore ?? new Date(started.getTime() + this.leaseMs);
    return at > paced ? at : paced;
  }

  private openCount(campaignId: string): Promise<number> {
    return this.deps.prisma.campaignDelivery.count({ where: { campaignId, status: { in: OPEN } } });
  }

  /**
   * Claims past their lease: a web-chat delivery was not sent (its message and its `sent` are one
   * statement) and goes back to pending; an external one may have been, so it is failed `interrupted`.
   */
  async recoverInterrupted(campaignId: string, now: Date = this.deps.clock.now()): Promise<number> {
    const web = await this.deps.prisma.campaignDelivery.updateMany({ where: { campaignId, status: 'sending', channel: 'web', notBefore: { lt: now } }, data: { status: 'pending', notBefore: null } });
    const external = await this.deps.prisma.campaignDelivery.updateMany({
      where: { campaignId, status: 'sending', channel: { not: 'web' }, notBefore: { lt: now } },
      data: { status: 'failed', reason: 'interrupted', lastError: 'the server stopped while sending: it may have gone out, so it is not sent again', notBefore: null },
    });
    if (external.count) this.deps.logger.warn({ campaignId, deliveries: external.count }, 'campaign deliveries interrupted mid-send: marked failed (interrupted), not sent again');
    return web.count + external.count;
  }

  private async claim(campaignId: string, now: Date): Promise<Claimed[]> {
    const lease = new Date(now.getTime() + this.leaseMs);
    return this.deps.prisma.$queryRaw<Claimed[]>`
      UPDATE "CampaignDelivery" d SET status = 'sending', attempts = d.attempts + 1, "notBefore" = ${lease}, "updatedAt" = ${now}
      WHERE d.id IN (
        SELECT id FROM "CampaignDelivery"
        WHERE "campaignId" = ${campaignId}::uuid AND (status = 'pending' OR (status = 'deferred' AND "notBefore" <= ${now}))
        ORDER BY "recipientKey" LIMIT ${this.batchSize} FOR UPDATE SKIP LOCKED)
      RETURNING d.id::text AS id, d.channel, d.target, d."recipientKey", d."borrowerId"::text AS "borrowerId", d."conversationId"::text AS "conversationId", d.token, d.attempts`;
  }

  /** Marks the claimed deliveries that must not go out `suppressed` with the reason; returns their ids. */
  private async suppress(claimed: readonly Claimed[], now: Date): Promise<Set<string>> {
    if (!claimed.length) return new Set();
    const { maxPerDay, maxPerWeek } = this.deps.marketing.policy;
    const shanghaiMidnight = new Date(shanghaiMoment(shanghaiDayNumber(now.getTime()), 0));
    const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
    const complaintsSince = new Date(now.getTime() - COMPLAINT_LOOKBACK_MS);
    // Two indexed lookups (recipientKey, sentAt) and (borrowerId, sentAt), UNIONed so a row matching both counts once.
    const sentSince = (since: Date) => Prisma.sql`(SELECT count(*) FROM (
        SELECT x.id FROM "CampaignDelivery" x WHERE x."recipientKey" = d."recipientKey" AND x."sentAt" >= ${since} AND x.status = 'sent' AND x."campaignId" <> d."campaignId"
        UNION
        SELECT x.id FROM "CampaignDelivery" x WHERE d."borrowerId" IS NOT NULL AND x."borrowerId" = d."borrowerId" AND x."sentAt" >= ${since} AND x.status = 'sent' AND x."campaignId" <> d."campaignId") sent)`;
    const optedOut = marketingOptedOutSql({ borrowerId: Prisma.sql`d."borrowerId"`, channel: Prisma.sql`d.channel`, externalUserId: Prisma.sql`d.target` });
    const rows = await this.deps.prisma.$queryRaw<{ id: string; reason: string }[]>`
      WITH s AS (
        SELECT d.id, CASE
          WHEN d."recipientKey" LIKE 'robot:%' OR d."recipientKey" LIKE 'room:%' THEN NULL
          WHEN ${optedOut} THEN 'opted_out'
          WHEN d."borrowerId" IS NOT NULL AND EXISTS (SELECT 1 FROM "CreditLine" l WHERE l."borrowerId" = d."borrowerId" AND (l.dpd > 0 OR l.bucket <> 'M0')) THEN 'overdue'
          WHEN d."borrowerId" IS NOT NULL AND EXISTS (SELECT 1 FROM "WorkItem" w WHERE w."borrowerId" = d."borrowerId" AND w.kind = 'complaint' AND w."createdAt" >= ${complaintsSince}) THEN 'complained'
          WHEN ${sentSince(shanghaiMidnight)} >= ${maxPerDay} THEN 'daily_cap'
          WHEN ${sentSince(weekAgo)} >= ${maxPerWeek} THEN 'weekly_cap'
        END AS reason
        FROM "CampaignDelivery" d WHERE d.id = ANY(${claimed.map((c) => c.id)}::uuid[])
      )
      UPDATE "CampaignDelivery" d SET status = 'suppressed', reason = s.reason, "notBefore" = NULL, "updatedAt" = ${now}
      FROM s WHERE d.id = s.id AND s.reason IS NOT NULL AND d.status = 'sending'
      RETURNING d.id::text AS id, s.reason`;
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Web chat: each message appended to its conversation (next sequence number, version moved so a
   * turn that loaded the conversation before retries on its optimistic check) and its delivery
   * marked sent and delivered — in one statement, so a crash leaves both or neither. Only rows
   * still `sending` with this claim's attempt are written: a claim recovered and taken again by
   * someone else writes nothing here.
   */
  private async sendWeb(campaign: CampaignRow, claimed: readonly Claimed[], now: Date): Promise<Outcome[]> {
    if (!claimed.length) return [];
    const conversations = await this.deps.prisma.$queryRaw<{ key: string; id: string; locale: string }[]>`
      SELECT v.key, c.id::text AS id, c.locale FROM unnest(${claimed.map((d) => d.id)}::text[], ${claimed.map((d) => d.conversationId)}::uuid[], ${claimed.map((d) => d.target)}::text[]) AS v(key, conversation, target)
      CROSS JOIN LATERAL (SELECT COALESCE(v.conversation, (SELECT x.id FROM "Conversation" x WHERE x.channel = 'web' AND x."externalUserId" = v.target AND x."externalChatId" = '')) AS id) k
      JOIN "Conversation" c ON c.id = k.id`;
    const byDelivery = new Map(conversations.map((c) => [c.key, c]));
    const outcomes: Outcome[] = [];
    const rows: { id: string; attempts: number; conversation: string; text: string; payload: string }[] = [];
    const seen = new Set<string>();
    const noConversation: string[] = [];
    const later: string[] = [];
    for (const d of claimed) {
      const c = byDelivery.get(d.id);
      if (!c) {
        noConversation.push(d.id);
        continue;
      }
      // Two deliveries into one conversation in one statement would share a sequence number: the second waits a batch.
      if (seen.has(c.id)) {
        later.push(d.id);
        continue;
      }
      seen.add(c.id);
      const reply = campaignReply(renderCampaignMessage({ content: campaign.content, channel: 'web', token: d.token, publicBaseUrl: this.deps.publicBaseUrl, bankName: this.deps.marketing.bankName, locale: c.locale === 'en' ? 'en' : 'zh' }));
      rows.push({ id: d.id, attempts: d.attempts, conversation: c.id, text: reply.text, payload: JSON.stringify({ ...replyPayload(reply), campaign: { id: campaign.id, code: campaign.code } }) });
    }
    if (noConversation.length) {
      await this.deps.prisma.campaignDelivery.updateMany({ where: { id: { in: noConversation }, status: 'sending' }, data: { status: 'failed', reason: 'no_conversation', notBefore: null } });
      outcomes.push(...noConversation.map(() => 'failed' as const));
    }
    if (later.length) {
      await this.deps.prisma.campaignDelivery.updateMany({ where: { id: { in: later }, status: 'sending' }, data: { status: 'pending', notBefore: null } });
      outcomes.push(...later.map(() => 'deferred' as const));
    }
    if (!rows.length) return outcomes;
    const author = `campaign:${campaign.code}`;
    const written = await this.deps.prisma.$queryRaw<{ id: string }[]>`
      WITH v AS (
        SELECT * FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.attempts)}::int[], ${rows.map((r) => r.conversation)}::uuid[], ${rows.map((r) => r.text)}::text[], ${rows.map((r) => r.payload)}::text[])
          AS v(id, attempts, conversation, text, payload)
      ),
      marked AS (
        UPDATE "CampaignDelivery" d SET status = 'sent', reason = NULL, "sentAt" = ${now}, "deliveredAt" = ${now}, "notBefore" = NULL, "conversationId" = v.conversation, "updatedAt" = ${now}
        FROM v WHERE d.id = v.id AND d.status = 'sending' AND d.attempts = v.attempts
        RETURNING d.id, v.conversation, v.text, v.payload
      ),
      bumped AS (
        UPDATE "Conversation" c SET "lastSeq" = c."lastSeq" + 1, version = c.version + 1
        FROM marked WHERE c.id = marked.conversation
        RETURNING c.id, c."lastSeq", c.channel
      ),
      inserted AS (
        INSERT INTO "Message" (id, "conversationId", seq, direction, channel, author, text, payload, "deliveryStatus", "nextAttemptAt", "createdAt")
        SELECT gen_random_uuid(), bumped.id, bumped."lastSeq", 'outbound', bumped.channel, ${author}, marked.text, marked.payload::jsonb, 'pending', ${now}, ${now}
        FROM marked JOIN bumped ON bumped.id = marked.conversation
        RETURNING 1
      )
      SELECT marked.id::text AS id FROM marked, (SELECT count(*) FROM inserted) AS n`;
    crashPoint('campaign.after_web_batch');
    outcomes.push(...written.map(() => 'sent' as const));
    return outcomes;
  }

  /** One delivery on a WeCom robot, a wechaty room or the official account: the call, then its outcome stored. */
  private async sendExternal(campaign: CampaignRow, d: Claimed): Promise<Outcome> {
    const { channels, marketing, publicBaseUrl } = this.deps;
    const render = (locale: 'zh' | 'en' = 'zh') => renderCampaignMessage({ content: campaign.content, channel: d.channel, token: d.token, publicBaseUrl, bankName: marketing.bankName, locale });
    const settle = (data: Prisma.CampaignDeliveryUpdateManyMutationInput) => this.deps.prisma.campaignDelivery.updateMany({ where: { id: d.id, status: 'sending', attempts: d.attempts }, data: { notBefore: null, ...data } });
    const unavailable = async (what: string): Promise<Outcome> => {
      await settle({ status: 'failed', reason: 'channel_unavailable', lastError: `${what} is not configured on this server` });
      return 'failed';
    };
    const sent = async (result: Record<string, unknown>): Promise<Outcome> => {
      crashPoint('campaign.after_send');
      const now = this.deps.clock.now();
      await settle({ status: 'sent', reason: null, sentAt: now, deliveredAt: now, result: result as Prisma.InputJsonValue });
      return 'sent';
    };
    const failed = async (reason: string, lastError: string): Promise<Outcome> => {
      await settle({ status: 'failed', reason, lastError: lastError.slice(0, 500) });
      return 'failed';
    };
    try {
      if (d.channel === 'wecom_robot') {
        if (!channels.robot || !channels.robot.names.includes(d.target)) return unavailable(`WeCom robot ${d.target}`);
        const r = await channels.robot.send(d.target, campaignRobotMessage(render()));
        if (r.status === 'sent') return sent({ robot: r.robot, attempts: r.attempts });
        if (r.status === 'rate_limited') {
          // Not sent: the robot is over its allowance (20 a minute, or WeCom's 45009/130101 back-off). Back to waiting.
          await settle({ status: 'deferred', reason: 'rate_limited', notBefore: new Date(this.deps.clock.now().getTime() + r.retryAfterMs), attempts: { decrement: 1 } });
          return 'deferred';
        }
        if (r.status === 'unknown_robot') return unavailable(`WeCom robot ${d.target}`);
        return failed(r.errcode === undefined ? 'channel_error' : `errcode_${r.errcode}`, r.reason);
      }
      if (d.channel === 'wechaty_room') {
        if (!channels.rooms) return unavailable('the personal-WeChat (wechaty) bot');
        await channels.rooms(d.target, campaignRoomText(render()));
        return sent({ room: d.target });
      }
      // official_account
      if (!channels.officialAccount) return unavailable('the official account');
      const conversation = d.conversationId
        ? await this.deps.prisma.conversation.findUnique({ where: { id: d.conversationId }, select: { lastInboundAt: true, locale: true } })
        : await this.deps.prisma.conversation.findFirst({ where: { channel: 'official_account', externalUserId: d.target, externalChatId: '' }, select: { lastInboundAt: true, locale: true } });
      const locale = conversation?.locale === 'en' ? 'en' : 'zh';
      const last = conversation?.lastInboundAt?.getTime();
      if (last !== undefined && this.deps.clock.now().getTime() - last <= OA_WINDOW_MS) {
        const r = await channels.officialAccount.sendCustomMessage(campaignCustomerServiceMessage(d.target, render(locale)));
        return r.ok ? sent({ api: 'custom' }) : failed(`errcode_${r.errcode}`, r.errmsg);
      }
      if (!marketing.officialAccountTemplate) {
        await settle({ status: 'suppressed', reason: 'oa_window' });
        return 'suppressed';
      }
      const r = await channels.officialAccount.sendTemplateMessage(campaignTemplateMessage(d.target, marketing.officialAccountTemplate, render(locale), marketing.bankName));
      return r.ok ? sent({ api: 'template', ...(r.msgid === undefined ? {} : { msgid: r.msgid }) }) : failed(`errcode_${r.errcode}`, r.errmsg);
    } catch (e) {
      // The call threw (network, a room the bot is not in): it may or may not have gone out — not tried again.
      this.deps.logger.warn({ err: e, campaignId: campaign.id, deliveryId: d.id, channel: d.channel }, 'campaign delivery failed');
      return failed('channel_error', e instanceof Error ? e.message : String(e));
    }
  }

  private async load(campaignId: string): Promise<CampaignRow | undefined> {
    const row = await this.deps.prisma.campaign.findUnique({ where: { id: campaignId }, select: { id: true, code: true, status: true, content: true, audience: true, channels: true, groupTargets: true } });
    if (!row) return undefined;
    return {
      id: row.id,
      code: row.code,
      status: row.status,
      content: campaignContentSchema.parse(row.content),
      audience: (row.audience ?? {}) as AudienceSpec,
      channels: row.channels as CampaignChannel[],
      groupTargets: (Array.isArray(row.groupTargets) ? row.groupTargets : []).flatMap((g) => {
        const parsed = groupTargetSchema.safeParse(g);
        return parsed.success ? [parsed.data] : [];
      }),
    };
  }
}

type Outcome = 'sent' | 'deferred' | 'failed' | 'suppressed';
