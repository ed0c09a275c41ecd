import type { Logger } from 'pino';
import { replyToRobotMessage, SlidingWindowLimiter, type RobotMessage, type RobotRenderOptions } from '../../../bots/wecom/index.js';
import type { Reply } from '../../../flows/index.js';
import { systemClock, type Clock } from '../../clock.js';
import type { WecomConfig } from '../../config/index.js';

/** What became of one robot message. Expected outcomes are values; nothing here throws for them. */
export type RobotSendResult =
  | { readonly status: 'sent'; readonly robot: string; readonly attempts: number }
  /** Over the robot's allowance: locally (the wait would exceed maxWaitMs) or WeCom said 45009 twice. Try again after `retryAfterMs`. */
  | { readonly status: 'rate_limited'; readonly robot: string; readonly retryAfterMs: number }
  /** WeCom refused the message, or could not be reached; `retryable` says whether sending it again may help. */
  | { readonly status: 'failed'; readonly robot: string; readonly retryable: boolean; readonly errcode?: number; readonly reason: string }
  | { readonly status: 'unknown_robot'; readonly robot: string };

export interface WecomRobotOptions extends WecomConfig {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** How the client waits for a slot; tests may pass one that moves a manual clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Messages per window per robot: WeCom allows 20 a minute. */
  readonly limit?: number;
  readonly windowMs?: number;
  /** Longest a send waits for a free slot; beyond it the send is refused as rate_limited at once. */
  readonly maxWaitMs?: number;
  /** After WeCom answers 45009, nothing goes to that robot for this long; the message is tried once more. */
  readonly backoffMs?: number;
  /** After WeCom answers 130101 (the robot blocked for sending too much), nothing goes to it for this long (10 minutes); the message is refused as rate_limited. */
  readonly blockedBackoffMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Resolves link cards whose url is a path (Config.publicBaseUrl). */
  readonly publicBaseUrl?: string;
}

export interface WecomRobot {
  /** Names of the configured robots (WECOM_ROBOTS). */
  readonly names: readonly string[];
  send(robot: string, message: RobotMessage): Promise<RobotSendResult>;
  /** A neutral reply as a robot message (link card → news, otherwise text; sensitive replies withheld). */
  sendReply(robot: string, reply: Reply, options?: Omit<RobotRenderOptions, 'baseUrl'>): Promise<RobotSendResult>;
}

const RATE_LIMITED = 45009;
/** WeCom's "too many messages from this robot": it blocks the robot for about 10 minutes. */
const ROBOT_BLOCKED = 130101;

/**
 * The send-only client of WeCom group-robot webhooks (`POST <base>/cgi-bin/webhook/send?key=…`).
 * Policy on the allowance of 20 messages a minute per robot: a message over it is held until its
 * slot (first come, first served) when that is at most `maxWaitMs` (default 60 s) away, and refused
 * as `rate_limited` with `retryAfterMs` otherwise, so a campaign job reschedules instead of piling
 * up. WeCom's 130101 (the robot blocked for ~10 minutes) pauses it for `blockedBackoffMs` and refuses
 * the message as `rate_limited`. When WeCom still answers 45009 (another system posting with the same robot), the robot is
 * paused for `backoffMs` and the message tried once more. Webhook keys never appear in logs.
 */
export function createWecomRobot(options: WecomRobotOptions): WecomRobot {
  const base = options.webhookBaseUrl.replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limiter = new SlidingWindowLimiter({ limit: options.limit ?? 20, windowMs: options.windowMs ?? 60_000 });
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const backoffMs = options.backoffMs ?? 60_000;
  const blockedBackoffMs = options.blockedBackoffMs ?? 600_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const robots = new Map(Object.entries(options.robots));

  async function post(key: string, message: RobotMessage): Promise<{ errcode: number; errmsg: string } | { error: string }> {
    try {
      const response = await doFetch(`${base}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) return { error: `HTTP ${response.status}` };
      const body = (await response.json()) as { errcode?: unknown; errmsg?: unknown };
      return { errcode: typeof body.errcode === 'number' ? body.errcode : -1, errmsg: typeof body.errmsg === 'string' ? body.errmsg.slice(0, 200) : '' };
    } catch (e) {
      return { error: e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'network error or an answer that is not JSON' };
    }
  }

  async function send(robot: string, message: RobotMessage): Promise<RobotSendResult> {
    const key = robots.get(robot);
    if (key === undefined) return { status: 'unknown_robot', robot };
    for (let attempt = 1; ; attempt++) {
      const slot = limiter.reserve(robot, clock.now().getTime(), maxWaitMs);
      if (!slot.ok) {
        options.logger?.warn({ robot, retryAfterMs: slot.retryAfterMs }, 'WeCom robot over its allowance; message refused');
        return { status: 'rate_limited', robot, retryAfterMs: slot.retryAfterMs };
      }
      if (slot.waitMs > 0) await sleep(slot.waitMs);
      const answer = await post(key, message);
      if ('error' in answer) {
        options.logger?.warn({ robot, reason: answer.error }, 'WeCom robot webhook unreachable');
        return { status: 'failed', robot, retryable: true, reason: answer.error };
      }
      if (answer.errcode === 0) return { status: 'sent', robot, attempts: attempt };
      if (answer.errcode === RATE_LIMITED) {
        limiter.pause(robot, clock.now().getTime() + backoffMs);
        options.logger?.warn({ robot, attempt, backoffMs }, 'WeCom robot rate limited (45009); backing off');
        if (attempt < 2) continue;
        return { status: 'rate_limited', robot, retryAfterMs: backoffMs };
      }
      if (answer.errcode === ROBOT_BLOCKED) {
        // Blocked for minutes: trying again now would only extend it. The caller reschedules.
        limiter.pause(robot, clock.now().getTime() + blockedBackoffMs);
        options.logger?.warn({ robot, blockedBackoffMs }, 'WeCom robot blocked for sending too much (130101); backing off');
        return { status: 'rate_limited', robot, retryAfterMs: blockedBackoffMs };
      }
      // -1 is "system busy"; other codes (93000 invalid webhook key, 40008 bad message, 45002 too long…) will not change by retrying.
      options.logger?.warn({ robot, errcode: answer.errcode, errmsg: answer.errmsg }, 'WeCom robot refused the message');
      return { status: 'failed', robot, retryable: answer.errcode === -1, errcode: answer.errcode, reason: answer.errmsg || `errcode ${answer.errcode}` };
    }
  }

  return {
    names: [...robots.keys()],
    send,
    sendReply: (robot, reply, renderOptions = {}) => send(robot, replyToRobotMessage(reply, { ...renderOptions, ...(options.publicBaseUrl ? { baseUrl: options.publicBaseUrl } : {}) })),
  };
}
