import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChannelName, InboundMessage } from '../../bots/index.js';
import type { ConversationEvent, ConversationSpec, ConversationStart, ConversationStatus, Reply } from '../../flows/index.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/index.js';
import type { FieldCipher } from '../security/fieldCipher.js';
import { crashPoint } from '../faults.js';
import { serverLoop } from '../loop/index.js';
import { AppError, databaseFault, dbUnavailable, isAppError } from '../errors.js';
import type { ConversationLock, LockClosing } from './conversationLock.js';
import { ConversationStore, type ConversationKey, type JobRow, type LoadedTurn, type MessageRow, type StoredConversation, type StoredInbound, type TranscriptMessage } from './conversationStore.js';
import { cleanText, inboundEvent, mayHoldSmsCode, transcriptText } from './inboundEvent.js';
import { MachineHost, type MachineOutcome } from './machineHost.js';
import type { OutboxDeliverer } from './outboxDeliverer.js';
import { openSql, sqlState, type Sql } from './sql.js';
import { outcomeOfError, TurnTrace, type TurnObserver, type TurnOrigin, type TurnOutcome } from './turnTrace.js';
import { replyAuthor, replyPayload, type StoredReply } from './storedReply.js';

/** What the borrower reads when a turn fails: the message is kept, the conversation stays where it was. */
export const APOLOGY: Reply = { text: '抱歉，系统开小差了，请稍后再试。' };

/** The Job kind of a machine's deadline; its handler sends `deadline.due` back to the conversation. */
export const DEADLINE_JOB_KIND = 'conversation.deadline';

/**
 * Channels whose response to the borrower's message is the delivery (the HTTP response; the web
 * chat's socket, whose client resumes by sequence): their replies are stored delivered, and later
 * messages count as delivered once fetched or pushed.
 */
export const SYNC_CHANNELS: ReadonlySet<ChannelName> = new Set(['rest', 'terminal', 'web']);

export interface ReceiveResult {
  /** Null only for a group message not addressed to the bot (ignored, nothing stored). */
  readonly conversationId: string | null;
  readonly replies: StoredReply[];
  /** The message was seen before: these are the replies stored for it then; nothing ran again. */
  readonly duplicate: boolean;
  /**
   * The borrower's message as stored (text with PII masked); absent only for an ignored group
   * message. With it a channel can show the turn (message, then replies) without reading it back.
   */
  readonly inbound?: StoredInbound;
}

export interface DispatchResult {
  readonly conversationId: string;
  readonly replies: StoredReply[];
}

export interface RuntimeOptions {
  readonly db: Database;
  readonly spec: ConversationSpec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly lock: ConversationLock;
  /** How long a turn waits for busy states to settle before it apologises and keeps the old state. */
  readonly settleTimeoutMs: number;
  /** Delivers replies of push channels; without one they stay pending for a process that has a sender. */
  readonly outbox?: OutboxDeliverer;
  /** Raw SQL to share with the scheduler and outbox; by default the runtime opens (and closes) its own. */
  readonly sql?: Sql;
  /**
   * Encrypts snapshots at rest: they hold what the borrower typed (ID number, phone) until the
   * application is submitted. Without one (tests) snapshots are stored as plain JSON.
   */
  readonly cipher?: Pick<FieldCipher, 'encrypt' | 'decrypt'>;
  /**
   * Told after every committed turn, still holding the conversation's lock (so calls for one
   * conversation arrive in order): the staff console's projection and live feed. Its failure is
   * logged, never the turn's: the turn is stored already.
   */
  readonly onCommitted?: (turn: CommittedTurn) => Promise<void> | void;
  /**
   * Writes the staff console's row of the conversation (ConsoleConversation: step, since when a person
   * is waited for) in the turn's own statement, rather than in one more after it.
   */
  readonly projectForConsole?: boolean;
  /** Told once per turn with its channel, outcome and duration (server/metrics); O(1), off the database. */
  readonly observeTurn?: TurnObserver;
}

/** A turn as stored, for whoever watches conversations (the staff console). */
export interface CommittedTurn {
  readonly conversationId: string;
  readonly channel: ChannelName;
  /** The conversation's version after this turn (1 for a new one): later turns have higher ones. */
  readonly version: number;
  readonly lastSeq: number;
  /** What ran: `user.text`, `staff.takeover`, `deadline.due`, … */
  readonly event: ConversationEvent['type'];
  /** Where the machine now stands; undefined when the turn failed and kept the previous state. */
  readonly status: ConversationStatus | undefined;
  readonly at: Date;
  /** Due times of the deadline rows this turn stored (the deadline sweep wakes for a sooner one). */
  readonly deadlinesDueAt?: readonly Date[];
}

