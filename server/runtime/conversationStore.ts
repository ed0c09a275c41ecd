import { randomUUID } from 'node:crypto';
import type { ChannelName } from '../../bots/index.js';
import type { ConversationStatus } from '../../flows/index.js';
import { AppError } from '../errors.js';
import { fieldContext, type FieldCipher } from '../security/fieldCipher.js';
import type { LockClosing, LockOpening } from './conversationLock.js';
import { StatementGroup, type GroupableStatement } from './statementGroup.js';
import { epochMs, type Sql, type SqlArg, type SqlRow } from './sql.js';
import { storedReplyFromRow, type StoredReply } from './storedReply.js';

/** One conversation per person per chat on a channel. */
export interface ConversationKey {
  readonly channel: ChannelName;
  readonly userId: string;
  /** '' for a private chat. */
  readonly chatId: string;
}

export interface StoredConversation {
  readonly id: string;
  readonly machineId: string;
  readonly machineVersion: number;
  readonly snapshot: unknown;
  readonly version: number;
  readonly lastSeq: number;
  readonly locale: 'zh' | 'en';
  readonly referral: string | undefined;
  readonly borrowerId: string | undefined;
}

export interface LoadedTurn {
  readonly conversation: StoredConversation | undefined;
  /**
   * What the replies since the borrower's last message expect (`expects`), when this process stored
   * the conversation's current version and knows; else undefined (ask `repliesExpect`).
   */
  readonly expects?: readonly string[] | undefined;
  /** The inbound message was stored before: who it belongs to and the replies stored for it. */
  readonly duplicate: { readonly conversationId: string; readonly replies: StoredReply[]; readonly inbound: StoredInbound | undefined } | undefined;
}

/** An inbound message as stored: its row id, sequence number and transcript text (PII masked). */
export interface StoredInbound {
  readonly id: string;
  readonly seq: number;
  readonly text: string;
}

export interface MessageRow {
  readonly id: string;
  readonly seq: number;
  readonly direction: 'inbound' | 'outbound';
  readonly channelMessageId: string | null;
  readonly author: string;
  readonly text: string;
  readonly payload: unknown;
  readonly replyToId: string | null;
  readonly deliveryStatus: 'none' | 'pending' | 'delivered';
  readonly deliveredAt: string | null;
  readonly nextAttemptAt: string | null;
}

export interface JobRow {
  readonly kind: string;
  readonly key: string;
  readonly dueAt: string;
  readonly payload: unknown;
}

export interface TurnWrite {
  readonly conversationId: string;
  readonly key: ConversationKey;
  /** Undefined for a conversation this turn creates. */
  readonly expectedVersion: number | undefined;
  /** The new machine state; undefined keeps the stored one (the turn failed). */
  readonly machine: { readonly id: string; readonly version: number; readonly snapshot: string | null } | undefined;
  readonly status: Pick<ConversationStatus, 'handoff' | 'borrowerId' | 'locale'> | undefined;
  readonly referral: string | undefined;
  readonly lastSeq: number;
  readonly lastInboundAt: Date | undefined;
  readonly messages: readonly MessageRow[];
  readonly jobs: readonly JobRow[];
  readonly cancelledJobKeys: readonly string[];
  readonly now: Date;
  /**
   * The staff console's row of the conversation, written in the same statement (the step; null keeps
   * the stored one); absent when nobody projects turns for a console.
   */
  readonly console?: { readonly step: string | null };
}

