/** bots/: channel adapters between channel payloads and the neutral message model. */
export type { InboundMessage, ChannelName } from './inbound.js';
export * as web from './web/index.js';
export * as officialAccount from './officialAccount/index.js';
export * as wecom from './wecom/index.js';
export * as wechaty from './wechaty/index.js';
