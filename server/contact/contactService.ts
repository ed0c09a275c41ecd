import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { decideContact, formatYuan, type ContactPolicy, type Fen } from '../../core/index.js';
import { isNoticeTemplate, NOTICE_TEMPLATES, noticeText, t, type ConversationEvent, type Locale, type NoticeTemplateName } from '../../flows/index.js';
import type { Clock } from '../clock.js';
import type { OfficialAccountApi } from '../channels/officialAccount/index.js';
import type { PrismaClient } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { crashPoint } from '../faults.js';
import type { ContactOutcome, ContactRequest, Contacts } from '../postLoan/contracts.js';
import type { SmsSender } from '../providers/index.js';
import { fieldContext, type FieldCipher } from '../security/fieldCipher.js';
import { epochMs, type Sql } from '../runtime/index.js';

/** WeChat lets an account send customer-service messages for 48 hours after the person's last action. */
const CUSTOMER_SERVICE_WINDOW_MS = 48 * 3_600_000;
/** A failed contact is tried again by the contact sweep after this long, at most MAX_ATTEMPTS times in all. */
const RETRY_AFTER_MS = 15 * 60_000;
const MAX_ATTEMPTS = 3;
const WEEK_MS = 7 * 86_400_000;

/** Private conversations a notice may go to: the borrower's own chat on each channel. */
const PRIVATE_CHANNELS = ['web', 'rest', 'official_account', 'wechat', 'wecom'] as const;

export interface ContactServiceDeps {
  readonly prisma: PrismaClient;
  /** Raw SQL on the same database: the hot path of a sweep (channel, history, the log row) in four plain statements. */
  readonly sql: Sql;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: ContactPolicy;
  /** The conversation runtime (its `dispatch`): the notice becomes a turn, stored and delivered by the outbox. */
  readonly conversations: { dispatch(conversationId: string, event: ConversationEvent): Promise<unknown> };
  readonly sms: Pick<SmsSender, 'sendNotice'>;
  /** Opens the borrower's mobile (sealed in Borrower.phoneEnc). */
  readonly cipher: Pick<FieldCipher, 'decrypt'>;
  /** The official account, when configured: template messages outside the 48-hour window (ids per kind). */
  readonly officialAccount?: {
    readonly api: Pick<OfficialAccountApi, 'sendTemplateMessage'>;
    readonly templates: { readonly reminder?: string; readonly overdue?: string };
    /** Where a tap on the template message leads (the web chat). */
    readonly url?: string;
    readonly windowMs?: number;
  };
}

type Route =
  | { readonly kind: 'conversation'; readonly channel: string; readonly conversationId: string; readonly locale: Locale }
  | { readonly kind: 'oa_template'; readonly channel: 'official_account'; readonly conversationId: string; readonly openid: string; readonly templateId: string; readonly locale: Locale }
  | { readonly kind: 'sms'; readonly channel: 'sms'; readonly mobile: string; readonly locale: Locale };

interface LogRow {
  readonly id: string;
  readonly key: string;
  readonly borrowerId: string;
  readonly template: string;
  readonly params: unknown;
  readonly status: string;
  readonly channel: string | null;
  readonly reason: string | null;
  readonly notBefore: Date | null;
  readonly attempts: number;
}

/**
 * The one contact component (Contacts) every post-loan job calls. For each request, by its key:
 *
 * 1. A key already sent answers `duplicate` and sends nothing; a deferred one waits for its moment.
 * 2. The borrower's own channel: their most recent private conversation (web, REST, official account,
 *    personal WeChat, WeCom), else an SMS to their mobile; never a group chat. None: `suppressed`.
 * 3. The contact rules (core decideContact) on the ContactLog history: outside the window or over a
 *    cap the row is stored `deferred` with `notBefore`, and `sendDeferred` sends it then.
 * 4. The row is marked `sending` BEFORE anything goes out, then the notice is sent — a conversation
 *    event `postloan.notice` (told once per key, so a resend after a crash is told once), an
 *    official-account template message outside WeChat's 48-hour window, or a keyed SMS — and the row
 *    is marked `sent` with the channel's answer, or `failed` (retried by the sweep up to 3 times).
 *    A row found `sending` (a process died mid-way) is sent again: every channel but the
 *    official-account template message is idempotent by the key.
 *
 * Every contact stays in ContactLog: channel, template, params, time, result.
 */
export class ContactService implements Contacts {
  constructor(private readonly deps: ContactServiceDeps) {}

