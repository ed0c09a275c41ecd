/**
 * bots/officialAccount: the WeChat official account (服务号) protocol — callback signatures, safe-mode
 * encryption, a strict reader for WeChat's XML, callbacks as neutral inbound messages, and replies
 * as passive XML or customer-service messages. Pure: no HTTP server, database or configuration.
 */
export { verifyServerUrl, openCallback, sealReply } from './callbackEnvelope.js';
export type { CallbackSecrets, CallbackProblem, OpenedCallback, OfficialAccountMode } from './callbackEnvelope.js';
export { inboundFromWechat, parseScene, DEFAULT_MENU_TEXTS } from './inboundFromWechat.js';
export type { WechatCallback, SceneReferral, TranslateOptions } from './inboundFromWechat.js';
export { wechatSignature, signatureMatches, aesKeyOf, encryptMessage, decryptMessage, ENCODING_AES_KEY } from './messageCrypto.js';
export type { DecryptResult } from './messageCrypto.js';
export {
  renderForOfficialAccount,
  passiveReplyOf,
  passiveReplyXml,
  encryptedReplyXml,
  customServiceMessage,
  splitUtf8,
  TEXT_LIMIT_BYTES,
} from './renderForOfficialAccount.js';
export type { OfficialAccountMessage, NewsArticle, OfficialAccountRenderOptions } from './renderForOfficialAccount.js';
export { parseWechatXml, xmlFields, cdata } from './wechatXml.js';
export type { XmlElement, XmlParseResult, XmlLimits } from './wechatXml.js';
