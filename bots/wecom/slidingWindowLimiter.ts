/**
 * Send slots per key (one key per robot) so that no window of `windowMs` holds more than `limit`
 * sends: WeCom allows a group robot 20 messages a minute. Slots are handed out first come, first
 * served, possibly in the future (the caller waits for its slot); a request whose slot would be
 * more than `maxWaitMs` away is refused with the time to try again. Pure: time is passed in.
 */
export interface LimiterOptions {
  readonly limit?: number;
  readonly windowMs?: number;
}

/** A slot to send at, or a refusal with the time until the robot has room again. */
export type Reservation = { readonly ok: true; readonly at: number; readonly waitMs: number } | { readonly ok: false; readonly retryAfterMs: number };

export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** Per key: the most recent `limit` slots, ascending. */
  private readonly slots = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(options: LimiterOptions = {}) {
    this.limit = options.limit ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(this.windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  /** The earliest slot at or after `now` for `key`, if it is at most `maxWaitMs` away; the slot is taken. */
  reserve(key: string, now: number, maxWaitMs: number): Reservation {
    const at = this.nextSlot(key, now);
    if (at - now > maxWaitMs) return { ok: false, retryAfterMs: at - now };
    const list = this.slots.get(key) ?? [];
    list.push(at);
    // Only the last `limit` slots decide the next one.
    if (list.length > this.limit) list.splice(0, list.length - this.limit);
    this.slots.set(key, list);
    return { ok: true, at, waitMs: at - now };
  }

  /** When the next slot would be, without taking it. */
  nextSlot(key: string, now: number): number {
    const list = this.slots.get(key) ?? [];
    let at = Math.max(now, this.pausedUntil.get(key) ?? now, list.at(-1) ?? now);
    if (list.length >= this.limit) at = Math.max(at, list[list.length - this.limit]! + this.windowMs);
    return at;
  }

  /** No slot for `key` before `until` (the service said the robot is over its allowance). */
  pause(key: string, until: number): void {
    this.pausedUntil.set(key, Math.max(until, this.pausedUntil.get(key) ?? until));
  }
}