  async contact(request: ContactRequest): Promise<ContactOutcome> {
    if (!isNoticeTemplate(request.template)) throw new AppError('CONTACT_TEMPLATE_UNKNOWN', { template: request.template });
    const now = this.deps.clock.now();
    // A new key is decided first and its row written once, already in its state (four statements for a
    // contact sent); a key seen before (the unique index says so) continues from its row.
    const route = await this.routeFor(request.borrowerId, request.template, now);
    const decision = route ? decideContact({ now: now.getTime(), chatType: 'private', recipient: 'borrower', history: await this.historyOf(request.borrowerId, request.key, now) }, this.deps.policy) : null;
    const state: { status: string; reason?: string; channel?: string; conversationId?: string | null; notBefore?: Date; attempts?: number } =
      !route ? { status: 'suppressed', reason: 'no_channel' }
      : decision!.kind === 'refuse' ? { status: 'suppressed', reason: decision!.reason, channel: route.channel }
      : decision!.kind === 'defer' ? { status: 'deferred', reason: decision!.reason, notBefore: new Date(decision!.notBefore), channel: route.channel }
      : { status: 'sending', channel: route.channel, conversationId: route.kind === 'sms' ? null : route.conversationId, attempts: 1 };
    const id = randomUUID();
    const inserted = await this.deps.sql.query(
      `INSERT INTO "ContactLog" (id, key, "borrowerId", "creditLineId", purpose, template, params, channel, "conversationId", status, reason, "notBefore", attempts, "createdAt", "updatedAt")
       VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5, $6, $7::jsonb, $8, $9::uuid, $10, $11, $12::timestamptz, $13, $14::timestamptz, $14::timestamptz)
       ON CONFLICT (key) DO NOTHING RETURNING id`,
      [
        id, request.key, request.borrowerId, request.creditLineId ?? null, request.purpose, request.template, JSON.stringify(request.params), state.channel ?? null,
        state.conversationId ?? null, state.status, state.reason ?? null, state.notBefore?.toISOString() ?? null, state.attempts ?? 0, now.toISOString(),
      ],
    );
    // A key seen before: it continues from its row.
    if (!inserted.length) return this.attempt((await this.deps.prisma.contactLog.findUnique({ where: { key: request.key } }))!, now);
    const row: LogRow = { id, key: request.key, borrowerId: request.borrowerId, template: request.template, params: request.params, status: state.status, channel: state.channel ?? null, reason: state.reason ?? null, notBefore: state.notBefore ?? null, attempts: state.attempts ?? 0 };
    if (!route) this.deps.logger.warn({ key: request.key, borrowerId: request.borrowerId }, 'contact suppressed: the borrower has no private channel and no mobile');
    if (state.status === 'suppressed') return { status: 'suppressed', reason: state.reason! };
    if (state.status === 'deferred') return { status: 'deferred', channel: route!.channel, notBefore: state.notBefore!, reason: state.reason! };
    return this.deliver(row, route!, now);
  }

