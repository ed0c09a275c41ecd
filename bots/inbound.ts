import type { MediaKind } from '../flows/index.js';

/** Channels the runtime serves; the same names as the `Channel` enum in prisma/schema.prisma. */
export type ChannelName = 'web' | 'rest' | 'terminal' | 'wechat' | 'official_account' | 'wecom';

/**
 * The neutral inbound message every channel adapter produces. The runtime dedupes on
 * (channel, messageId) and serialises per (channel, userId, chatId).
 */
export interface InboundMessage {
  readonly channel: ChannelName;
  /** The person on the channel (REST userId, WeChat openid, wechaty contact id, web session subject). */
  readonly userId: string;
  /** The group the message was said in; absent for a private chat. */
  readonly chatId?: string;
  /** The channel's own id for this message; a redelivery carries the same id. */
  readonly messageId: string;
  /** What the person typed (or the value of the option they tapped). Absent for media. */
  readonly text?: string;
  /** Non-text content, rendered to flows as a placeholder. */
  readonly media?: MediaKind;
  /** In a group: the bot was @-mentioned or addressed by keyword. */
  readonly addressed?: boolean;
  readonly locale?: 'zh' | 'en';
  /** Manager or campaign code that brought the person (QR scene value, link parameter). */
  readonly referral?: string;
  /** The channel showed the assistant's greeting before this message (the web chat's page): it is not said again. */
  readonly greeted?: boolean;
  /**
   * Where the message came from, as an opaque keyed tag of the client's address (web and REST), so
   * per-address budgets (SMS codes) hold across chat users; absent where a platform's servers relay
   * the message (WeChat).
   */
  readonly origin?: string;
}