/** A conversation key as one string, for locks and caches. */
export const lockKeyOf = (key: ConversationKey): string => `${key.channel}\u0000${key.userId}\u0000${key.chatId}`;

/**
 * Hosts conversation machines: every inbound message or staff/deadline event is one turn —
 * dedupe → lock the conversation → load its snapshot → run the machine until settled → store the
 * snapshot, the messages, the replies (the outbox) and the deadline jobs in one statement →
 * deliver. A conversation is never a live process between turns.
 */
export class ConversationRuntime {
  private readonly host: MachineHost;
  private readonly keys = new Map<string, ConversationKey>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(
    private readonly options: RuntimeOptions,
    private readonly sql: Sql,
    private readonly ownsSql: boolean,
    private readonly store: ConversationStore,
  ) {
    this.host = new MachineHost(options.spec, options.logger);
  }

  static async create(options: RuntimeOptions): Promise<ConversationRuntime> {
    const sql = options.sql ?? (await openSql(options.db));
    // The embedded database runs one request at a time on its thread: loads and commits waiting for it go together.
    return new ConversationRuntime(options, sql, !options.sql, new ConversationStore(sql, options.cipher, { groupStatements: options.db.embedded !== undefined }));
  }

  get spec(): ConversationSpec {
    return this.options.spec;
  }

  /** Handles one inbound message; a redelivered message returns the replies stored for it. `origin.requestId` goes into the turn's logs. */
  receive(inbound: InboundMessage, origin: TurnOrigin = {}): Promise<ReceiveResult> {
    const trace = new TurnTrace(this.options.logger, 'message', inbound.channel, origin.requestId);
    return this.traced(trace, this.track(() => this.receiveNow(inbound, trace)), (r) => (r.duplicate ? 'duplicate' : r.conversationId === null ? 'ignored' : 'ok'), (r) => r.conversationId);
  }

  /**
   * Sends a staff or deadline event to a conversation; replies go to the outbox (or wait to be
   * fetched on pull channels). `before` runs holding the conversation's lock, before the machine: it
   * may refuse the event by throwing (one person serving a conversation at a time).
   */
  dispatch(conversationId: string, event: ConversationEvent, options: { before?: () => Promise<void>; requestId?: string | undefined } = {}): Promise<DispatchResult> {
    const trace = new TurnTrace(this.options.logger, 'event', undefined, options.requestId);
    return this.traced(trace, this.track(() => this.dispatchNow(conversationId, event, options.before, trace)), () => 'ok', (r) => r.conversationId);
  }

  /**
   * Outbound messages after `afterSeq` (with `includeInbound`, the borrower's own messages too, as
   * stored: PII masked); on pull channels this counts as their delivery.
   */
  messagesAfter(key: ConversationKey, afterSeq: number, limit: number, options: { includeInbound?: boolean } = {}): Promise<{ messages: TranscriptMessage[]; lastSeq: number }> {
    return this.store.messagesAfter(key, afterSeq, limit, this.options.clock.now(), SYNC_CHANNELS.has(key.channel), options.includeInbound === true);
  }

