import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { web, type InboundMessage } from '../../../bots/index.js';
import { isAppError } from '../../errors.js';
import type { ChannelSender, ConversationKey, ConversationRuntime, DeliveryTarget, PushSignal, ReceiveResult } from '../../runtime/index.js';
import type { Reply } from '../../../flows/index.js';
import { TokenBucket } from './tokenBucket.js';
import { WebSessions } from './webSessions.js';

const { CLOSE } = web;

export interface WebChannelLimits {
  readonly maxFrameBytes: number;
  readonly ratePerSec: number;
  readonly rateBurst: number;
  readonly maxSocketsPerSession: number;
  /** A socket that has not said hello by then is closed (4002). */
  readonly helloTimeoutMs: number;
  /** How often sockets are pinged; one that did not answer the previous ping is dropped. 0: never. */
  readonly pingIntervalMs: number;
  /** A fresh page gets at most this many of the latest messages. */
  readonly historyLimit: number;
  /** Messages sent but not acknowledged before the server waits for an ack. */
  readonly maxUnacked: number;
  /** A socket's session is checked again (revoked, idle, expired?) on a frame at most this often. */
  readonly sessionCheckMs: number;
}

export const DEFAULT_LIMITS: Omit<WebChannelLimits, 'maxFrameBytes' | 'ratePerSec' | 'rateBurst' | 'maxSocketsPerSession'> = {
  helloTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  historyLimit: 200,
  maxUnacked: 500,
  sessionCheckMs: 60_000,
};

/** What the sockets ask of the borrower's sessions (WebSessions). */
export interface WebSessionGuard {
  /** The session if it is still valid (and it counts as seen); undefined when revoked, idle or expired. */
  check(sessionId: string): Promise<{ readonly userId: string } | undefined>;
  revoke(sessionId: string, why: string): Promise<unknown>;
  /** A new session for the same user when an SMS code was verified since this one was, with the ticket for its cookie. */
  renewIfCodeVerified(sessionId: string): Promise<{ readonly session: { readonly id: string }; readonly ticket: string } | undefined>;
}

/**
 * The borrower's words that log out on the web chat, after {@link normalizeCommand}. Not a bare 退出:
 * on every channel that leaves the current step (a cancel word), and must not end the session.
 */
const LOGOUT_WORDS: ReadonlySet<string> = new Set(['退出登录', '注销登录', '安全退出', 'logout', 'log out']);

const LOGGED_OUT_TEXT = {
  zh: '您已安全退出。本页对话已清除，如需继续请刷新页面重新开始。',
  en: "You have logged out. This page's conversation has been cleared; to continue, reload the page to start again.",
} as const;

/** Full-width forms folded (NFKC), trimmed, lower case, runs of spaces as one. */
export const normalizeCommand = (text: string): string => text.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');

/** A message that may have been an SMS code: six digits (full-width ones too) and nothing else. */
const looksLikeCode = (text: string): boolean => /^\s*\d{6}\s*$/.test(text.normalize('NFKC'));

/** Messages fetched per query when catching a socket up. */
const PAGE = 100;
const NO_SEQ_AFTER = 2 ** 31 - 1;

export interface WebChannelDeps {
  readonly runtime: Pick<ConversationRuntime, 'receive' | 'messagesAfter'>;
  readonly logger: FastifyBaseLogger;
  readonly limits: WebChannelLimits;
  /** Milliseconds; for the rate limiter and timers (real time, not the business clock). */
  readonly now?: () => number;
  /** Tells the other server processes (PostgreSQL) that a borrower has later messages, for their sockets. */
  readonly push?: PushSignal;
  /** The conversation's greeting, sent with `ready` to a page whose conversation is still empty (ConversationSpec.welcome). */
  readonly welcome?: (locale: 'zh' | 'en') => Reply;
  /** The borrower sessions the sockets belong to. */
  readonly sessions: WebSessionGuard;
}

/**
 * The web chat's sockets, and the 'web' ChannelSender. Each socket serves exactly one conversation:
 * the one of the session user it was opened with. Delivery is one idea: a socket is caught up to its
 * conversation — every stored message after the last sequence number it sent, in order, read back
 * from the runtime — after its hello, after every turn of that user, and when the outbox hands over
 * a later message (staff, deadline). So a message is never sent twice on a socket, nor skipped.
 * Each socket also follows its server-side session: checked again on a frame (at most every
 * `sessionCheckMs`), closed when it was revoked or lapsed, renewed after an SMS code is verified.
 */
