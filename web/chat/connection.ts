import { CLOSE, FINAL_CLOSE_CODES, LOGOUT_PATH, PROTOCOL_VERSION, SESSION_RENEW_PATH, type ServerFrame } from '../../bots/web/frames.js';

export type ConnectionStatus = 'connecting' | 'online' | 'reconnecting' | 'superseded' | 'failed' | 'logged_out';

export interface ConnectionHooks {
  /** What to say on (re)connect: the last sequence number shown, language, referral. */
  hello(): { lastSeq: number; locale: 'zh' | 'en'; referral?: string };
  frame(frame: ServerFrame): void;
  status(status: ConnectionStatus): void;
}

/** Outgoing frames of this page (the hello is sent by the connection itself). */
export type OutgoingFrame = { type: 'message'; id: string; text: string; locale?: 'zh' | 'en' } | { type: 'ack'; seq: number };

const MAX_BACKOFF_MS = 30_000;

/**
 * The page's socket: says hello with the last sequence number shown, reconnects by itself with
 * jittered exponential backoff (at once when the browser comes back online or the tab is shown), and
 * renews the session cookie when connecting keeps failing before the socket opens. Owns the session
 * too: exchanges a `session` frame's ticket for the new cookie at once, and logs out.
 */
export class ChatConnection {
  private socket: WebSocket | undefined;
  private attempts = 0;
  private failuresBeforeOpen = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly sessionUrl: string,
    private readonly hooks: ConnectionHooks,
  ) {
    window.addEventListener('online', () => this.reconnectNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Sends a frame if the socket is open; false otherwise (the caller keeps it for the next connection). */
  send(frame: OutgoingFrame): boolean {
    if (!this.isOpen) return false;
    this.socket!.send(JSON.stringify(frame));
    return true;
  }

  /** A closed or waiting connection tries again now (the borrower came back). */
  reconnectNow(): void {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.connect();
  }

  private connect(): void {
    this.timer = undefined;
    this.hooks.status(this.attempts === 0 ? 'connecting' : 'reconnecting');
    let opened = false;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.failuresBeforeOpen = 0;
      const hello = this.hooks.hello();
      socket.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, ...hello }));
    };
    socket.onmessage = (event) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === 'ready') {
        this.attempts = 0;
        this.hooks.status('online');
      }
      // The session was renewed (an SMS code verified): the old cookie no longer works, take the new one now.
      if (frame.type === 'session') return void this.renewSession(frame.ticket);
      this.hooks.frame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.socket = undefined;
      if (this.stopped) return;
      if (event.code === CLOSE.SUPERSEDED) return this.stop('superseded');
      if (event.code === CLOSE.LOGGED_OUT) return this.stop('logged_out');
      if (FINAL_CLOSE_CODES.includes(event.code)) return this.stop('failed');
      if (!opened) this.failuresBeforeOpen++;
      this.schedule();
    };
  }

  /** Logs out: no more reconnecting, the session revoked on the server (every tab's socket closes) and its cookie cleared. */
  async logout(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, 'logout');
    await fetch(LOGOUT_PATH, { method: 'POST', credentials: 'same-origin', cache: 'no-store' }).catch(() => undefined);
    this.hooks.status('logged_out');
  }

  /** A failed exchange leaves the old, revoked cookie: the next connection then starts a new session. */
  private async renewSession(ticket: string): Promise<void> {
    await fetch(SESSION_RENEW_PATH, { method: 'POST', credentials: 'same-origin', cache: 'no-store', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticket }) }).catch(() => undefined);
  }

  /** Stops reconnecting; `start()` resumes (the borrower chose to continue in this tab). */
  private stop(status: ConnectionStatus): void {
    this.stopped = true;
    this.hooks.status(status);
  }

  private schedule(): void {
    this.hooks.status('reconnecting');
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    this.attempts = Math.min(this.attempts + 1, 10);
    this.timer = setTimeout(() => {
      // The upgrade was refused twice before opening: most likely the session cookie lapsed. Renew it.
      if (this.failuresBeforeOpen >= 2) {
        void fetch(this.sessionUrl, { credentials: 'same-origin', cache: 'no-store' })
          .catch(() => undefined)
          .finally(() => this.connect());
      } else this.connect();
    }, delay);
  }
}
