import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { OfficialAccountRenderOptions, TranslateOptions } from '../../../bots/officialAccount/index.js';
import type { Clock } from '../../clock.js';
import type { OfficialAccountConfig } from '../../config/index.js';
import type { Database } from '../../db/index.js';
import type { RequestLimits } from '../../http/rateLimits.js';
import type { ChannelSender, ConversationRuntime, OutboxDeliverer } from '../../runtime/index.js';
import { createOfficialAccountSender } from './customerServiceSender.js';
import { createCallbackReplayGuard, type CallbackReplayGuard } from './callbackReplayGuard.js';
import { createOfficialAccountApi, type OfficialAccountApi } from './officialAccountApi.js';
import { officialAccountRoutes } from './officialAccountRoutes.js';
import { PassiveReplies } from './passiveReplies.js';
import { createSceneAttribution } from './sceneAttribution.js';

export interface InstallOfficialAccountDeps {
  readonly settings: OfficialAccountConfig;
  /** Config.publicBaseUrl: link cards whose url is a path are resolved against it. */
  readonly publicBaseUrl: string;
  readonly db: Database;
  readonly runtime: ConversationRuntime;
  readonly outbox: OutboxDeliverer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Per-openid request budget (server/http/rateLimits.ts). */
  readonly limits?: Pick<RequestLimits, 'user'>;
  readonly translate?: TranslateOptions;
  /** Picture on news messages (the bank's banner). */
  readonly newsPicUrl?: string;
  readonly fetch?: typeof fetch;
}

/**
 * Everything the official account needs, in one call from where the app is assembled (before
 * `ready()`): the API client with its token cache, the customer-service sender registered on the
 * outbox, and the callback route sharing the passive-reply window with the sender.
 */
export function installOfficialAccount(
  app: FastifyInstance,
  deps: InstallOfficialAccountDeps,
): { readonly api: OfficialAccountApi; readonly sender: ChannelSender; readonly passive: PassiveReplies; readonly replay: CallbackReplayGuard } {
  const { settings, clock, logger } = deps;
  const api = createOfficialAccountApi({
    appId: settings.appId,
    appSecret: settings.appSecret,
    baseUrl: settings.apiBaseUrl,
    tokenApi: settings.tokenApi,
    now: () => clock.now().getTime(),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  // A window never outlives WeChat's 5 seconds by much: the response has gone (or failed) by then.
  const passive = new PassiveReplies({ maxHoldMs: settings.replyBudgetMs + 2_000 });
  const render: OfficialAccountRenderOptions = { baseUrl: deps.publicBaseUrl, ...(deps.newsPicUrl ? { newsPicUrl: deps.newsPicUrl } : {}) };
  const sender = createOfficialAccountSender({ api, prisma: deps.db.prisma, clock, logger, passive, render });
  deps.outbox.register(sender);
  const replay = createCallbackReplayGuard({ prisma: deps.db.prisma, clock, appId: settings.appId });
  officialAccountRoutes(app, {
    settings,
    runtime: deps.runtime,
    passive,
    clock,
    replay,
    ...(deps.limits ? { limits: deps.limits } : {}),
    attribution: createSceneAttribution({ prisma: deps.db.prisma, clock }),
    render,
    logger,
    ...(deps.translate ? { translate: deps.translate } : {}),
  });
  logger.info({ path: settings.path, mode: settings.mode, tokenApi: settings.tokenApi }, 'WeChat official account channel ready');
  return { api, sender, passive, replay };
}