  /**
   * `contact` for a sweep's chunk: the channels, histories and log rows of all requests read and
   * written in a few statements (rows `sending` before anything leaves, as one at a time), the
   * notices sent one by one, then marked sent together. Keys seen before go through `contact`.
   */
  async contactMany(requests: readonly ContactRequest[]): Promise<ContactOutcome[]> {
    for (const r of requests) if (!isNoticeTemplate(r.template)) throw new AppError('CONTACT_TEMPLATE_UNKNOWN', { template: r.template });
    if (requests.length <= 1) return Promise.all(requests.map((r) => this.contact(r)));
    const now = this.deps.clock.now();
    const keys = requests.map((r) => r.key);
    const known = new Set((await this.deps.sql.query(`SELECT key FROM "ContactLog" WHERE key = ANY($1::text[])`, [textArray(keys)])).map((r) => r.key as string));
    const seen = new Set<string>();
    const fresh = requests.filter((r) => !known.has(r.key) && !seen.has(r.key) && seen.add(r.key));
    const borrowers = [...new Set(fresh.map((r) => r.borrowerId))];
    const [conversations, histories] = await Promise.all([this.latestConversations(borrowers), this.historiesOf(borrowers, keys, now)]);
    const routes = fresh.map((r) => this.routeOf(conversations.get(r.borrowerId), r.template, now));
    const phones = await this.phonesOf([...new Set(fresh.filter((_, i) => routes[i] === 'sms').map((r) => r.borrowerId))]);

    type Planned = { request: ContactRequest; route: Route | null; state: { status: string; reason?: string; notBefore?: Date } };
    const planned: Planned[] = fresh.map((request, i) => {
      const r = routes[i]!;
      const route = r === 'sms' ? this.smsRoute(request.borrowerId, phones.get(request.borrowerId) ?? null, conversations.get(request.borrowerId)?.locale) : r;
      if (!route) return { request, route, state: { status: 'suppressed', reason: 'no_channel' } };
      const history = histories.get(request.borrowerId) ?? [];
      const decision = decideContact({ now: now.getTime(), chatType: 'private', recipient: 'borrower', history }, this.deps.policy);
      if (decision.kind === 'refuse') return { request, route, state: { status: 'suppressed', reason: decision.reason } };
      if (decision.kind === 'defer') return { request, route, state: { status: 'deferred', reason: decision.reason, notBefore: new Date(decision.notBefore) } };
      // The next request of the same borrower counts this one.
      histories.set(request.borrowerId, [...history, now.getTime()]);
      return { request, route, state: { status: 'sending' } };
    });

    const ids = planned.map(() => randomUUID());
    const col = <T>(f: (p: Planned, i: number) => T) => planned.map(f);
    const inserted = new Set(
      (
        await this.deps.sql.query(
          `INSERT INTO "ContactLog" (id, key, "borrowerId", "creditLineId", purpose, template, params, channel, "conversationId", status, reason, "notBefore", attempts, "createdAt", "updatedAt")
           SELECT v.id, v.key, v.borrower, v.line, v.purpose, v.template, v.params::jsonb, v.channel, v.conversation, v.status, v.reason, v."notBefore",
             CASE WHEN v.status = 'sending' THEN 1 ELSE 0 END, $12::timestamptz, $12::timestamptz
           FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::uuid[], $10::text[], $11::text[], $13::timestamptz[])
             AS v(id, key, borrower, line, purpose, template, params, channel, conversation, status, reason, "notBefore")
           ON CONFLICT (key) DO NOTHING RETURNING key`,
          [
            `{${ids.join(',')}}`, textArray(col((p) => p.request.key)), `{${col((p) => p.request.borrowerId).join(',')}}`, nullableArray(col((p) => p.request.creditLineId ?? null)),
            textArray(col((p) => p.request.purpose)), textArray(col((p) => p.request.template)), JSON.stringify(col((p) => JSON.stringify(p.request.params))).replace(/^\[/, '{').replace(/\]$/, '}'),
            nullableArray(col((p) => p.route?.channel ?? null)), nullableArray(col((p) => (p.route && p.route.kind !== 'sms' ? p.route.conversationId : null))),
            textArray(col((p) => p.state.status)), nullableArray(col((p) => p.state.reason ?? null)), now.toISOString(), nullableArray(col((p) => p.state.notBefore?.toISOString() ?? null)),
          ],
        )
      ).map((r) => r.key as string),
    );

    const byKey = new Map<string, ContactOutcome>();
    const sent: { id: string; result: Record<string, unknown> }[] = [];
    for (let i = 0; i < planned.length; i++) {
      const { request, route, state } = planned[i]!;
      if (!inserted.has(request.key)) continue;
      if (state.status === 'suppressed') byKey.set(request.key, { status: 'suppressed', reason: state.reason! });
      else if (state.status === 'deferred') byKey.set(request.key, { status: 'deferred', channel: route!.channel, notBefore: state.notBefore!, reason: state.reason! });
      else {
        const row: LogRow = { id: ids[i]!, key: request.key, borrowerId: request.borrowerId, template: request.template, params: request.params, status: 'sending', channel: route!.channel, reason: null, notBefore: null, attempts: 1 };
        try {
          sent.push({ id: row.id, result: await this.send(route!, row, request.template as NoticeTemplateName, now) });
          crashPoint('contact.after_send');
          byKey.set(request.key, { status: 'sent', channel: route!.channel });
        } catch (e) {
          byKey.set(request.key, await this.failed(row, route!, now, e));
        }
      }
    }
    if (sent.length)
      await this.deps.sql.query(
        `UPDATE "ContactLog" c SET status = 'sent', "sentAt" = $3::timestamptz, result = v.result::jsonb, "notBefore" = NULL, "updatedAt" = $3::timestamptz
         FROM unnest($1::uuid[], $2::text[]) AS v(id, result) WHERE c.id = v.id`,
        [`{${sent.map((x) => x.id).join(',')}}`, JSON.stringify(sent.map((x) => JSON.stringify(x.result))).replace(/^\[/, '{').replace(/\]$/, '}'), now.toISOString()],
      );
    // Keys seen before (or written by another process a moment ago) continue from their rows, one at a time.
    const out: ContactOutcome[] = [];
    const told = new Set<string>();
    for (const r of requests) {
      const first = byKey.get(r.key);
      // The same key twice in one chunk answers as `contact` twice would: sent, then duplicate.
      if (first && told.has(r.key)) out.push(first.status === 'sent' ? { status: 'duplicate', ...(first.channel ? { channel: first.channel } : {}) } : first);
      else out.push(first ?? (await this.contact(r)));
      told.add(r.key);
    }
    return out;
  }

