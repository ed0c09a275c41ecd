import type { Reply } from '../../flows/index.js';
import { renderReplyAsText } from '../text/index.js';

/**
 * Messages a WeCom (企业微信) group robot posts through its webhook: text (with @-mentions),
 * markdown, and news (1–8 tappable articles). Robots only post into the group they were added
 * to, so everything here is treated as group content: sensitive replies are withheld.
 */
export type RobotMessage =
  | { readonly msgtype: 'text'; readonly text: { readonly content: string; readonly mentioned_list?: readonly string[]; readonly mentioned_mobile_list?: readonly string[] } }
  | { readonly msgtype: 'markdown'; readonly markdown: { readonly content: string } }
  | { readonly msgtype: 'news'; readonly news: { readonly articles: readonly RobotArticle[] } };

export interface RobotArticle {
  readonly title: string;
  readonly description?: string;
  /** Absolute http(s) URL opened on tap. */
  readonly url: string;
  readonly picurl?: string;
}

/** WeCom's limits, in UTF-8 bytes; longer content is cut (WeCom would refuse or cut it itself). */
export const ROBOT_LIMITS = { text: 2048, markdown: 4096, title: 128, description: 512, articles: 8 } as const;

export interface Mentions {
  /** WeCom user ids to @-mention; '@all' mentions everyone. */
  readonly userIds?: readonly string[];
  /** Mobile numbers of members to @-mention (when their user ids are unknown); '@all' for everyone. */
  readonly mobiles?: readonly string[];
}

/** Cuts text to at most `maxBytes` UTF-8 bytes, ending with '…' when cut, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength('…', 'utf8');
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > budget) break;
    out += ch;
    bytes += size;
  }
  return `${out}…`;
}

export function textMessage(content: string, mentions: Mentions = {}): RobotMessage {
  return {
    msgtype: 'text',
    text: {
      content: truncateUtf8(content, ROBOT_LIMITS.text),
      ...(mentions.userIds?.length ? { mentioned_list: [...mentions.userIds] } : {}),
      ...(mentions.mobiles?.length ? { mentioned_mobile_list: [...mentions.mobiles] } : {}),
    },
  };
}

/** WeCom's markdown subset (headings, bold, links, quotes, `<font color="info|comment|warning">`). No @-mentions. */
export function markdownMessage(content: string): RobotMessage {
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(content, ROBOT_LIMITS.markdown) } };
}

/** News of 1–8 articles; throws RangeError on a programming error (none, more than 8, a URL that is not http(s)). */
export function newsMessage(articles: readonly RobotArticle[]): RobotMessage {
  if (articles.length < 1 || articles.length > ROBOT_LIMITS.articles) throw new RangeError(`a news message has 1 to ${ROBOT_LIMITS.articles} articles, not ${articles.length}`);
  return {
    msgtype: 'news',
    news: {
      articles: articles.map((a) => {
        if (!/^https?:\/\//i.test(a.url)) throw new RangeError(`article url must be http(s): ${a.url.slice(0, 40)}`);
        return {
          title: truncateUtf8(a.title, ROBOT_LIMITS.title),
          ...(a.description ? { description: truncateUtf8(a.description, ROBOT_LIMITS.description) } : {}),
          url: a.url,
          ...(a.picurl ? { picurl: a.picurl } : {}),
        };
      }),
    },
  };
}

export interface RobotRenderOptions {
  /** Resolves link cards whose url is a path (`/?ref=cmp_x`). */
  readonly baseUrl?: string;
  readonly locale?: 'zh' | 'en';
  /** Mentions force a text message (news cannot mention anyone). */
  readonly mentions?: Mentions;
  readonly picUrl?: string;
}

/**
 * A neutral reply as a robot message: a link card with nothing else to say becomes a one-article
 * news message; anything else is text (options numbered, cards compact). A sensitive reply is
 * withheld: a robot only ever posts into a group.
 */
export function replyToRobotMessage(reply: Reply, options: RobotRenderOptions = {}): RobotMessage {
  const mentions = options.mentions ?? {};
  const mentioning = Boolean(mentions.userIds?.length || mentions.mobiles?.length);
  const card = reply.card;
  if (card?.type === 'link' && !reply.options?.length && !reply.sensitive && !mentioning) {
    const url = absoluteUrl(card.url, options.baseUrl);
    if (url) {
      const description = [reply.text.trim(), card.description.trim()].filter((s, i, all) => s && s !== card.title.trim() && all.indexOf(s) === i).join('\n');
      return newsMessage([{ title: card.title.trim(), ...(description ? { description } : {}), url, ...(options.picUrl ? { picurl: options.picUrl } : {}) }]);
    }
  }
  const text = renderReplyAsText(reply, { group: true, ...(options.locale ? { locale: options.locale } : {}), ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  return textMessage(text, mentions);
}

function absoluteUrl(url: string, baseUrl: string | undefined): string | undefined {
  try {
    const u = baseUrl ? new URL(url, baseUrl) : new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}
