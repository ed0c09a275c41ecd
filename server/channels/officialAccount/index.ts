/** server/channels/officialAccount: the WeChat official account (服务号) — callback route, access token, customer-service sender, QR attribution. */
export { installOfficialAccount } from './installOfficialAccount.js';
export type { InstallOfficialAccountDeps } from './installOfficialAccount.js';
export { officialAccountRoutes, DEFAULT_MAX_BODY_BYTES } from './officialAccountRoutes.js';
export type { OfficialAccountRouteDeps } from './officialAccountRoutes.js';
export { createOfficialAccountSender, CUSTOMER_SERVICE_WINDOW_MS, UNDELIVERABLE_ERRCODES } from './customerServiceSender.js';
export type { OfficialAccountSenderOptions } from './customerServiceSender.js';
export { createOfficialAccountApi, TOKEN_ERRCODES } from './officialAccountApi.js';
export type { OfficialAccountApi, OfficialAccountApiOptions, WechatApiResult } from './officialAccountApi.js';
export { AccessTokenCache } from './accessTokenCache.js';
export type { FetchedToken } from './accessTokenCache.js';
export { PassiveReplies } from './passiveReplies.js';
export type { PassiveWindow } from './passiveReplies.js';
export { createSceneAttribution } from './sceneAttribution.js';
export type { SceneAttribution, AttributionResult } from './sceneAttribution.js';
export { createCallbackReplayGuard, CALLBACK_WINDOW_MS } from './callbackReplayGuard.js';
export type { CallbackReplayGuard, CallbackKind, ReplayVerdict } from './callbackReplayGuard.js';
