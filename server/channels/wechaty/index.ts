/** server/channels/wechaty: the personal-WeChat bot (wechaty) wired to the conversation runtime; off unless WECHATY_PUPPET is set. */
export { startWechatyChannel, attachWechatyChannel, WechatyStartError } from './startWechatyChannel.js';
export type { WechatyChannel, WechatyChannelOptions, HandledReport, PuppetInstance } from './startWechatyChannel.js';