  async sendDeferred(): Promise<{ sent: number; deferred: number; failed: number }> {
    const now = this.deps.clock.now();
    const totals = { sent: 0, deferred: 0, failed: 0 };
    let after = '';
    // Keyset over due rows (deferred whose moment came, failed due a retry, sending left by a dead process).
    for (;;) {
      const rows: LogRow[] = await this.deps.prisma.contactLog.findMany({
        where: {
          key: { gt: after },
          OR: [
            { status: 'deferred', notBefore: { lte: now } },
            { status: 'failed', attempts: { lt: MAX_ATTEMPTS }, notBefore: { lte: now } },
            { status: { in: ['sending', 'pending'] }, updatedAt: { lte: new Date(now.getTime() - 60_000) } },
          ],
        },
        orderBy: { key: 'asc' },
        take: 200,
      });
      if (!rows.length) break;
      for (const row of rows) {
        const outcome = await this.attempt(row, this.deps.clock.now());
        if (outcome.status === 'sent') totals.sent++;
        else if (outcome.status === 'deferred') totals.deferred++;
        else if (outcome.status === 'failed') totals.failed++;
      }
      after = rows[rows.length - 1]!.key;
    }
    return totals;
  }

  private async attempt(row: LogRow, now: Date): Promise<ContactOutcome> {
    const { prisma } = this.deps;
    switch (row.status) {
      case 'sent':
        return { status: 'duplicate', ...(row.channel ? { channel: row.channel } : {}) };
      case 'suppressed':
        return { status: 'suppressed', ...(row.reason ? { reason: row.reason } : {}) };
      case 'deferred':
        if (row.notBefore && row.notBefore > now) return { status: 'deferred', notBefore: row.notBefore, ...(row.reason ? { reason: row.reason } : {}) };
        break;
      case 'failed':
        if (row.attempts >= MAX_ATTEMPTS || (row.notBefore && row.notBefore > now)) return { status: 'failed', ...(row.reason ? { reason: row.reason } : {}) };
        break;
    }
    const template = row.template as NoticeTemplateName;
    const route = await this.routeFor(row.borrowerId, template, now);
    if (!route) {
      await prisma.contactLog.update({ where: { id: row.id }, data: { status: 'suppressed', reason: 'no_channel' } });
      this.deps.logger.warn({ key: row.key, borrowerId: row.borrowerId }, 'contact suppressed: the borrower has no private channel and no mobile');
      return { status: 'suppressed', reason: 'no_channel' };
    }
    const decision = decideContact({ now: now.getTime(), chatType: 'private', recipient: 'borrower', history: await this.historyOf(row.borrowerId, row.key, now) }, this.deps.policy);
    if (decision.kind === 'refuse') {
      await prisma.contactLog.update({ where: { id: row.id }, data: { status: 'suppressed', reason: decision.reason, channel: route.channel } });
      return { status: 'suppressed', reason: decision.reason };
    }
    if (decision.kind === 'defer') {
      const notBefore = new Date(decision.notBefore);
      await prisma.contactLog.update({ where: { id: row.id }, data: { status: 'deferred', notBefore, reason: decision.reason, channel: route.channel } });
      return { status: 'deferred', channel: route.channel, notBefore, reason: decision.reason };
    }

    // Logged as being sent before anything leaves: a crash from here on is found and finished, never lost.
    await prisma.contactLog.update({
      where: { id: row.id },
      data: { status: 'sending', channel: route.channel, conversationId: route.kind === 'sms' ? null : route.conversationId, attempts: { increment: 1 }, reason: null },
    });
    return this.deliver(row, route, now);
  }

