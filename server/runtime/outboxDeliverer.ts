import type { Logger } from 'pino';
import type { ChannelName } from '../../bots/index.js';
import type { Clock } from '../clock.js';
import { Poller } from './poller.js';
import { epochMs, type Sql } from './sql.js';
import { storedReplyFromRow, type StoredReply } from './storedReply.js';

/** Where a reply goes: the conversation's person and chat on its channel. */
export interface DeliveryTarget {
  readonly conversationId: string;
  readonly channel: ChannelName;
  readonly userId: string;
  /** '' for a private chat. */
  readonly chatId: string;
}

/**
 * A push channel (WeChat, official account, WeCom) registers one sender. `send` resolves once the
 * channel accepted the message and throws to have it retried; it must be safe to call again for the
 * same `reply.id` (a crash between sending and marking delivered re-sends it).
 */
export interface ChannelSender {
  readonly channel: ChannelName;
  send(target: DeliveryTarget, reply: StoredReply): Promise<void>;
}

export interface OutboxOptions {
  readonly sql: Sql;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Attempts before a message is marked failed. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** How long a claimed message belongs to the process that claimed it before another may retry it. */
  readonly leaseMs?: number;
  readonly batchSize?: number;
  /** Longest wait between polls while they fail (the database is down); the poll interval doubles up to it. */
  readonly maxPollBackoffMs?: number;
  /** Told of each delivery attempt's result (server/metrics): delivered, retry (rescheduled) or failed (gave up). */
  readonly observeDelivery?: (channel: ChannelName, result: 'delivered' | 'retry' | 'failed') => void;
}

interface Pending {
  readonly target: DeliveryTarget;
  readonly reply: StoredReply;
  /** Attempts before this one. */
  readonly attempts: number;
  /** The turn that stored it (its logger carries turnId and requestId); absent for rows claimed by a poll. */
  readonly turn?: { readonly log: Logger } | undefined;
}

// Claims due pending messages of channels this process can send, oldest first, skipping any message
// with an earlier pending one in its conversation that is not due (delivery keeps conversation order).
const CLAIM_SQL = `
UPDATE "Message" AS m SET "nextAttemptAt" = $3::timestamptz
FROM "Conversation" AS c
WHERE c.id = m."conversationId" AND m.id IN (
  SELECT p.id FROM "Message" p
  WHERE p."deliveryStatus" = 'pending' AND p.direction = 'outbound' AND p.channel::text IN (SELECT jsonb_array_elements_text($1::jsonb))
    AND (p."nextAttemptAt" IS NULL OR p."nextAttemptAt" <= $2::timestamptz)
    AND NOT EXISTS (
      SELECT 1 FROM "Message" e
      WHERE e."conversationId" = p."conversationId" AND e."deliveryStatus" = 'pending' AND e.direction = 'outbound' AND e.seq < p.seq
        AND e."nextAttemptAt" > $2::timestamptz
    )
  ORDER BY p."createdAt", p.seq
  LIMIT $4::int
  FOR UPDATE OF p SKIP LOCKED
)
RETURNING m.id::text AS "id", m.seq AS "seq", m.text AS "text", m.payload::text AS "payload", m."deliveryAttempts" AS "attempts",
  m."conversationId"::text AS "conversationId", c.channel::text AS "channel", c."externalUserId" AS "userId", c."externalChatId" AS "chatId",
  ${epochMs('m."createdAt"')} AS "createdAt"`;

/**
 * Delivers outbound messages of push channels. Outbound rows are the outbox: the runtime stores them
 * `pending` in the turn's transaction and hands them here at once; this process sends them in order,
 * marks them delivered, and retries failures with exponential backoff. Rows of a process that died,
 * and retries, are found by `runDue` (at start and every poll), so nothing stored is ever lost.
 */
export class OutboxDeliverer {
  private readonly senders = new Map<ChannelName, ChannelSender>();
  private readonly queues = new Map<string, Promise<void>>();
  private poller: Poller | undefined;
  readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly batchSize: number;

  constructor(private readonly options: OutboxOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.batchSize = options.batchSize ?? 50;
  }

  /** One line per push channel: `outbox.register(wechatSender)`. */
  register(sender: ChannelSender): this {
    this.senders.set(sender.channel, sender);
    return this;
  }

  handles(channel: ChannelName): boolean {
    return this.senders.has(channel);
  }

  /** Queues freshly stored replies for delivery now, after earlier ones of the same conversation; `turn` is the turn that stored them, for the logs. */
  enqueue(target: DeliveryTarget, replies: readonly StoredReply[], turn?: { readonly log: Logger }): void {
    if (!replies.length || !this.handles(target.channel)) return;
    this.chain(target.conversationId, () => this.deliverInOrder(replies.map((reply) => ({ target, reply, attempts: 0, turn }))));
  }