export class WebChannel implements ChannelSender {
  readonly channel = 'web' as const;
  private readonly sessions = new Map<string, Set<WebConnection>>();
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly now: () => number;

  constructor(readonly deps: WebChannelDeps) {
    this.now = deps.now ?? Date.now;
    deps.push?.listen('web', (userId) => void (userId === null ? Promise.all([...this.sessions.keys()].map((u) => this.catchUp(u))) : this.catchUp(userId)));
    if (deps.limits.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.pingAll(), deps.limits.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  /** Takes over a freshly upgraded socket of a session (just checked valid); `requestId` is the upgrade request's, logged with each of its turns. */
  accept(socket: WebSocket, session: { readonly id: string; readonly userId: string }, origin?: string, requestId?: string): WebConnection {
    const { userId } = session;
    const connection = new WebConnection(this, socket, userId, session.id, origin, requestId);
    if (this.closed) {
      connection.close(CLOSE.GOING_AWAY, 'server shutting down');
      return connection;
    }
    const set = this.sessions.get(userId) ?? new Set<WebConnection>();
    // Another tab (or a page whose old socket the network has not dropped yet): the oldest makes room.
    for (const old of set) {
      if (set.size < this.deps.limits.maxSocketsPerSession) break;
      old.close(CLOSE.SUPERSEDED, 'too many open chat windows for this session');
      set.delete(old);
    }
    set.add(connection);
    this.sessions.set(userId, set);
    return connection;
  }

  /**
   * ChannelSender: a later message was stored; catch up every socket of its borrower in this process
   * and tell the other processes, which do the same for theirs. A borrower with no open socket gets it
   * with the replay of their next hello: the message is in their conversation, which is what the web
   * channel delivers (like WeChat accepting a message).
   */
  async send(target: DeliveryTarget): Promise<void> {
    if (target.chatId !== '') return;
    await this.catchUp(target.userId);
    await this.deps.push?.notify('web', target.userId).catch((e: unknown) => this.deps.logger.warn({ err: (e as Error).message }, 'could not tell the other servers about a web message'));
  }

  /** Catches up all sockets of a user (after a turn: other tabs show it too), but `except`. */
  async catchUp(userId: string, except?: WebConnection): Promise<void> {
    const set = this.sessions.get(userId);
    if (set) await Promise.all([...set].filter((c) => c !== except).map((c) => c.pump()));
  }

  /** Closes this process's sockets of a session (revoked, renewed), but `except`. */
  closeSession(userId: string, sessionId: string, code: number, reason: string, except?: WebConnection): void {
    for (const c of this.sessions.get(userId) ?? []) if (c !== except && c.sessionId === sessionId) c.close(code, reason);
  }

  /** Revokes a session and closes its sockets in this process at once (others find out on their next check). */
  async revoke(userId: string, sessionId: string, why: string, close: { code: number; reason: string }): Promise<void> {
    await this.deps.sessions.revoke(sessionId, why);
    this.closeSession(userId, sessionId, close.code, close.reason);
  }

  get connectionCount(): number {
    let n = 0;
    for (const set of this.sessions.values()) n += set.size;
    return n;
  }

  /** Closes every socket (1001 on shutdown: the page reconnects to the next server) and stops pinging. */
  close(code: number = CLOSE.GOING_AWAY, reason = 'server shutting down'): void {
    this.closed = true;
    clearInterval(this.pingTimer);
    for (const set of this.sessions.values()) for (const c of set) c.close(code, reason);
    this.sessions.clear();
  }

  /** @internal */
  forget(connection: WebConnection): void {
    const set = this.sessions.get(connection.userId);
    if (!set) return;
    set.delete(connection);
    if (!set.size) this.sessions.delete(connection.userId);
  }

  private pingAll(): void {
    for (const set of this.sessions.values()) for (const c of set) c.ping();
  }
}

/** One socket: hello, then messages and acks; limits; catching up. */
export class WebConnection {
  private state: 'hello' | 'open' | 'closed' = 'hello';
  /** The highest sequence number sent on this socket. */
  private sentSeq = 0;
  private ackedSeq = 0;
  private locale: 'zh' | 'en' | undefined;
  private referral: string | undefined;
  /** This socket's ready carried the greeting: the page showed it, so the borrower's messages count as greeted. */
  private welcomed = false;
  private readonly bucket: TokenBucket;
  private strikes = 0;
  private alive = true;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private stalled = false;
  /** The borrower's messages are handled one after another, after the hello's replay. */
  private turns: Promise<void> = Promise.resolve();
  private readonly helloTimer: NodeJS.Timeout;
  private readonly key: ConversationKey;
  /** When the session was last found valid (channel time), and the check under way. */
  private checkedAt: number;
  private checking: Promise<boolean> | undefined;

  constructor(
    private readonly channel: WebChannel,
    private readonly socket: WebSocket,
    readonly userId: string,
    /** The server-side session this socket belongs to; another one after a renewal. */
    public sessionId: string,
    /** The tag of the client's address (clientOrigin), carried on each message for per-address budgets. */
    private readonly origin?: string,
    /** The websocket upgrade request's id: its turns log it as `reqId`. */
    private readonly requestId?: string,
  ) {
    const { limits } = channel.deps;
    this.checkedAt = channel.now();
    this.key = { channel: 'web', userId, chatId: '' };
    this.bucket = new TokenBucket(limits.ratePerSec, limits.rateBurst, channel.now());
    this.helloTimer = setTimeout(() => this.close(CLOSE.HELLO_TIMEOUT, 'hello expected'), limits.helloTimeoutMs);
    this.helloTimer.unref();
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    // ws reports protocol faults (a frame over maxPayload: it closes with 1009 itself) as errors.
    socket.on('error', (e) => this.log.debug({ err: e, userId }, 'web socket error'));
    socket.on('close', () => {
      this.state = 'closed';
      clearTimeout(this.helloTimer);
      channel.forget(this);
    });
  }

  private get log(): FastifyBaseLogger {
    return this.channel.deps.logger;
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    this.socket.close(code, web.closeReason(reason));
  }

  ping(): void {
    if (this.state === 'closed') return;
    if (!this.alive) {
      this.log.debug({ userId: this.userId }, 'web socket did not answer a ping; dropped');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private sendFrame(frame: web.ServerFrame): void {
    if (this.state !== 'closed' && this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (isBinary) return this.close(CLOSE.UNSUPPORTED_DATA, 'binary frames are not supported; send JSON text');
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const { limits } = this.channel.deps;
    if (!this.bucket.take(this.channel.now())) {
      // Warn, drop, and close if it goes on: a person does not type five messages a second for long.
      if (++this.strikes > limits.rateBurst) {
        this.log.info({ userId: this.userId }, 'web socket closed: rate limit exceeded');
        return this.close(CLOSE.POLICY, 'rate limit exceeded');
      }
      const parsed = web.parseClientFrame(text);
      const clientMessageId = parsed.ok && parsed.frame.type === 'message' ? parsed.frame.id : undefined;
      if (this.strikes === 1 || clientMessageId) {
        this.sendFrame({
          type: 'error',
          code: 'rate_limited',
          message: `Too many frames: at most ${limits.ratePerSec} a second (bursts of ${limits.rateBurst}); this frame was dropped`,
          retryAfterMs: this.bucket.retryAfterMs(this.channel.now()),
          ...(clientMessageId ? { clientMessageId } : {}),
        });
      }
      return;
    }
    this.strikes = 0;
    const parsed = web.parseClientFrame(text);
    if (!parsed.ok) return this.close(parsed.code, parsed.reason);
    const frame = parsed.frame;
    if (this.state === 'hello') {
      if (frame.type !== 'hello') return this.close(CLOSE.POLICY, `hello expected before ${frame.type}`);
      clearTimeout(this.helloTimer);
      this.state = 'open';
      this.turns = this.hello(frame).catch((e: unknown) => this.failed(e, 'hello'));
      return;
    }
    const valid = this.recheck();
    switch (frame.type) {
      case 'hello':
        return this.close(CLOSE.POLICY, 'hello was already said on this socket');
      case 'ack':
        // An ack can only cover what this socket sent; it releases a catch-up held back for it.
        this.ackedSeq = Math.max(this.ackedSeq, Math.min(frame.seq, this.sentSeq));
        if (this.stalled) void this.pump();
        return;
      case 'message': {
        if (frame.locale) this.locale = frame.locale;
        const logout = LOGOUT_WORDS.has(normalizeCommand(frame.text));
        this.turns = this.turns.then(async () => {
          if (!(await valid) || this.state === 'closed') return;
          await (logout ? this.logout() : this.turn(frame));
        });
        return;
      }
    }
  }

  /**
   * Whether the socket's session is still valid: checked again at most every `sessionCheckMs`
   * (concurrent frames share one check). A revoked or lapsed session closes the socket (1008
   * `session expired`: the page reconnects and gets a new session); a failed check closes it too.
   */
  private recheck(): Promise<boolean> {
    if (this.checking) return this.checking;
    const { limits, sessions } = this.channel.deps;
    if (this.channel.now() - this.checkedAt < limits.sessionCheckMs) return Promise.resolve(true);
    const sessionId = this.sessionId;
    const checking = sessions.check(sessionId).then(
      (session) => {
        if (this.sessionId !== sessionId) return this.state !== 'closed';
        if (!session) {
          this.log.info({ userId: this.userId }, 'web socket closed: its session was revoked or lapsed');
          this.close(CLOSE.POLICY, 'session expired');
          return false;
        }
        this.checkedAt = this.channel.now();
        return true;
      },
      (e: unknown) => {
        this.failed(e, 'session check');
        return false;
      },
    );
    this.checking = checking;
    void checking.finally(() => {
      if (this.checking === checking) this.checking = undefined;
    });
    return checking;
  }

  /** The borrower typed 退出 / logout: the session is revoked and every socket of it closed (4003). */
  private async logout(): Promise<void> {
    try {
      this.sendFrame({ type: 'logged_out', text: LOGGED_OUT_TEXT[this.locale === 'en' ? 'en' : 'zh'] });
      await this.channel.revoke(this.userId, this.sessionId, 'logout', { code: CLOSE.LOGGED_OUT, reason: 'logged out' });
    } catch (e) {
      this.failed(e, 'logout');
    }
  }

  /**
   * After a message that may have been an SMS code: when the borrower verified one, this socket moves
   * to a new session (the old one is revoked and its other sockets closed) and the page gets the
   * ticket for the new cookie. A copied cookie stops working the moment the borrower proves the phone.
   */
  private async renewIfVerified(): Promise<void> {
    if (this.state === 'closed') return;
    let renewed: Awaited<ReturnType<WebSessionGuard['renewIfCodeVerified']>>;
    try {
      renewed = await this.channel.deps.sessions.renewIfCodeVerified(this.sessionId);
    } catch (e) {
      this.log.warn({ err: e, userId: this.userId }, 'web session could not be renewed after an SMS code');
      return;
    }
    if (!renewed) return;
    const old = this.sessionId;
    this.sessionId = renewed.session.id;
    this.checkedAt = this.channel.now();
    this.sendFrame({ type: 'session', ticket: renewed.ticket });
    this.channel.closeSession(this.userId, old, CLOSE.POLICY, 'session renewed', this);
  }

  private async hello(frame: web.HelloFrame): Promise<void> {
    this.locale = frame.locale;
    this.referral = frame.referral;
    const { limits } = this.channel.deps;
    const { lastSeq } = await this.channel.deps.runtime.messagesAfter(this.key, NO_SEQ_AFTER, 1);
    // A client that has more than the conversation holds was on another one (its session lapsed): start over.
    let resumeFrom = frame.lastSeq <= lastSeq ? frame.lastSeq : 0;
    resumeFrom = Math.max(resumeFrom, lastSeq - limits.historyLimit);
    this.sentSeq = this.ackedSeq = resumeFrom;
    const { welcome } = this.channel.deps;
    this.welcomed = lastSeq === 0 && welcome !== undefined;
    this.sendFrame({
      type: 'ready',
      v: web.PROTOCOL_VERSION,
      lastSeq,
      resumeFrom,
      session: WebSessions.tagOf(this.userId),
      limits: { maxFrameBytes: limits.maxFrameBytes, ratePerSec: limits.ratePerSec, rateBurst: limits.rateBurst, maxText: web.MAX_MESSAGE_TEXT },
      ...(this.welcomed ? { welcome: { zh: welcomeOf(welcome!('zh')), en: welcomeOf(welcome!('en')) } } : {}),
    });
    await this.pump();
  }

  private async turn(frame: web.MessageFrame): Promise<void> {
    if (this.state === 'closed') return;
    const inbound: InboundMessage = {
      channel: 'web',
      userId: this.userId,
      messageId: web.webMessageId(this.userId, frame.id),
      text: frame.text,
      ...(this.locale ? { locale: this.locale } : {}),
      ...(this.referral ? { referral: this.referral } : {}),
      ...(this.welcomed ? { greeted: true } : {}),
      ...(this.origin ? { origin: this.origin } : {}),
    };
    let result: ReceiveResult;
    try {
      result = await this.channel.deps.runtime.receive(inbound, { requestId: this.requestId });
    } catch (e) {
      const code = isAppError(e) && e.code === 'CONVERSATION_BUSY' ? 'busy' : isAppError(e) && e.code === 'DB_UNAVAILABLE' ? 'unavailable' : 'turn_failed';
      this.log.error({ err: e, userId: this.userId }, 'web chat turn failed');
      this.sendFrame({ type: 'error', code, message: 'The message was not processed; send it again with the same id', clientMessageId: frame.id });
      return;
    }
    // The echo of the borrower's message (with its sequence number) and the replies, on every tab.
    // This socket shows its own turn straight from the result when it is exactly the next thing to send.
    if (!this.sendTurn(frame.id, result)) await this.pump();
    await this.channel.catchUp(this.userId, this);
    if (looksLikeCode(frame.text)) await this.renewIfVerified();
  }

  /**
   * Sends a turn's message and replies without reading them back, if they are exactly what comes
   * next on this socket (nothing is being sent meanwhile, the turn's rows follow `sentSeq`).
   */
  private sendTurn(clientMessageId: string, result: ReceiveResult): boolean {
    const { inbound, replies } = result;
    if (this.state !== 'open' || this.pumping || !inbound || inbound.seq !== this.sentSeq + 1) return false;
    if (replies.some((r, i) => r.seq !== inbound.seq + 1 + i)) return false;
    if (this.sentSeq + 1 + replies.length - this.ackedSeq > this.channel.deps.limits.maxUnacked) return false;
    const at = Date.now();
    const channelMessageId = web.webMessageId(this.userId, clientMessageId);
    this.sendFrame(web.toWebMessage(this.userId, { ...inbound, author: 'borrower', direction: 'inbound', channelMessageId, createdAt: at }));
    for (const r of replies) this.sendFrame(web.toWebMessage(this.userId, { ...r, author: r.sender ? 'staff' : 'bot', direction: 'outbound', channelMessageId: null, createdAt: at }));
    this.sentSeq = replies.at(-1)?.seq ?? inbound.seq;
    return true;
  }

  /** Sends everything stored after `sentSeq`, in order; concurrent calls coalesce into one more round. */
  pump(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.pumpAgain = false;
          for (;;) {
            if (this.sentSeq - this.ackedSeq >= this.channel.deps.limits.maxUnacked) {
              this.stalled = true;
              return;
            }
            this.stalled = false;
            const { messages } = await this.channel.deps.runtime.messagesAfter(this.key, this.sentSeq, PAGE, { includeInbound: true });
            if (this.state === 'closed') return;
            for (const m of messages) {
              if (m.seq <= this.sentSeq) continue;
              if (web.isShownToBorrower(m)) this.sendFrame(web.toWebMessage(this.userId, m));
              this.sentSeq = m.seq;
            }
            if (messages.length < PAGE) break;
          }
        } while (this.pumpAgain && this.state === 'open');
      } catch (e) {
        this.failed(e, 'catch-up');
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  private failed(e: unknown, what: string): void {
    if (this.state === 'closed') return;
    this.log.error({ err: e, userId: this.userId }, `web chat ${what} failed`);
    // The page reconnects and resumes from what it has shown: nothing is lost.
    this.close(CLOSE.INTERNAL, 'server error; reconnect');
  }
}

/** A greeting as the ready frame carries it: its words and options only. */
const welcomeOf = (reply: Reply): web.WelcomeMessage => ({ text: reply.text, options: (reply.options ?? []).map((o) => ({ label: o.label, value: o.value })) });