  /** Sends a row already logged `sending`, then marks it sent (or failed, for the sweep to retry). */
  private async deliver(row: LogRow, route: Route, now: Date): Promise<ContactOutcome> {
    const template = row.template as NoticeTemplateName;
    try {
      const result = await this.send(route, row, template, now);
      crashPoint('contact.after_send');
      await this.deps.sql.query(`UPDATE "ContactLog" SET status = 'sent', "sentAt" = $2::timestamptz, result = $3::jsonb, "notBefore" = NULL, "updatedAt" = $2::timestamptz WHERE id = $1::uuid`, [row.id, now.toISOString(), JSON.stringify(result)]);
      return { status: 'sent', channel: route.channel };
    } catch (e) {
      return this.failed(row, route, now, e);
    }
  }

  private async failed(row: LogRow, route: Route, now: Date, e: unknown): Promise<ContactOutcome> {
    const reason = e instanceof AppError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
    this.deps.logger.warn({ err: e, key: row.key, channel: route.channel }, 'contact failed; the contact sweep tries again');
    await this.deps.prisma.contactLog.update({ where: { id: row.id }, data: { status: 'failed', reason: reason.slice(0, 500), notBefore: new Date(now.getTime() + RETRY_AFTER_MS), result: { error: reason.slice(0, 500) } } });
    return { status: 'failed', channel: route.channel, reason };
  }

  private async send(route: Route, row: LogRow, template: NoticeTemplateName, now: Date): Promise<Record<string, unknown>> {
    const params = (row.params ?? {}) as Record<string, string | number>;
    switch (route.kind) {
      case 'conversation': {
        await this.deps.conversations.dispatch(route.conversationId, { type: 'postloan.notice', noticeId: row.key, template, params, at: now.getTime() });
        return { channel: route.channel, conversationId: route.conversationId };
      }
      case 'sms': {
        const text = `${noticeText(template, params, route.locale)}${t(route.locale, 'notice.sms.suffix')}`;
        const sent = await this.deps.sms.sendNotice({ key: row.key, mobile: route.mobile, template, text });
        if (!sent.ok) throw new AppError('PROVIDER_UNAVAILABLE', { provider: 'sms', reason: `${sent.reason}: ${sent.detail}` });
        return { channel: 'sms', messageId: sent.messageId };
      }
      case 'oa_template': {
        const oa = this.deps.officialAccount!;
        const money = (v: unknown) => (typeof v === 'number' ? `¥${formatYuan(v as Fen)}` : '');
        const sent = await oa.api.sendTemplateMessage({
          touser: route.openid,
          template_id: route.templateId,
          ...(oa.url ? { url: oa.url } : {}),
          data: {
            first: { value: noticeText(template, params, route.locale) },
            keyword1: { value: money(params.amount) },
            keyword2: { value: String(params.dueDate ?? '') },
            remark: { value: t(route.locale, 'notice.sms.suffix') },
          },
        });
        if (!sent.ok) throw new AppError('WECHAT_API_FAILED', { api: 'message/template/send', reason: `errcode ${sent.errcode} ${sent.errmsg}`.trim() });
        return { channel: 'official_account', templateId: route.templateId, ...(sent.msgid !== undefined ? { msgid: sent.msgid } : {}) };
      }
    }
  }

  private async historyOf(borrowerId: string, key: string, now: Date): Promise<number[]> {
    return (await this.historiesOf([borrowerId], [key], now)).get(borrowerId) ?? [];
  }

  /**
   * The borrower's own channel now: their most recent private conversation; on the official account
   * outside the 48-hour window, its template message (when the kind has a template id), else SMS.
   */
  private async routeFor(borrowerId: string, template: string, now: Date): Promise<Route | null> {
    const conversation = (await this.latestConversations([borrowerId])).get(borrowerId);
    const route = this.routeOf(conversation, template, now);
    if (route !== 'sms') return route;
    return this.smsRoute(borrowerId, (await this.phonesOf([borrowerId])).get(borrowerId) ?? null, conversation?.locale);
  }

