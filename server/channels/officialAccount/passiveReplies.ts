/**
 * Where the callback route and the customer-service sender meet. The runtime hands every reply of
 * a turn to the outbox as soon as it is stored, but the route may still answer the first of them
 * passively, in the HTTP response. So the route opens a window for the person before the turn;
 * the sender, asked to deliver a reply for that person, waits until the windows open at that
 * moment have closed, then skips the replies the route claimed. A window closes when the response
 * has been sent (so customer-service messages follow the passive one), or after `maxHoldMs` at
 * the latest.
 */
export interface PassiveWindow {
  /** Marks replies as answered in the HTTP response. False when the window closed already: then answer `success`. */
  claim(replyIds: readonly string[]): boolean;
  close(): void;
}

export class PassiveReplies {
  private readonly open = new Map<string, Set<{ readonly closed: Promise<void> }>>();
  /** Reply id → when the claim is forgotten. */
  private readonly claimed = new Map<string, number>();
  private readonly maxHoldMs: number;
  private readonly claimTtlMs: number;

  constructor(options: { readonly maxHoldMs?: number; readonly claimTtlMs?: number } = {}) {
    this.maxHoldMs = options.maxHoldMs ?? 6_000;
    this.claimTtlMs = options.claimTtlMs ?? 10 * 60_000;
  }

  begin(openid: string): PassiveWindow {
    let done = false;
    let resolve!: () => void;
    const entry = { closed: new Promise<void>((r) => (resolve = r)) };
    const set = this.open.get(openid) ?? new Set();
    set.add(entry);
    this.open.set(openid, set);
    const close = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      set.delete(entry);
      if (!set.size && this.open.get(openid) === set) this.open.delete(openid);
      resolve();
    };
    const timer = setTimeout(close, this.maxHoldMs);
    timer.unref();
    return {
      claim: (replyIds) => {
        if (done) return false;
        const now = Date.now();
        this.forgetExpired(now);
        for (const id of replyIds) this.claimed.set(id, now + this.claimTtlMs);
        return true;
      },
      close,
    };
  }

  /** For the sender: waits for the person's open windows, then tells whether the route answered this reply passively. */
  async settle(openid: string, replyId: string): Promise<'passive' | 'send'> {
    const set = this.open.get(openid);
    if (set?.size) await Promise.all([...set].map((w) => w.closed));
    if (!this.claimed.has(replyId)) return 'send';
    this.claimed.delete(replyId);
    return 'passive';
  }

  private forgetExpired(now: number): void {
    for (const [id, until] of this.claimed) {
      if (until > now) break;
      this.claimed.delete(id);
    }
  }
}
