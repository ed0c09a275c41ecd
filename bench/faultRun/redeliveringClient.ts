/** A reply as POST /api/v1/chat returns it (docs/chat-api.md). */
export interface Reply {
  text: string;
  options?: { label: string; value: string }[];
  card?: Record<string, unknown> & { type: string };
}

/** What the client saw on the wire, over the whole run. */
export interface WireStats {
  /** HTTP requests made, redeliveries included. */
  requests: number;
  /** Messages answered with 200 (each counted once, however many deliveries it took). */
  answered: number;
  /** Deliveries made again with the same messageId. */
  redeliveries: number;
  /** Requests that got no HTTP answer (connection refused or reset: the server was down or died). */
  connectionErrors: number;
  /** Answers other than 200, by status and error code, e.g. `503 CONVERSATION_BUSY`. */
  byStatus: Map<string, number>;
}

/** A 4xx other than 409/429: the request itself is wrong, so delivering it again cannot help. */
export class RefusedMessage extends Error {
  override readonly name = 'RefusedMessage';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

/** The run's deadline passed while a message was still unanswered. */
export class DeadlinePassed extends Error {
  override readonly name = 'DeadlinePassed';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The REST channel as a real one behaves: a message is delivered until it is answered with 200,
 * always with the same messageId. No answer (connection refused or reset), 5xx, 409 and 429 →
 * wait a little (growing with the attempts, jittered) and deliver it again.
 */
export class RedeliveringClient {
  readonly stats: WireStats = { requests: 0, answered: 0, redeliveries: 0, connectionErrors: 0, byStatus: new Map() };
  /** Messages on the wire now: what each borrower is waiting for (for the kill report). */
  readonly inFlight = new Map<string, string>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly url: string,
    /** Epoch ms after which an unanswered message is given up (moved earlier by `giveUp`). */
    private deadline: number,
    private readonly random: () => number,
  ) {}

  /** Stops redelivering: every message still unanswered ends with DeadlinePassed. */
  giveUp(): void {
    this.deadline = 0;
    this.stopped.abort();
  }

  /** The replies, and how many deliveries it took (more than one: the server was down or died meanwhile, or answered 5xx). */
  async deliver(userId: string, messageId: string, text: string, label: string): Promise<{ replies: Reply[]; deliveries: number }> {
    this.inFlight.set(userId, label);
    try {
      for (let attempt = 0; ; attempt++) {
        if (Date.now() > this.deadline) throw new DeadlinePassed(`${userId} ${messageId} (${label}) unanswered at the deadline`);
        if (attempt > 0) {
          this.stats.redeliveries++;
          await sleep(Math.min(1_000, 50 * attempt) + this.random() * 100);
        }
        this.stats.requests++;
        let res: Response;
        let body: string;
        try {
          res = await fetch(`${this.url}/api/v1/chat`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ userId, messageId, text }),
            signal: AbortSignal.any([this.stopped.signal, AbortSignal.timeout(Math.max(1_000, Math.min(60_000, this.deadline - Date.now())))]),
          });
          body = await res.text();
        } catch {
          this.stats.connectionErrors++;
          continue;
        }
        if (res.status === 200) {
          this.stats.answered++;
          return { replies: (JSON.parse(body) as { replies: Reply[] }).replies, deliveries: attempt + 1 };
        }
        let code = '';
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '';
        } catch {
          // not JSON: the status says enough
        }
        const key = `${res.status}${code ? ` ${code}` : ''}`;
        this.stats.byStatus.set(key, (this.stats.byStatus.get(key) ?? 0) + 1);
        if (res.status >= 500 || res.status === 409 || res.status === 429) continue;
        throw new RefusedMessage(res.status, body);
      }
    } finally {
      this.inFlight.delete(userId);
    }
  }
}
