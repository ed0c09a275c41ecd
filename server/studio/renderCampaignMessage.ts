import { newsMessage, textMessage, type RobotMessage } from '../../bots/wecom/index.js';
import type { Reply } from '../../flows/index.js';
import type { CampaignChannel, CampaignContent, RenderedCampaignMessage } from './contracts.js';

export interface RenderCampaignInput {
  readonly content: CampaignContent;
  readonly channel: CampaignChannel;
  /** The delivery's tracking token: the card links to `<publicBaseUrl>/r/<token>`. */
  readonly token: string;
  /** Config.publicBaseUrl, without a trailing slash. */
  readonly publicBaseUrl: string;
  /** Config.marketing.bankName (BANK_NAME). */
  readonly bankName: string;
  /** The recipient's language: the frame (name, link line, how to unsubscribe) follows it; the manager's text stays as written. */
  readonly locale?: 'zh' | 'en';
}

/** The tracked link of a delivery and its QR image. */
export const trackedLinkUrl = (publicBaseUrl: string, token: string): string => `${publicBaseUrl.replace(/\/+$/, '')}/r/${encodeURIComponent(token)}`;
export const trackedQrUrl = (publicBaseUrl: string, token: string): string => `${trackedLinkUrl(publicBaseUrl, token)}/qr.png`;

/**
 * How to stop receiving, at the end of every message (广告法 art. 43 asks every electronic ad for a
 * way to refuse it). 退订/TD/不要再发 on any channel opts the person out of all marketing at once. A
 * WeCom robot cannot read replies, so a group is told where to say it.
 */
export function unsubscribeLine(channel: CampaignChannel, locale: 'zh' | 'en' = 'zh'): string {
  if (channel === 'wecom_robot') return locale === 'en' ? 'To stop these messages, reply TD to our assistant in a private chat' : '如不想再收到，请私聊快贷助手回复"退订"';
  return locale === 'en' ? 'Reply TD to unsubscribe' : '回复"退订"不再接收';
}

const bankTag = (bankName: string, locale: 'zh' | 'en'): string => (locale === 'en' ? `[${bankName}]` : `【${bankName}】`);

/**
 * A campaign message as one channel shows it: the bank's name in front, the manager's text, the
 * link card (its url the delivery's tracked link, its QR when asked for), how to unsubscribe last.
 * Channels that show cards (web chat, WeCom robot news) carry the link in `card`; text channels
 * (wechaty room, official account) also get it as a line of `text`, above the unsubscribe line.
 */
export function renderCampaignMessage(input: RenderCampaignInput): RenderedCampaignMessage {
  const locale = input.locale ?? 'zh';
  const url = trackedLinkUrl(input.publicBaseUrl, input.token);
  const c = input.content;
  const card = c.card ? { title: c.card.title, ...(c.card.description ? { description: c.card.description } : {}), url, ...(c.withQr ? { qrPngUrl: trackedQrUrl(input.publicBaseUrl, input.token) } : {}) } : undefined;
  const textChannel = input.channel === 'wechaty_room' || input.channel === 'official_account';
  const linkTitle = c.card?.title ?? (locale === 'en' ? 'Learn more' : '了解详情');
  const lines = [`${bankTag(input.bankName, locale)}${c.text.trim()}`];
  // Without a card a text channel still needs the tracked link, or nothing is clickable.
  if (textChannel || !card) lines.push(`${linkTitle}：${url}`);
  lines.push(unsubscribeLine(input.channel, locale));
  return { channel: input.channel, text: lines.join('\n'), ...(card ? { card } : {}) };
}

/** The web chat: a reply with a link card (its QR shown under the card by the page when given). */
export function campaignReply(message: RenderedCampaignMessage): Reply {
  if (!message.card) return { text: message.text };
  return { text: message.text, card: { type: 'link', title: message.card.title, description: message.card.description ?? '', url: message.card.url } };
}

/** A WeCom group robot: one news article (title, the whole text as description, the QR as its picture) or text. */
export function campaignRobotMessage(message: RenderedCampaignMessage): RobotMessage {
  if (!message.card) return textMessage(message.text);
  return newsMessage([{ title: message.card.title, description: message.text, url: message.card.url, ...(message.card.qrPngUrl ? { picurl: message.card.qrPngUrl } : {}) }]);
}

/** A wechaty room: plain text (the link is a line of it; WeChat makes it tappable). */
export const campaignRoomText = (message: RenderedCampaignMessage): string => message.text;

/** The official account inside the 48-hour window: a customer-service text message (the link is in it). */
export function campaignCustomerServiceMessage(openid: string, message: RenderedCampaignMessage): Record<string, unknown> {
  return { touser: openid, msgtype: 'text', text: { content: message.text } };
}

/**
 * The official account outside the window: a template message (OA_TEMPLATE_MARKETING) that opens the
 * tracked link. The template is expected to have `first`, `keyword1` (what), `keyword2` (who) and
 * `remark` fields, the common layout of 服务通知 templates; the bank registers its own.
 */
export function campaignTemplateMessage(openid: string, templateId: string, message: RenderedCampaignMessage, bankName: string): Record<string, unknown> {
  const [first = '', ...rest] = message.text.split('\n');
  return {
    touser: openid,
    template_id: templateId,
    url: message.card?.url ?? '',
    data: {
      first: { value: first.slice(0, 100) },
      keyword1: { value: (message.card?.title ?? first).slice(0, 20) },
      keyword2: { value: bankName.slice(0, 20) },
      remark: { value: rest.join('\n').slice(0, 200) },
    },
  };
}