export interface TranscriptMessage extends StoredReply {
  readonly author: string;
  readonly createdAt: number;
  readonly direction: 'inbound' | 'outbound';
  /** The channel's id of an inbound message (null for outbound and staff messages). */
  readonly channelMessageId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a sealed snapshot lives: its cipher context. */
export const snapshotContext = (conversationId: string): string => fieldContext('Conversation', 'snapshot', conversationId);

// The two statements of a turn are PL/pgSQL functions (migration 20261122174829_runtime), planned once
// per connection: planning was half of a turn's database time on PGlite.
// The snapshot comes back unless it is still the one this process stored last: version $5, sealed value
// beginning with $6 (migration 20261205171500_turn_statements).
const LOAD: GroupableStatement = {
  sql: 'SELECT * FROM kuaidai_turn_load($1, $2, $3, $4, $5::int, $6)',
  // For several turns at once (migration 20261207160000_turn_statements_many; StatementGroup).
  manySql: 'SELECT * FROM kuaidai_turn_load_many($1::jsonb) ORDER BY n',
};
// The same, taking the conversation's advisory lock ($7, $8) first: the turn's opening on PostgreSQL
// (migration 20261206060000_turn_lock_in_load; server/runtime/conversationLock.ts).
const LOCKED_LOAD_SQL = 'SELECT * FROM kuaidai_turn_locked_load($1, $2, $3, $4, $5::int, $6, $7::int, $8::int)';
// The argument is JSON text already (built in `commit`): a group splices it in as it is.
const COMMIT: GroupableStatement = {
  sql: 'SELECT kuaidai_turn_commit($1::jsonb) AS "committed"',
  manySql: 'SELECT n, committed AS "committed" FROM kuaidai_turn_commit_many($1::jsonb) ORDER BY n',
  element: (args) => args[0] as string,
};
// Whether a reply since the borrower's last message expects $2 (the SMS code is masked in the transcript).
const REPLIES_EXPECT_SQL = `SELECT EXISTS (
  SELECT 1 FROM "Message" m WHERE m."conversationId" = $1::uuid AND m.direction = 'outbound' AND m.payload->>'expects' = $2
    AND m.seq > COALESCE((SELECT max(i.seq) FROM "Message" i WHERE i."conversationId" = $1::uuid AND i.direction = 'inbound' AND i.author = 'borrower'), 0)
) AS "expects"`;
// The inbound message and the replies stored for it.
const REPLIES_TO_SQL = `SELECT id::text AS "id", seq AS "seq", text AS "text", payload::text AS "payload" FROM "Message" WHERE "replyToId" = $1::uuid OR id = $1::uuid ORDER BY seq`;

// Pull channels (REST, terminal) count a message as delivered once the client has fetched it.
const MESSAGES_AFTER_SQL = `
WITH c AS (
  SELECT id, "lastSeq" FROM "Conversation" WHERE channel = $1::"Channel" AND "externalUserId" = $2 AND "externalChatId" = $3
),
sel AS (
  SELECT m.id, m.seq, m.text, m.payload, m.author, m."deliveryStatus", m."createdAt", m.direction, m."channelMessageId"
  FROM c JOIN "Message" m ON m."conversationId" = c.id
  WHERE (m.direction = 'outbound' OR $8::boolean) AND m.seq > $4::int
  ORDER BY m.seq LIMIT $5::int
),
fetched AS (
  UPDATE "Message" SET "deliveryStatus" = 'delivered', "deliveredAt" = $6::timestamptz, "deliveryAttempts" = "deliveryAttempts" + 1
  WHERE $7::boolean AND id IN (SELECT id FROM sel WHERE "deliveryStatus" = 'pending')
  RETURNING 1
)
SELECT sel.id::text AS "id", sel.seq AS "seq", sel.text AS "text", sel.payload::text AS "payload", sel.author AS "author",
       sel.direction::text AS "direction", sel."channelMessageId" AS "channelMessageId",
       ${epochMs('sel."createdAt"')} AS "createdAt", (SELECT "lastSeq" FROM c) AS "lastSeq", (SELECT count(*) FROM fetched)::int AS "fetched"
FROM (SELECT 1) AS one LEFT JOIN sel ON true
ORDER BY sel.seq`;

/**
 * A snapshot this process stored: its conversation, version, the head of its sealed value, its JSON
 * text, and what the replies since the borrower's last message expect (undefined: not known here).
 */
interface KeptSnapshot {
  readonly id: string;
  readonly version: number;
  readonly seal: string;
  readonly json: string;
  readonly expects: readonly string[] | undefined;
}

/**
 * What the replies since the borrower's last message expect after `messages` (in order), from what
 * they expected before (undefined: unknown): REPLIES_EXPECT_SQL's answer, kept instead of asked.
 */
function expectsAfter(messages: readonly MessageRow[], before: readonly string[] | undefined): readonly string[] | undefined {
  let expects = before;
  for (const m of messages) {
    if (m.direction === 'inbound' && m.author === 'borrower') expects = [];
    else if (m.direction === 'outbound' && expects !== undefined) {
      const what = (m.payload as { expects?: unknown } | null)?.expects;
      if (typeof what === 'string') expects = [...expects, what];
    }
  }
  return expects;
}

/** The snapshots this process stored last, by conversation key; the oldest go first past `max`. */
class SnapshotCache {
  private readonly entries = new Map<string, KeptSnapshot>();
  constructor(private readonly max: number) {}
  get(key: string) {
    return this.entries.get(key);
  }
  set(key: string, entry: KeptSnapshot) {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
  delete(key: string) {
    this.entries.delete(key);
  }
}

const cacheKey = (key: ConversationKey): string => `${key.channel}\u0000${key.userId}\u0000${key.chatId}`;

/** The head of a sealed value that names that one encryption: `v2.<kid>.<iv>.<tag>` (the IV is random). */
const sealHead = (sealed: string): string => sealed.split('.', 4).join('.');

/**
 * The runtime's few statements: one read and one write per turn. With a cipher, the snapshot a turn
 * stores is kept (as JSON text, in this process) with its version and the head of its sealed value:
 * the next turn's read leaves it out while the stored row still has both, so the database does not
 * send it and this process does not decrypt it. Any other write (a turn in another process, which
 * moves the version and seals anew; a snapshot replaced by hand) is read from the database as before.
 */
export class ConversationStore {
  private readonly snapshots: SnapshotCache;
  /** Loads and commits in groups (StatementGroup), for a database with one engine thread. */
  private readonly groups: { readonly load: StatementGroup; readonly commit: StatementGroup } | undefined;

