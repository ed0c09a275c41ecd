import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChannelName } from '../../bots/index.js';
import { isAppError } from '../errors.js';

/**
 * How a turn ended, for metrics: `ok`; `duplicate` (a redelivered message answered from the store);
 * `ignored` (group chatter not addressed to the bot); `failed` (the machine failed or timed out: the
 * apology was stored, or a dispatch was refused with TURN_FAILED); `rejected` (refused before running:
 * unknown conversation, a take-over conflict, any 4xx); `db_unavailable` (nothing stored, send again);
 * `error` (anything else thrown).
 */
export type TurnOutcome = 'ok' | 'duplicate' | 'ignored' | 'failed' | 'rejected' | 'db_unavailable' | 'error';

/** `message`: a borrower's message (receive); `event`: a staff, deadline or system event (dispatch). */
export type TurnKind = 'message' | 'event';

/** Told once per turn, after it ended; must be O(1) (a counter and a histogram), never throw, never wait. */
export type TurnObserver = (channel: ChannelName | 'unknown', kind: TurnKind, outcome: TurnOutcome, seconds: number) => void;

/** Where a turn came from: the HTTP request (or websocket upgrade) that carried it, when there was one. */
export interface TurnOrigin {
  readonly requestId?: string | undefined;
}

/**
 * One turn's identity and timing. `log` is a child logger carrying `turnId` (and `reqId`, as on the
 * request's own lines), made
 * only when something is logged: a successful turn logs nothing and pays for no child.
 */
export class TurnTrace {
  readonly turnId = randomUUID();
  private readonly started = performance.now();
  private child: Logger | undefined;
  /** Set when the channel is known (a dispatch learns it from the conversation). */
  channel: ChannelName | 'unknown';
  /** Set by the runtime when the turn stored an apology (or refused with TURN_FAILED). */
  failed = false;

  constructor(
    private readonly logger: Logger,
    readonly kind: TurnKind,
    channel: ChannelName | undefined,
    readonly requestId: string | undefined,
  ) {
    this.channel = channel ?? 'unknown';
  }

  get log(): Logger {
    this.child ??= this.logger.child(this.requestId === undefined ? { turnId: this.turnId } : { turnId: this.turnId, reqId: this.requestId });
    return this.child;
  }

  /** Reports the turn to the observer; a debug line links turnId, requestId and conversation. */
  end(observer: TurnObserver | undefined, outcome: TurnOutcome, conversationId: string | null | undefined): void {
    const seconds = (performance.now() - this.started) / 1000;
    observer?.(this.channel, this.kind, outcome, seconds);
    if (this.logger.isLevelEnabled('debug')) this.log.debug({ conversationId, channel: this.channel, kind: this.kind, outcome, ms: Math.round(seconds * 1000) }, 'conversation turn');
  }
}

/** The outcome of a turn that threw. */
export function outcomeOfError(error: unknown): TurnOutcome {
  if (!isAppError(error)) return 'error';
  if (error.code === 'DB_UNAVAILABLE') return 'db_unavailable';
  if (error.code === 'TURN_FAILED') return 'failed';
  return error.statusCode < 500 ? 'rejected' : 'error';
}
