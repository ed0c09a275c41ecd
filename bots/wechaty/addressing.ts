import { containsPersonalNumber, isOptOutReply } from '../../flows/index.js';
/** How a group message reached the bot; `undefined` when it did not. */
export type AddressedBy = 'mention' | 'name' | 'quote' | 'personal_number' | 'opt_out';

export interface Addressing {
  readonly addressed: boolean;
  readonly by?: AddressedBy;
  /** What the person said to the bot: without the @-mention, the leading name or the quoted message. */
  readonly text: string;
}

export interface AddressingOptions {
  /** The puppet reported an @-mention of the bot (`message.mentionSelf()`). */
  readonly mentioned: boolean;
  /** Names the bot answers to: configured keywords ("快贷助手"), its WeChat name, its alias in the room. */
  readonly names: readonly string[];
}

/** Separators WeChat puts after an @-mention (the four-per-em space U+2005) and other blanks. */
const BLANKS = /[\u2005\u00A0\u3000]/g;
/** What may follow a leading name: "快贷助手，利率多少？", "快贷助手: 我要借款". */
const AFTER_NAME = '[\\s,，:：、.。!！~～]*';
// A quote-reply as puppets deliver it: 「名字：被引用的内容」, a dashed line, then the reply.
const QUOTE = /^「([^：:」\n]{1,64})[：:][\s\S]*?」\s*\n\s*(?:-\s*){5,}\n([\s\S]*)$/;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a group message is meant for the bot, and what it says to it. A group message is
 * addressed when it @-mentions the bot, starts with one of its names ("快贷助手，利率多少？"), quotes
 * one of its messages (a reply to a marketing message), or contains what looks like an ID or
 * mobile number: the person then gets the privacy warning instead of the bot staying silent. A reply
 * that is only an opt-out (退订, TD, 不要再发) is addressed too: campaign messages ask for just that.
 */
export function addressingOf(rawText: string, options: AddressingOptions): Addressing {
  let text = rawText.replace(BLANKS, ' ').trim();
  const names = [...new Set(options.names.map((n) => n.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  let by: AddressedBy | undefined = options.mentioned ? 'mention' : undefined;

  const quote = QUOTE.exec(text);
  if (quote) {
    // Only the reply goes on: the quoted message may be someone else's (and hold their data).
    text = quote[2]!.trim();
    if (!by && names.includes(quote[1]!.trim())) by = 'quote';
  }

  for (const name of names) {
    const at = new RegExp(`@${escape(name)}(?=\\s|$|[,，:：])${AFTER_NAME}`, 'g');
    if (at.test(text)) {
      by ??= 'mention';
      text = text.replace(at, ' ').replace(/\s{2,}/g, ' ').trim();
    }
  }

  if (!by) {
    const leading = names.find((name) => new RegExp(`^@?${escape(name)}`).test(text));
    if (leading) {
      by = 'name';
      text = text.replace(new RegExp(`^@?${escape(leading)}${AFTER_NAME}`), '').trim();
    }
  }

  if (!by && containsPersonalNumber(text)) by = 'personal_number';
  if (!by && isOptOutReply(text)) by = 'opt_out';
  return by ? { addressed: true, by, text } : { addressed: false, text };
}

export { containsPersonalNumber };
