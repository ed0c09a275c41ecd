import type { Logger } from 'pino';
import { z } from 'zod';
import type { PushSignal } from '../runtime/index.js';

/** What changed, for the consoles watching: a conversation, a work order, a review, or who is viewing a conversation. */
export const feedEventSchema = z.object({
  kind: z.enum(['conversation', 'workOrder', 'review', 'presence', 'resync']),
  id: z.string().max(64),
});
export type ConsoleFeedEvent = z.infer<typeof feedEventSchema>;
export type FeedKind = ConsoleFeedEvent['kind'];

/** The PushSignal channel console events travel on between server processes. */
export const CONSOLE_PUSH_CHANNEL = 'console';

/** Below PostgreSQL's 8,000-byte NOTIFY payload, with room for the signal's envelope. */
const MAX_PAYLOAD_CHARS = 6_000;

/**
 * In-process publish/subscribe of console events; with PostgreSQL (several server processes) each
 * event is also sent to the others through the PushSignal on the 'console' channel, so every
 * console hears of every change wherever it happened. An event names what changed, never its
 * content: subscribers read what they may see themselves. After the signal was down a `resync`
 * event tells consoles to fetch again (events may have been missed).
 *
 * With `coalesceMs` the events for the other processes are gathered that long and sent together
 * (a JSON array, repeats once): every turn announces its conversation, and one signal a turn was a
 * statement a turn.
 */
export class ConsoleFeed {
  private readonly listeners = new Set<(event: ConsoleFeedEvent) => void>();
  private readonly pending = new Map<string, ConsoleFeedEvent>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { readonly push?: PushSignal; readonly logger?: Logger; readonly coalesceMs?: number } = {}) {
    options.push?.listen(CONSOLE_PUSH_CHANNEL, (payload) => {
      if (payload === null) return this.deliver({ kind: 'resync', id: '' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        return;
      }
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
        const event = feedEventSchema.safeParse(item);
        if (event.success) this.deliver(event.data);
      }
    });
  }

  /** Tells every console (this process's at once, the others' through the signal). Throws only on a malformed event (a bug). */
  publish(event: ConsoleFeedEvent): void {
    const checked = feedEventSchema.parse(event);
    this.deliver(checked);
    if (!this.options.push) return;
    if (!this.options.coalesceMs) return this.send([checked]);
    this.pending.set(`${checked.kind}:${checked.id}`, checked);
    this.timer ??= setTimeout(() => this.flush(), this.options.coalesceMs).unref();
  }

  /** Sends what is gathered for the other processes now (also at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = [...this.pending.values()];
    this.pending.clear();
    let batch: ConsoleFeedEvent[] = [];
    let size = 2;
    for (const event of events) {
      const length = JSON.stringify(event).length + 1;
      if (batch.length > 0 && size + length > MAX_PAYLOAD_CHARS) {
        this.send(batch);
        batch = [];
        size = 2;
      }
      batch.push(event);
      size += length;
    }
    if (batch.length > 0) this.send(batch);
  }

  private send(events: ConsoleFeedEvent[]): void {
    const payload = JSON.stringify(events.length === 1 ? events[0] : events);
    void this.options.push?.notify(CONSOLE_PUSH_CHANNEL, payload).catch((e: unknown) => {
      // The others catch up when their consoles next fetch; this process's consoles already know.
      this.options.logger?.warn({ err: e, events: events.length }, 'console events not sent to the other server processes');
    });
  }

  /** Calls `listener` for every event (this process's and the others'). Returns the unsubscribe. */
  subscribe(listener: (event: ConsoleFeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  private deliver(event: ConsoleFeedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.options.logger?.error({ err: e, event }, 'a console feed listener failed');
      }
    }
  }
}
