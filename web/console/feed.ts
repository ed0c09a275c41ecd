/**
 * The live feed: one server-sent-events stream (GET /api/v1/staff/feed) shared by every page. The
 * server sends one JSON event per change — `{ kind, id, ... }` — where `kind` names what changed
 * (`conversation`, `workOrder`, `review`, `presence`) and `id` which one; a conversation event
 * carries its new queue row. The browser reconnects by itself; pages subscribe by kind.
 */
export interface FeedEvent {
  readonly kind: string;
  readonly id: string;
  readonly [field: string]: unknown;
}

type Handler = (event: FeedEvent) => void;

export const FEED_PATH = '/api/v1/staff/feed';

export class Feed {
  private source: EventSource | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly statusListeners = new Set<(online: boolean) => void>();

  constructor(private readonly onEnded: () => void) {}

  /** Calls `handler` for each event of `kind` (`*`: every event). Returns the unsubscribe. */
  subscribe(kind: string, handler: Handler): () => void {
    let set = this.handlers.get(kind);
    if (!set) this.handlers.set(kind, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Whether the stream is connected (the shell shows a line while it is not). */
  onStatus(fn: (online: boolean) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  connect(): void {
    if (this.source) return;
    const source = new EventSource(FEED_PATH, { withCredentials: true });
    this.source = source;
    source.addEventListener('open', () => this.status(true));
    source.addEventListener('error', () => {
      this.status(false);
      // A closed source will not retry: the server refused it (the session ended).
      if (source.readyState === EventSource.CLOSED) {
        this.close();
        this.onEnded();
      }
    });
    // The server says the session ended (logout, expiry, account disabled).
    source.addEventListener('end', () => {
      this.close();
      this.onEnded();
    });
    source.addEventListener('message', (m: MessageEvent<string>) => {
      let event: FeedEvent;
      try {
        event = JSON.parse(m.data) as FeedEvent;
      } catch {
        return;
      }
      if (typeof event?.kind !== 'string' || typeof event.id !== 'string') return;
      for (const key of [event.kind, '*']) for (const handler of this.handlers.get(key) ?? []) handler(event);
    });
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
  }

  private status(online: boolean): void {
    for (const fn of this.statusListeners) fn(online);
  }
}
