import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  aesKeyOf,
  inboundFromWechat,
  openCallback,
  passiveReplyOf,
  passiveReplyXml,
  sealReply,
  verifyServerUrl,
  type CallbackProblem,
  type CallbackSecrets,
  type OfficialAccountRenderOptions,
  type TranslateOptions,
} from '../../../bots/officialAccount/index.js';
import type { Clock } from '../../clock.js';
import type { OfficialAccountConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import type { RequestLimits } from '../../http/rateLimits.js';
import type { ConversationRuntime, ReceiveResult } from '../../runtime/index.js';
import type { CallbackKind, CallbackReplayGuard } from './callbackReplayGuard.js';
import type { PassiveReplies, PassiveWindow } from './passiveReplies.js';
import type { SceneAttribution } from './sceneAttribution.js';
import { PUBLIC, doc } from '../../http/apiSchemas.js';

/** WeChat's messages are small: a text is at most a few KB even encrypted in compatible mode (about three times the plaintext). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

export interface OfficialAccountRouteDeps {
  readonly settings: Pick<OfficialAccountConfig, 'appId' | 'token' | 'encodingAesKey' | 'mode' | 'path' | 'replyBudgetMs'>;
  readonly runtime: Pick<ConversationRuntime, 'receive'>;
  /** Shared with the customer-service sender (createOfficialAccountSender). */
  readonly passive: PassiveReplies;
  readonly clock: Clock;
  /** Refuses a callback signed outside the time window or seen before (shared by the instances through the database). */
  readonly replay: CallbackReplayGuard;
  /** Counts each callback against its openid's budget (the client address is counted before the route). */
  readonly limits?: Pick<RequestLimits, 'user'>;
  /** Records a QR scene on a borrower already known; without it only the conversation keeps the referral. */
  readonly attribution?: Pick<SceneAttribution, 'record'>;
  readonly render?: OfficialAccountRenderOptions;
  readonly translate?: TranslateOptions;
  readonly maxBodyBytes?: number;
  /** Put the next text replies of a turn into the passive reply while they fit in one message (default true). */
  readonly coalesce?: boolean;
  readonly logger?: Logger;
}

const SUCCESS = 'success';

const refusal = (problem: CallbackProblem, reason: string): AppError =>
  problem === 'signature' ? new AppError('WECHAT_SIGNATURE_INVALID') : problem === 'mode' ? new AppError('FORBIDDEN', { reason }) : new AppError('WECHAT_MESSAGE_INVALID', { reason });

/**
 * The official account's callback URL. GET answers WeChat's server-address check; POST receives
 * messages and events: authenticated (plaintext signature, or msg_signature and AES in safe
 * mode; production allows safe mode only), refused when signed more than 5 minutes from now or
 * already seen (timestamp and nonce, 401 WECHAT_CALLBACK_REPLAYED), counted against the openid's
 * rate limit, read by a strict XML parser, translated to a neutral inbound message and handed to the
 * runtime. If the turn finishes within the reply budget, its first replies go back passively in
 * the response (encrypted like the request) and the rest by customer-service message; otherwise
 * the response is `success` and every reply goes by customer-service message. Refused requests
 * (401 signature, 403 mode, 400 malformed, 413 too large) reach neither the parser nor the runtime
 * beyond what checking them needs.
 */