  /** `groupStatements`: loads and commits not sent with a lock go in groups (StatementGroup: a database with one engine thread). */
  constructor(
    private readonly sql: Sql,
    /** Seals snapshots at rest; a stored JSON string is a sealed snapshot, an object a plain one. */
    private readonly cipher?: Pick<FieldCipher, 'encrypt' | 'decrypt'>,
    options: { readonly cachedSnapshots?: number; readonly groupStatements?: boolean } = {},
  ) {
    this.snapshots = new SnapshotCache(options.cachedSnapshots ?? 5_000);
    this.groups = options.groupStatements ? { load: new StatementGroup(sql, LOAD), commit: new StatementGroup(sql, COMMIT) } : undefined;
  }

  /** A sealed snapshot opens only as its own conversation's (a ciphertext copied to another row does not). */
  private openSnapshot(stored: unknown, conversationId: string): unknown {
    if (stored == null) return null;
    const value: unknown = JSON.parse(stored as string);
    return typeof value === 'string' && this.cipher ? JSON.parse(this.cipher.decrypt(value, snapshotContext(conversationId))) : value;
  }

  private loadArgs(key: ConversationKey, channelMessageId: string | null): SqlArg[] {
    const cached = this.snapshots.get(cacheKey(key));
    return [key.channel, key.userId, key.chatId, channelMessageId, cached?.version ?? null, cached?.seal ?? null];
  }

  /**
   * The load as the turn's opening statement, for a lock that takes itself in it (ConversationLock):
   * its rows go to `load` as `opened`. What it says of the kept snapshot is as of now; were that to be
   * outdated by the time it runs, the snapshot is only read from the database instead.
   */
  loadOpening(key: ConversationKey, channelMessageId: string | null): LockOpening {
    return { lockingSql: LOCKED_LOAD_SQL, args: this.loadArgs(key, channelMessageId) };
  }

  /** The turn's load, in a group where loads are grouped (the embedded database). */
  private loadRows(key: ConversationKey, channelMessageId: string | null): Promise<SqlRow[]> {
    const args = this.loadArgs(key, channelMessageId);
    return this.groups?.load.query(args) ?? this.sql.query(LOAD.sql, args);
  }

  /** The conversation and whether the message was seen; `opened`: the rows of `loadOpening`, already run. */
  async load(key: ConversationKey, channelMessageId: string | null, opened?: SqlRow[]): Promise<LoadedTurn> {
    const cached = this.snapshots.get(cacheKey(key));
    const rows = opened ?? (await this.loadRows(key, channelMessageId));
    const c = rows.find((r) => r.row === 'conversation');
    const d = rows.find((r) => r.row === 'duplicate');
    const kept = c && cached && cached.id === c.id && cached.version === c.version && c.snapshot == null ? cached : undefined;
    const conversation: StoredConversation | undefined = c && {
      id: c.id as string,
      machineId: c.ref as string,
      machineVersion: c.machineVersion as number,
      snapshot: kept ? (JSON.parse(kept.json) as unknown) : this.openSnapshot(c.snapshot, c.id as string),
      version: c.version as number,
      lastSeq: c.lastSeq as number,
      locale: c.locale === 'en' ? 'en' : 'zh',
      referral: (c.referral as string | null) ?? undefined,
      borrowerId: (c.borrowerId as string | null) ?? undefined,
    };
    if (!d) return { conversation, duplicate: undefined, expects: kept?.expects };
    const stored = await this.sql.query(REPLIES_TO_SQL, [d.id as string]);
    const inbound = stored.find((r) => r.id === d.id);
    return {
      conversation,
      duplicate: {
        conversationId: d.ref as string,
        replies: stored.filter((r) => r !== inbound).map((r) => storedReplyFromRow({ id: r.id as string, seq: r.seq as number, text: r.text as string, payload: r.payload })),
        inbound: inbound && { id: inbound.id as string, seq: inbound.seq as number, text: inbound.text as string },
      },
    };
  }

  /** Whether a reply sent since the borrower's last message expects `what` (e.g. 'otp'). */
  async repliesExpect(conversationId: string, what: string): Promise<boolean> {
    const [row] = await this.sql.query(REPLIES_EXPECT_SQL, [conversationId, what]);
    return row?.expects === true;
  }