  /** Claims and delivers every due message (retries, and rows left by a stopped process). Returns how many were delivered. */
  async runDue(now: Date = this.options.clock.now()): Promise<number> {
    if (!this.senders.size) return 0;
    const rows = await this.options.sql.query(CLAIM_SQL, [JSON.stringify([...this.senders.keys()]), now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), this.batchSize]);
    const byConversation = new Map<string, Pending[]>();
    for (const r of rows) {
      const target: DeliveryTarget = { conversationId: r.conversationId as string, channel: r.channel as ChannelName, userId: r.userId as string, chatId: r.chatId as string };
      const list = byConversation.get(target.conversationId) ?? [];
      list.push({ target, reply: storedReplyFromRow({ id: r.id as string, seq: r.seq as number, text: r.text as string, payload: r.payload }), attempts: r.attempts as number });
      byConversation.set(target.conversationId, list);
    }
    const counts = await Promise.all(
      [...byConversation.entries()].map(([conversationId, list]) => this.chain(conversationId, () => this.deliverInOrder(list.sort((a, b) => a.reply.seq - b.reply.seq)))),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Polls for due messages every `pollMs` (0: only when `runDue` is called); a failing poll backs off. */
  start(pollMs: number): void {
    if (this.poller || pollMs <= 0) return;
    this.poller = new Poller(() => this.runDue(), { what: 'outbox poll', logger: this.options.logger, maxBackoffMs: this.options.maxPollBackoffMs ?? 30_000 }, pollMs);
    this.poller.start();
  }

  /** Resolves when the deliveries queued so far have finished (delivered or rescheduled). */
  async idle(): Promise<void> {
    while (this.queues.size) await Promise.allSettled([...this.queues.values()]);
  }

  /** Stops polling and waits for deliveries under way. */
  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
    await this.idle();
  }

  private chain<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.queues.set(conversationId, tail);
    void tail.then(() => {
      if (this.queues.get(conversationId) === tail) this.queues.delete(conversationId);
    });
    return result;
  }

  /** Sends in sequence; the first failure reschedules it and everything after it, keeping the order. */
  private async deliverInOrder(list: readonly Pending[]): Promise<number> {
    let delivered = 0;
    for (let i = 0; i < list.length; i++) {
      const { target, reply, attempts, turn } = list[i]!;
      const sender = this.senders.get(target.channel);
      if (!sender) return delivered;
      try {
        await sender.send(target, reply);
      } catch (e) {
        await this.failed(list.slice(i), e).catch((err: unknown) => (turn?.log ?? this.options.logger).error({ err }, 'recording a failed delivery failed'));
        return delivered;
      }
      try {
        await this.options.sql.query(
          `UPDATE "Message" SET "deliveryStatus" = 'delivered', "deliveredAt" = $2::timestamptz, "deliveryAttempts" = $3::int, "deliveryError" = NULL, "nextAttemptAt" = NULL
           WHERE id = $1::uuid AND "deliveryStatus" = 'pending'`,
          [reply.id, this.options.clock.now().toISOString(), attempts + 1],
        );
        delivered++;
        this.options.observeDelivery?.(target.channel, 'delivered');
      } catch (e) {
        // Sent but not marked: the lease runs out and it is sent again; senders tolerate that (idempotent by reply id).
        (turn?.log ?? this.options.logger).error({ err: e, messageId: reply.id }, 'marking a message delivered failed');
        return delivered;
      }
    }
    return delivered;
  }

  private async failed(rest: readonly Pending[], error: unknown): Promise<void> {
    const [first, ...later] = rest;
    if (!first) return;
    const attempts = first.attempts + 1;
    const now = this.options.clock.now();
    const giveUp = attempts >= this.maxAttempts;
    const retryAt = new Date(now.getTime() + Math.min(this.baseDelayMs * 2 ** (attempts - 1), this.maxDelayMs));
    const reason = error instanceof Error ? error.message : String(error);
    this.options.observeDelivery?.(first.target.channel, giveUp ? 'failed' : 'retry');
    (first.turn?.log ?? this.options.logger).warn({ err: error, messageId: first.reply.id, channel: first.target.channel, attempts, giveUp }, 'delivering a message failed');
    await this.options.sql.query(
      `UPDATE "Message" SET "deliveryStatus" = $2::"DeliveryStatus", "deliveryAttempts" = $3::int, "nextAttemptAt" = $4::timestamptz, "deliveryError" = $5
       WHERE id = $1::uuid AND "deliveryStatus" = 'pending'`,
      [first.reply.id, giveUp ? 'failed' : 'pending', attempts, giveUp ? null : retryAt.toISOString(), reason.slice(0, 500)],
    );
    // The messages after it wait for it (a failed one no longer holds them back).
    if (later.length) {
      await this.options.sql.query(`UPDATE "Message" SET "nextAttemptAt" = $2::timestamptz WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid) AND "deliveryStatus" = 'pending'`, [
        JSON.stringify(later.map((p) => p.reply.id)),
        (giveUp ? now : retryAt).toISOString(),
      ]);
    }
  }
}