export function officialAccountRoutes(app: FastifyInstance, deps: OfficialAccountRouteDeps): void {
  const { settings, clock } = deps;
  const secrets: CallbackSecrets = {
    token: settings.token,
    appId: settings.appId,
    mode: settings.mode,
    ...(settings.encodingAesKey ? { aesKey: aesKeyOf(settings.encodingAesKey) } : {}),
  };
  const bodyLimit = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const windows = new WeakMap<FastifyRequest, PassiveWindow>();

  void app.register(async (scope) => {
    // WeChat posts text/xml (some proxies say application/xml or nothing at all): every body is read as a string here, and only here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));

    /** After the signature: a signed request seen before, or signed at another time, goes no further. */
    const admit = async (request: FastifyRequest, kind: CallbackKind, timestamp: string, nonce: string): Promise<void> => {
      const verdict = await deps.replay.admit(kind, timestamp, nonce);
      if (verdict.ok) return;
      request.log.warn({ kind, reason: verdict.reason }, 'official-account callback refused as a possible replay');
      throw new AppError('WECHAT_CALLBACK_REPLAYED', { reason: verdict.reason });
    };

    scope.get(settings.path, { schema: { ...doc('channels', 'WeChat official account: the server URL check (signed by WeChat) · 公众号接入验证', PUBLIC) } }, async (request, reply) => {
      const checked = verifyServerUrl(request.query as Record<string, unknown>, settings.token);
      if (!checked.ok) throw refusal(checked.problem, checked.reason);
      await admit(request, 'verify', checked.timestamp, checked.nonce);
      return reply.type('text/plain; charset=utf-8').send(checked.echostr);
    });

    scope.post(settings.path, { schema: { ...doc('channels', 'WeChat official account: messages and events (signed XML, possibly encrypted) · 公众号消息回调', PUBLIC) }, bodyLimit, onResponse: async (request) => windows.get(request)?.close() }, async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      const opened = openCallback(request.query as Record<string, unknown>, body, secrets);
      if (!opened.ok) {
        request.log.warn({ problem: opened.problem, reason: opened.reason }, 'official-account callback refused');
        throw refusal(opened.problem, opened.reason);
      }
      await admit(request, 'message', opened.timestamp, opened.nonce);
      const callback = inboundFromWechat(opened.fields, deps.translate);
      if (callback.kind === 'invalid') throw new AppError('WECHAT_MESSAGE_INVALID', { reason: callback.reason });
      if (callback.kind === 'ignored') {
        request.log.info({ reason: callback.reason }, 'official-account callback needs no answer');
        return success(reply);
      }
      await deps.limits?.user(request, reply, `oa:${callback.openid}`);

      if (callback.scene && deps.attribution) {
        // Best effort: the referral reaches the conversation either way.
        await deps.attribution.record(callback.openid, callback.scene).then(
          (r) => request.log.info({ scene: callback.scene!.scene, attribution: r.status }, 'official-account QR scene'),
          (e: unknown) => request.log.error({ err: e }, 'recording a QR scene attribution failed'),
        );
      }

      const window = deps.passive.begin(callback.openid);
      windows.set(request, window);
      const turn = deps.runtime.receive(callback.inbound, { requestId: request.id });
      const remaining = settings.replyBudgetMs - reply.elapsedTime;
      const outcome = remaining > 0 ? await within(turn, remaining) : undefined;
      if (!outcome) {
        // Too slow for a passive reply: WeChat gets `success`, the replies go by customer-service message.
        window.close();
        turn.catch((e: unknown) => (deps.logger ?? request.log).error({ err: e }, 'official-account turn failed after the reply budget'));
        return success(reply);
      }
      if (!outcome.ok) {
        window.close();
        throw outcome.error;
      }
      const result = outcome.value;
      // A redelivery: its replies were answered or queued the first time.
      if (result.duplicate || !result.replies.length) return success(reply);
      const passive = passiveReplyOf(result.replies, { ...deps.render, coalesce: deps.coalesce ?? true });
      if (!passive || !window.claim(result.replies.slice(0, passive.count).map((r) => r.id))) return success(reply);

      const now = clock.now().getTime();
      const xml = passiveReplyXml(passive.message, { openid: callback.openid, account: callback.account, createTime: now / 1000 });
      const payload = opened.encrypted ? sealReply(xml, secrets, { timestamp: String(Math.floor(now / 1000)), nonce: opened.nonce }) : xml;
      return reply.type('application/xml; charset=utf-8').send(payload);
    });
  });
}

const success = (reply: FastifyReply) => reply.type('text/plain; charset=utf-8').send(SUCCESS);

type Outcome = { readonly ok: true; readonly value: ReceiveResult } | { readonly ok: false; readonly error: unknown };

/** The turn's outcome if it settles within `ms`; undefined otherwise (the turn goes on). */
function within(turn: Promise<ReceiveResult>, ms: number): Promise<Outcome | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  const settled = turn.then(
    (value): Outcome => ({ ok: true, value }),
    (error: unknown): Outcome => ({ ok: false, error }),
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}
