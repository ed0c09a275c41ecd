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

/**
 * In-process publish/subscribe of console events; with PostgreSQL (several server processes) each
 * event is also sent to the others through the PushSignal on the 'console' channel, so every
 * console hears of every change wherever it happened. An event names what changed, never its
 * content: subscribers read what they may see themselves. After the signal was down a `resync`
 * event tells consoles to fetch again (events may have been missed).
 */
export class ConsoleFeed {
  private readonly listeners = new Set<(event: ConsoleFeedEvent) => void>();

  constructor(private readonly options: { readonly push?: PushSignal; readonly logger?: Logger } = {}) {
    options.push?.listen(CONSOLE_PUSH_CHANNEL, (payload) => {
      if (payload === null) return this.deliver({ kind: 'resync', id: '' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        return;
      }
      const event = feedEventSchema.safeParse(parsed);
      if (event.success) this.deliver(event.data);
    });
  }

  /** Tells every console (this process's at once, the others' through the signal). Throws only on a malformed event (a bug). */
  publish(event: ConsoleFeedEvent): void {
    const checked = feedEventSchema.parse(event);
    this.deliver(checked);
    void this.options.push?.notify(CONSOLE_PUSH_CHANNEL, JSON.stringify(checked)).catch((e: unknown) => {
      // The others catch up when their consoles next fetch; this process's consoles already know.
      this.options.logger?.warn({ err: e, event: checked }, 'console event not sent to the other server processes');
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
