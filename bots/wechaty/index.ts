/**
 * bots/wechaty: the personal-WeChat channel's translation — wechaty messages to inbound messages
 * (private chats, and group messages addressed to the bot), replies to WeChat text, and the
 * sender for channel 'wechat'. Starting the bot is the server's (server/channels/wechaty).
 */
export { toInboundMessage } from './toInboundMessage.js';
export type { InboundContext, SkipReason, Translation } from './toInboundMessage.js';
export { addressingOf, containsPersonalNumber } from './addressing.js';
export type { Addressing, AddressedBy, AddressingOptions } from './addressing.js';
export { renderForWechat } from './renderForWechat.js';
export type { WechatRenderOptions, WechatText } from './renderForWechat.js';
export { createWechatySender, WechatDeliveryError } from './wechatySender.js';
export type { WechatySender, WechatySenderOptions, WechatTarget, OutgoingReply } from './wechatySender.js';
export { messageKindOf, WECHATY_MESSAGE_TYPE, WECHATY_CONTACT_TYPE_OFFICIAL, WECHATY_FRIENDSHIP_TYPE_RECEIVE } from './messageKinds.js';
