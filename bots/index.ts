/** bots/: channel adapters between channel payloads and the neutral message model. */
export type { InboundMessage, ChannelName } from './inbound.js';
