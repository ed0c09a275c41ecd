import type { Reply } from '../../flows/index.js';
import { renderReplyAsText } from '../text/index.js';
import { containsPersonalNumber } from './addressing.js';

export interface WechatRenderOptions {
  /** The reply goes into a group chat. */
  readonly group: boolean;
  /** Base of link cards whose url is a path, and of the web chat the group notice points to. */
  readonly baseUrl: string;
  readonly locale?: 'zh' | 'en';
}

export interface WechatText {
  readonly text: string;
  /** Set when the reply was replaced by the privacy notice because it must not be shown in a group. */
  readonly withheld?: 'sensitive' | 'personal_number';
}

const GROUP_NOTICE = {
  zh: (url: string) => `这条消息含有个人信息，不在群里发送。请私聊我，或点击链接在网页上查看：\n${url}`,
  en: (url: string) => `This message contains personal information and is not sent to the group. Please message me privately, or open:\n${url}`,
} as const;

/**
 * A reply as the text a personal WeChat account sends: no buttons, so options are numbered lines
 * ("1. 申请额度") the person answers with the number or the words, and cards are compact text (a
 * link card is its title and the URL on a line of its own, which WeChat makes tappable). In a
 * group, a reply marked `sensitive` or one that contains what looks like an ID, mobile or card
 * number is replaced by a notice pointing to a private chat: flows never send such replies to a
 * group, and this is the second line of defence.
 */
export function renderForWechat(reply: Reply, options: WechatRenderOptions): WechatText {
  const locale = options.locale ?? 'zh';
  const notice = () => GROUP_NOTICE[locale](`${options.baseUrl.replace(/\/+$/, '')}/`);
  if (options.group && reply.sensitive) return { text: notice(), withheld: 'sensitive' };
  const text = renderReplyAsText(reply, { locale, group: options.group, baseUrl: options.baseUrl });
  if (options.group && containsPersonalNumber(text)) return { text: notice(), withheld: 'personal_number' };
  return { text };
}