  /** A conversation route, or 'sms' when the borrower must be reached by SMS. */
  private routeOf(conversation: LatestConversation | undefined, template: string, now: Date): Route | 'sms' {
    const locale: Locale = conversation?.locale === 'en' ? 'en' : 'zh';
    if (conversation && conversation.channel !== 'official_account') return { kind: 'conversation', channel: conversation.channel, conversationId: conversation.id, locale };
    if (conversation) {
      const oa = this.deps.officialAccount;
      const last = conversation.lastInboundAt === null ? undefined : Number(conversation.lastInboundAt);
      if (last !== undefined && now.getTime() - last <= (oa?.windowMs ?? CUSTOMER_SERVICE_WINDOW_MS)) return { kind: 'conversation', channel: 'official_account', conversationId: conversation.id, locale };
      const kind = (NOTICE_TEMPLATES[template as NoticeTemplateName] as { officialAccount?: 'reminder' | 'overdue' }).officialAccount;
      const templateId = kind ? oa?.templates[kind] : undefined;
      if (oa && templateId) return { kind: 'oa_template', channel: 'official_account', conversationId: conversation.id, openid: conversation.externalUserId, templateId, locale };
    }
    return 'sms';
  }

  private smsRoute(borrowerId: string, phoneEnc: string | null, locale: string | undefined): Route | null {
    if (!phoneEnc) return null;
    return { kind: 'sms', channel: 'sms', mobile: this.deps.cipher.decrypt(phoneEnc, fieldContext('Borrower', 'phoneEnc', borrowerId)), locale: locale === 'en' ? 'en' : 'zh' };
  }

  /** Each borrower's most recent private conversation (never a group chat). */
  private async latestConversations(borrowerIds: readonly string[]): Promise<Map<string, LatestConversation>> {
    const rows = await this.deps.sql.query(
      `SELECT DISTINCT ON ("borrowerId") "borrowerId"::text AS "borrowerId", id::text AS id, channel::text AS channel, "externalUserId", locale, ${epochMs('"lastInboundAt"')} AS "lastInboundAt"
       FROM "Conversation" WHERE "borrowerId" = ANY($1::uuid[]) AND "externalChatId" = '' AND channel::text = ANY($2::text[])
       ORDER BY "borrowerId", "lastInboundAt" DESC NULLS LAST, "updatedAt" DESC`,
      [`{${borrowerIds.join(',')}}`, `{${PRIVATE_CHANNELS.join(',')}}`],
    );
    return new Map(rows.map((r) => [r.borrowerId as string, r as unknown as LatestConversation]));
  }

  private async phonesOf(borrowerIds: readonly string[]): Promise<Map<string, string>> {
    if (!borrowerIds.length) return new Map();
    const rows = await this.deps.sql.query(`SELECT id::text AS id, "phoneEnc" FROM "Borrower" WHERE id = ANY($1::uuid[]) AND "phoneEnc" IS NOT NULL`, [`{${borrowerIds.join(',')}}`]);
    return new Map(rows.map((r) => [r.id as string, r.phoneEnc as string]));
  }

  /** Moments of these borrowers' contacts in the last week (sent, or being sent), these keys excluded. */
  private async historiesOf(borrowerIds: readonly string[], keys: readonly string[], now: Date): Promise<Map<string, number[]>> {
    const since = new Date(now.getTime() - WEEK_MS - 86_400_000).toISOString();
    const rows = await this.deps.sql.query(
      `SELECT "borrowerId"::text AS "borrowerId", ${epochMs(`CASE WHEN status = 'sent' THEN "sentAt" ELSE "updatedAt" END`)} AS at FROM "ContactLog"
       WHERE "borrowerId" = ANY($1::uuid[]) AND NOT (key = ANY($2::text[])) AND ((status = 'sent' AND "sentAt" >= $3::timestamptz) OR (status = 'sending' AND "updatedAt" >= $3::timestamptz))`,
      [`{${borrowerIds.join(',')}}`, textArray(keys), since],
    );
    const out = new Map<string, number[]>();
    for (const r of rows) out.set(r.borrowerId as string, [...(out.get(r.borrowerId as string) ?? []), Number(r.at)]);
    return out;
  }
}

interface LatestConversation {
  readonly id: string;
  readonly channel: string;
  readonly externalUserId: string;
  readonly locale: string;
  readonly lastInboundAt: number | null;
}

/** A PostgreSQL text[] literal (keys are plain ASCII: prefixes, uuids, numbers, kinds). */
const textArray = (values: readonly string[]): string => `{${values.map((v) => `"${v.replace(/["\\]/g, '')}"`).join(',')}}`;

/** A PostgreSQL array literal of nullable text (NULL unquoted). */
const nullableArray = (values: readonly (string | null)[]): string => `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/["\\]/g, '')}"`)).join(',')}}`;