  async keyOf(conversationId: string): Promise<ConversationKey | undefined> {
    if (!UUID.test(conversationId)) return undefined;
    const [row] = await this.sql.query('SELECT channel::text AS "channel", "externalUserId" AS "userId", "externalChatId" AS "chatId" FROM "Conversation" WHERE id = $1::uuid', [conversationId]);
    return row ? { channel: row.channel as ChannelName, userId: row.userId as string, chatId: row.chatId as string } : undefined;
  }

  /**
   * Writes the turn atomically; throws CONFLICT when the conversation changed since it was loaded.
   * `closing`: the lock's, to send the statement with the lock's release (one round trip).
   */
  async commit(w: TurnWrite, closing?: LockClosing): Promise<void> {
    const rest = JSON.stringify({
      id: w.conversationId,
      channel: w.key.channel,
      userId: w.key.userId,
      chatId: w.key.chatId,
      expectedVersion: w.expectedVersion ?? null,
      machineId: w.machine?.id ?? null,
      machineVersion: w.machine?.version ?? null,
      handoff: w.status?.handoff ?? null,
      borrowerId: w.status?.borrowerId && UUID.test(w.status.borrowerId) ? w.status.borrowerId : null,
      lastSeq: w.lastSeq,
      lastInboundAt: w.lastInboundAt?.toISOString() ?? null,
      locale: w.status?.locale ?? null,
      referral: w.referral ?? null,
      now: w.now.toISOString(),
      messages: w.messages.map((m) => ({
        id: m.id,
        seq: m.seq,
        direction: m.direction,
        cmid: m.channelMessageId,
        author: m.author,
        text: m.text,
        payload: m.payload,
        reply_to: m.replyToId,
        status: m.deliveryStatus,
        delivered_at: m.deliveredAt,
        next_attempt_at: m.nextAttemptAt,
      })),
      // The row id is made here: the database's gen_random_uuid() reads /dev/urandom through PGlite's file system.
      jobs: w.jobs.map((j) => ({ id: randomUUID(), kind: j.kind, key: j.key, due_at: j.dueAt, payload: j.payload })),
      cancelledJobKeys: w.cancelledJobKeys,
      ...(w.console ? { console: { step: w.console.step } } : {}),
    });
    // The snapshot is JSON text already: spliced in rather than parsed and serialised again.
    const sealed = w.machine?.snapshot != null && this.cipher ? this.cipher.encrypt(w.machine.snapshot, snapshotContext(w.conversationId)) : undefined;
    const snapshot = w.machine?.snapshot == null ? 'null' : sealed !== undefined ? JSON.stringify(sealed) : w.machine.snapshot;
    const argument = `{"snapshot":${snapshot},${rest.slice(1)}`;
    const k = cacheKey(w.key);
    const before = this.snapshots.get(k);
    const expects = expectsAfter(w.messages, before && before.id === w.conversationId && before.version === w.expectedVersion ? before.expects : undefined);
    // Forgotten first: whatever happens to this statement, a kept snapshot never outlives its version.
    this.snapshots.delete(k);
    const [row] = await (closing?.(COMMIT.sql, [argument]) ?? this.groups?.commit.query([argument]) ?? this.sql.query(COMMIT.sql, [argument]));
    const committed = row?.committed;
    // A failed turn keeps the stored machine, which this process may not hold: read it next time.
    if (committed === 1 && sealed !== undefined) this.snapshots.set(k, { id: w.conversationId, version: (w.expectedVersion ?? 0) + 1, seal: sealHead(sealed), json: w.machine!.snapshot!, expects });
    if (committed !== 1) {
      throw new AppError('CONFLICT', { reason: `conversation ${w.conversationId} was changed by another writer; the message was not stored` });
    }
  }

  /** Outbound (and with `includeInbound` inbound) messages after `afterSeq`, oldest first; on pull channels fetching them marks them delivered. */
  async messagesAfter(key: ConversationKey, afterSeq: number, limit: number, now: Date, markDelivered: boolean, includeInbound = false): Promise<{ messages: TranscriptMessage[]; lastSeq: number }> {
    const rows = await this.sql.query(MESSAGES_AFTER_SQL, [key.channel, key.userId, key.chatId, afterSeq, limit, now.toISOString(), markDelivered, includeInbound]);
    const lastSeq = (rows[0]?.lastSeq as number | null | undefined) ?? 0;
    const messages = rows
      .filter((r) => r.id != null)
      .map((r) => ({
        ...storedReplyFromRow({ id: r.id as string, seq: r.seq as number, text: r.text as string, payload: r.payload }),
        author: r.author as string,
        createdAt: r.createdAt as number,
        direction: r.direction === 'inbound' ? ('inbound' as const) : ('outbound' as const),
        channelMessageId: (r.channelMessageId as string | null) ?? null,
      }));
    return { messages, lastSeq };
  }
}