  /** Waits for turns under way, then releases the runtime's connection. Later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    if (this.ownsSql) await this.sql.close();
  }

  /** Ends the turn's trace (metrics, the debug line) when its promise settles; the result passes through. */
  private traced<T>(trace: TurnTrace, turn: Promise<T>, outcome: (r: T) => TurnOutcome, conversationId: (r: T) => string | null): Promise<T> {
    return turn.then(
      (r) => {
        trace.end(this.options.observeTurn, trace.failed ? 'failed' : outcome(r), conversationId(r));
        return r;
      },
      (e: unknown) => {
        trace.end(this.options.observeTurn, outcomeOfError(e), undefined);
        throw e;
      },
    );
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new AppError('DB_UNAVAILABLE', { reason: 'the server is shutting down' }));
    // From wherever it came (the lock, the store, an effect), a database fault leaves as DB_UNAVAILABLE:
    // the turn stored nothing, and the caller may send the same message again.
    // The turn starts in a slice of the server's loop (server/loop): a burst of turns does not hold the loop away from new connections.
    const p = serverLoop.turn().then(work).catch((e: unknown) => {
      if (isAppError(e) && (e.code === 'DB_UNAVAILABLE' || e.statusCode < 500)) throw e;
      const fault = databaseFault(e);
      throw fault ? dbUnavailable(e, fault) : e;
    });
    this.inFlight.add(p);
    void p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }

  private async receiveNow(inbound: InboundMessage, trace: TurnTrace): Promise<ReceiveResult> {
    const key: ConversationKey = { channel: inbound.channel, userId: inbound.userId, chatId: inbound.chatId ?? '' };
    // In a group the bot answers only when addressed; other chatter is neither processed nor stored.
    if (key.chatId && inbound.addressed !== true) return { conversationId: null, replies: [], duplicate: false };
    const at = this.options.clock.now().getTime();
    const event = inboundEvent(inbound, at);
    const channelMessageId = inbound.messageId;

    const outcome = await this.options.lock.withLock(lockKeyOf(key), async (lost, opened, closing) => {
      const loaded = await this.store.load(key, channelMessageId, opened);
      if (loaded.duplicate) return this.duplicateOf(loaded.duplicate, loaded.conversation);
      const conversation = loaded.conversation;
      const conversationId = conversation?.id ?? randomUUID();
      const start = this.startOf(conversationId, key, conversation, inbound);
      // A code typed in answer to the SMS-code question is masked in the stored transcript.
      const expectsSmsCode = conversation !== undefined && event.type === 'user.text' && mayHoldSmsCode(event.text) && (loaded.expects ? loaded.expects.includes('otp') : await this.store.repliesExpect(conversation.id, 'otp'));
      const inboundRow = { id: randomUUID(), channelMessageId, author: 'borrower', text: transcriptText(event, { expectsSmsCode }), payload: event.type === 'user.media' ? { media: event.kind } : null };
      try {
        const turn = await this.runTurn({ key, conversation, conversationId, start, event, inbound: inboundRow, replyToId: inboundRow.id, apologise: true, lastInboundAt: new Date(at), lost, closing, trace });
        const stored = turn.inboundSeq === undefined ? {} : { inbound: { id: inboundRow.id, seq: turn.inboundSeq, text: inboundRow.text } };
        return { conversationId, replies: turn.replies, duplicate: false, ...stored };
      } catch (e) {
        // Lost a race with a writer that held no lock (it cannot happen with the locks; the unique index is the last guard).
        if (!(e instanceof AppError && e.code === 'CONFLICT') && sqlState(e) !== '23505') throw e;
        const again = await this.store.load(key, channelMessageId);
        if (again.duplicate) return this.duplicateOf(again.duplicate, again.conversation);
        throw e instanceof AppError ? e : new AppError('CONFLICT', { reason: 'the message was stored concurrently' }, { cause: e });
      }
    }, this.store.loadOpening(key, channelMessageId));
    return outcome;
  }

  private duplicateOf(duplicate: NonNullable<LoadedTurn['duplicate']>, conversation: StoredConversation | undefined): ReceiveResult {
    // A channel message id is unique per channel; one belonging to someone else is never answered with their replies.
    if (duplicate.conversationId !== conversation?.id) throw new AppError('CONFLICT', { reason: 'this message id was already used in another conversation' });
    return { conversationId: duplicate.conversationId, replies: duplicate.replies, duplicate: true, ...(duplicate.inbound ? { inbound: duplicate.inbound } : {}) };
  }

  private async dispatchNow(conversationId: string, event: ConversationEvent, before: (() => Promise<void>) | undefined, trace: TurnTrace): Promise<DispatchResult> {
    const key = this.keys.get(conversationId) ?? (await this.store.keyOf(conversationId));
    if (!key) throw new AppError('CONVERSATION_NOT_FOUND', { conversationId });
    trace.channel = key.channel;
    this.keys.set(conversationId, key);
    if (this.keys.size > 10_000) this.keys.delete(this.keys.keys().next().value!);

    return this.options.lock.withLock(lockKeyOf(key), async (lost, opened, closing) => {
      const { conversation } = await this.store.load(key, null, opened);
      if (!conversation || conversation.id !== conversationId) throw new AppError('CONVERSATION_NOT_FOUND', { conversationId });
      await before?.();
      const start = this.startOf(conversationId, key, conversation, undefined);
      // A staff message is part of the transcript (authored by the staff member); other events are not messages.
      const inboundRow =
        event.type === 'staff.message' ? { id: randomUUID(), channelMessageId: null, author: `staff:${event.staffId}`, text: cleanText(event.text), payload: null } : undefined;
      const turn = await this.runTurn({ key, conversation, conversationId, start, event, inbound: inboundRow, replyToId: inboundRow?.id ?? null, apologise: false, lastInboundAt: undefined, lost, closing, trace });
      return { conversationId, replies: turn.replies };
    }, this.store.loadOpening(key, null));
  }

  private startOf(conversationId: string, key: ConversationKey, conversation: StoredConversation | undefined, inbound: InboundMessage | undefined): ConversationStart {
    const referral = conversation?.referral ?? inbound?.referral;
    const borrowerId = conversation?.borrowerId;
    return {
      conversationId,
      channel: key.channel,
      chatType: key.chatId ? 'group' : 'private',
      locale: conversation?.locale ?? inbound?.locale ?? 'zh',
      ...(borrowerId ? { borrowerId } : {}),
      ...(referral ? { referral } : {}),
    };
  }

  /**
   * Runs the machine and commits the turn. Must be called holding the conversation's lock.
   *
   * A turn during which the database failed is abandoned: nothing is stored and DB_UNAVAILABLE is
   * thrown, so the channel answers "try again" and the same message, sent again, runs the turn for
   * real. That covers an effect that threw a database fault even when the machine handled it with
   * an apology (its `onError`): that apology describes our outage, not the borrower's request, and
   * stored it would be replayed to every retry. A bug (the machine throws, an effect throws anything
   * else, a settle timeout with no database fault) keeps the previous state and stores the apology.
   */
  private async runTurn(t: TurnInput): Promise<TurnOutput> {
    const { spec, settleTimeoutMs } = this.options;
    const { conversation, conversationId } = t;
    const outcome = await this.host.run({
      stored: conversation ? { machineId: conversation.machineId, machineVersion: conversation.machineVersion, snapshot: conversation.snapshot } : undefined,
      start: t.start,
      event: t.event,
      settleTimeoutMs,
    });
    for (const error of outcome.ok ? outcome.effectErrors : [outcome.error, ...outcome.effectErrors]) {
      const fault = databaseFault(error);
      if (!fault) continue;
      t.trace.log.warn({ code: 'DB_UNAVAILABLE', reason: fault.reason, conversationId, event: t.event.type, machineId: spec.machineId, outcome: outcome.ok ? 'settled' : outcome.reason }, 'conversation turn abandoned: the database failed during it; nothing stored, the same message can be sent again');
      throw dbUnavailable(error, fault);
    }
    const fail = (reason: string, error: unknown) => {
      t.trace.failed = true;
      t.trace.log.error({ err: error, conversationId, event: t.event.type, reason, machineId: spec.machineId }, 'conversation turn failed; previous state kept');
      if (!t.apologise) throw new AppError('TURN_FAILED', { event: t.event.type, reason }, { cause: error });
      return this.commitTurn(t, undefined);
    };
    if (!outcome.ok) return fail(outcome.reason, outcome.error);
    try {
      return await this.commitTurn(t, outcome);
    } catch (e) {
      // What the machine produced cannot be stored (a borrowerId that is no borrower, text PostgreSQL
      // refuses): a bug in the flows, answered like one. A duplicate (23505) is the caller's to judge.
      const state = sqlState(e);
      if (state === undefined || !/^2[23]/.test(state) || state === '23505') throw e;
      return fail(`the turn could not be stored (SQLSTATE ${state})`, e);
    }
  }

  /** Stores the turn (the machine's outcome, or on failure the apology with the previous state) and hands push replies to the outbox. */
  private async commitTurn(t: TurnInput, outcome: Extract<MachineOutcome, { ok: true }> | undefined): Promise<TurnOutput> {
    const { spec, clock, outbox } = this.options;
    const { key, conversation, conversationId } = t;
    // The lock's connection dropped during the turn: another server may be running this conversation now.
    if (t.lost.aborted) throw t.lost.reason;
    const now = clock.now();
    const replies: Reply[] = outcome ? outcome.effects.replies : [APOLOGY];
    const sync = SYNC_CHANNELS.has(key.channel) && t.event.type.startsWith('user.');
    const pushNow = !sync && outbox?.handles(key.channel) === true;
    let seq = conversation?.lastSeq ?? 0;
    const rows: MessageRow[] = [];
    if (t.inbound) {
      rows.push({ ...t.inbound, seq: ++seq, direction: 'inbound', replyToId: null, deliveryStatus: 'none', deliveredAt: null, nextAttemptAt: null });
    }
    const stored: StoredReply[] = [];
    for (const reply of replies) {
      const row: MessageRow = {
        id: randomUUID(),
        seq: ++seq,
        direction: 'outbound',
        channelMessageId: null,
        author: replyAuthor(reply, t.event),
        text: reply.text,
        payload: replyPayload(reply),
        replyToId: t.replyToId,
        deliveryStatus: sync ? 'delivered' : 'pending',
        deliveredAt: sync ? now.toISOString() : null,
        // Replies this process sends right away are leased to it; others are due for whoever can send them.
        nextAttemptAt: SYNC_CHANNELS.has(key.channel) ? null : new Date(now.getTime() + (pushNow ? outbox!.leaseMs : 0)).toISOString(),
      };
      rows.push(row);
      stored.push({ ...reply, id: row.id, seq: row.seq });
    }

    const jobs: JobRow[] = [];
    const cancelled: string[] = [];
    if (outcome) {
      for (const d of outcome.effects.scheduled.values()) {
        jobs.push({ kind: DEADLINE_JOB_KIND, key: deadlineJobKey(conversationId, d.key), dueAt: new Date(d.dueAt).toISOString(), payload: { conversationId, key: d.key, kind: d.kind } });
      }
      for (const k of outcome.effects.cancelled) cancelled.push(deadlineJobKey(conversationId, k));
    }

    // The worst moment for a crash: the turn's effects are done, its snapshot not yet stored.
    crashPoint('turn.before_commit');
    await this.store.commit({
      conversationId,
      key,
      expectedVersion: conversation?.version,
      // A failed turn keeps the stored machine; a conversation it creates starts with none.
      machine: outcome ? { id: spec.machineId, version: spec.version, snapshot: outcome.snapshot } : conversation ? undefined : { id: spec.machineId, version: spec.version, snapshot: null },
      status: outcome?.status,
      referral: t.start.referral,
      lastSeq: seq,
      lastInboundAt: t.lastInboundAt,
      messages: rows,
      jobs,
      cancelledJobKeys: cancelled,
      now,
      ...(this.options.projectForConsole ? { console: { step: outcome?.status.step ?? null } } : {}),
    }, t.closing);
    if (pushNow) outbox!.enqueue({ conversationId, channel: key.channel, userId: key.userId, chatId: key.chatId }, stored, t.trace);
    if (this.options.onCommitted) {
      const committed: CommittedTurn = { conversationId, channel: key.channel, version: (conversation?.version ?? 0) + 1, lastSeq: seq, event: t.event.type, status: outcome?.status, at: now, deadlinesDueAt: jobs.map((j) => new Date(j.dueAt)) };
      try {
        await this.options.onCommitted(committed);
      } catch (e) {
        t.trace.log.warn({ err: e, conversationId }, 'the turn is stored, but telling the staff console failed');
      }
    }
    return { replies: stored, inboundSeq: t.inbound ? rows[0]!.seq : undefined };
  }
}

interface TurnOutput {
  readonly replies: StoredReply[];
  readonly inboundSeq: number | undefined;
}

interface TurnInput {
  readonly key: ConversationKey;
  readonly conversation: StoredConversation | undefined;
  readonly conversationId: string;
  readonly start: ConversationStart;
  readonly event: ConversationEvent;
  readonly inbound: { id: string; channelMessageId: string | null; author: string; text: string; payload: unknown } | undefined;
  readonly replyToId: string | null;
  /** Receive answers a failed turn with an apology; dispatch reports it to its caller instead. */
  readonly apologise: boolean;
  readonly lastInboundAt: Date | undefined;
  /** Aborted when the conversation's lock was lost during the turn: then nothing may be stored. */
  readonly lost: AbortSignal;
  /** Sends the commit with the lock's release, when the lock is held in the database (ConversationLock). */
  readonly closing: LockClosing | undefined;
  /** The turn's id, logger and outcome flag (server/runtime/turnTrace.ts). */
  readonly trace: TurnTrace;
}

/** The Job key of a machine deadline: rescheduling the same deadline replaces its row. */
export const deadlineJobKey = (conversationId: string, deadlineKey: string): string => `deadline:${conversationId}:${deadlineKey}`;
