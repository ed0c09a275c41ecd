import type { LinkCard, Reply } from '../../flows/index.js';
import { renderReplyAsText } from '../text/index.js';
import { cdata } from './wechatXml.js';

/** One message as the official account sends it: text, or a one-article news message for a link card. */
export type OfficialAccountMessage = { readonly type: 'text'; readonly content: string } | { readonly type: 'news'; readonly article: NewsArticle };

export interface NewsArticle {
  readonly title: string;
  readonly description: string;
  /** Absolute http(s) URL. */
  readonly url: string;
  readonly picUrl?: string;
}

/** WeChat shows at most 2,048 bytes (UTF-8) of a text message (about 680 Chinese characters). */
export const TEXT_LIMIT_BYTES = 2048;
const DESCRIPTION_LIMIT_BYTES = 512;

export interface OfficialAccountRenderOptions {
  /** Resolves link cards whose url is a path. */
  readonly baseUrl?: string;
  /** Labels of cards rendered as text. */
  readonly locale?: 'zh' | 'en';
  /** Picture shown on news messages (the bank's banner); none by default. */
  readonly newsPicUrl?: string;
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * A reply as official-account messages. A link card with nothing else to say becomes a news
 * message (a tappable article); everything else is plain text with options as numbered lines,
 * split into messages of at most TEXT_LIMIT_BYTES. The official account is always a private
 * chat, so sensitive replies are shown to the person they belong to.
 */
export function renderForOfficialAccount(reply: Reply, options: OfficialAccountRenderOptions = {}): OfficialAccountMessage[] {
  const news = reply.card?.type === 'link' && !reply.options?.length ? newsOf(reply, reply.card, options) : undefined;
  if (news) return [{ type: 'news', article: news }];
  const text = renderReplyAsText(reply, { ...(options.locale ? { locale: options.locale } : {}), ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  return splitUtf8(text, TEXT_LIMIT_BYTES).map((content) => ({ type: 'text', content }));
}

function newsOf(reply: Reply, card: LinkCard, options: OfficialAccountRenderOptions): NewsArticle | undefined {
  let url: URL;
  try {
    url = options.baseUrl ? new URL(card.url, options.baseUrl) : new URL(card.url);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const said = reply.text.trim();
  const description = [said, card.description.trim()].filter((s, i, all) => s && s !== card.title.trim() && all.indexOf(s) === i).join('\n');
  return {
    title: card.title.trim(),
    description: splitUtf8(description, DESCRIPTION_LIMIT_BYTES)[0] ?? '',
    url: url.toString(),
    ...(options.newsPicUrl ? { picUrl: options.newsPicUrl } : {}),
  };
}

/**
 * The passive reply for a turn: the first reply, followed by as many of the next text replies as
 * fit in one text message (a passive reply is a single message; what does not fit goes out as
 * customer-service messages). Undefined when the first reply alone needs more than one message.
 */
export function passiveReplyOf(replies: readonly Reply[], options: OfficialAccountRenderOptions & { readonly coalesce?: boolean } = {}): { message: OfficialAccountMessage; count: number } | undefined {
  const [first, ...rest] = replies;
  if (!first) return undefined;
  const rendered = renderForOfficialAccount(first, options);
  if (rendered.length !== 1) return undefined;
  const message = rendered[0]!;
  if (message.type === 'news' || options.coalesce === false) return { message, count: 1 };
  let content = message.content;
  let count = 1;
  for (const next of rest) {
    const [more, ...overflow] = renderForOfficialAccount(next, options);
    if (!more || overflow.length || more.type !== 'text') break;
    const joined = `${content}\n\n${more.content}`;
    if (utf8Bytes(joined) > TEXT_LIMIT_BYTES) break;
    content = joined;
    count++;
  }
  return { message: { type: 'text', content }, count };
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes, at line breaks where possible, never inside a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (utf8Bytes(text) <= maxBytes) return text ? [text] : [];
  const pieces: string[] = [];
  let current = '';
  const flush = () => {
    if (current.trim()) pieces.push(current.replace(/\n+$/, ''));
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (utf8Bytes(candidate) <= maxBytes) {
      current = candidate;
      continue;
    }
    flush();
    if (utf8Bytes(line) <= maxBytes) {
      current = line;
      continue;
    }
    let bytes = 0;
    for (const ch of line) {
      const size = utf8Bytes(ch);
      if (bytes + size > maxBytes) {
        flush();
        bytes = 0;
      }
      current += ch;
      bytes += size;
    }
  }
  flush();
  return pieces;
}

/** The XML of a passive reply (`ToUserName` is the person, `FromUserName` the account). */
export function passiveReplyXml(message: OfficialAccountMessage, to: { readonly openid: string; readonly account: string; readonly createTime: number }): string {
  const head = `<ToUserName>${cdata(to.openid)}</ToUserName><FromUserName>${cdata(to.account)}</FromUserName><CreateTime>${Math.floor(to.createTime)}</CreateTime>`;
  if (message.type === 'text') return `<xml>${head}<MsgType>${cdata('text')}</MsgType><Content>${cdata(message.content)}</Content></xml>`;
  const a = message.article;
  return (
    `<xml>${head}<MsgType>${cdata('news')}</MsgType><ArticleCount>1</ArticleCount><Articles><item>` +
    `<Title>${cdata(a.title)}</Title><Description>${cdata(a.description)}</Description>${a.picUrl ? `<PicUrl>${cdata(a.picUrl)}</PicUrl>` : ''}<Url>${cdata(a.url)}</Url>` +
    `</item></Articles></xml>`
  );
}

/** The envelope of an encrypted passive reply (safe and compatible modes). */
export function encryptedReplyXml(e: { readonly encrypt: string; readonly signature: string; readonly timestamp: string; readonly nonce: string }): string {
  return `<xml><Encrypt>${cdata(e.encrypt)}</Encrypt><MsgSignature>${cdata(e.signature)}</MsgSignature><TimeStamp>${e.timestamp}</TimeStamp><Nonce>${cdata(e.nonce)}</Nonce></xml>`;
}

/** The JSON body of `POST /cgi-bin/message/custom/send`. */
export function customServiceMessage(openid: string, message: OfficialAccountMessage): Record<string, unknown> {
  if (message.type === 'text') return { touser: openid, msgtype: 'text', text: { content: message.content } };
  const a = message.article;
  return { touser: openid, msgtype: 'news', news: { articles: [{ title: a.title, description: a.description, url: a.url, ...(a.picUrl ? { picurl: a.picUrl } : {}) }] } };
}
