import type { MediaKind } from '../../flows/index.js';

/**
 * wechaty's message types (`types.Message` of wechaty-puppet), as numbers so that bots/ needs no
 * runtime import of wechaty (loading it takes most of a second; the channel is off by default).
 * A test checks them against the installed wechaty.
 */
export const WECHATY_MESSAGE_TYPE = {
  Unknown: 0,
  Attachment: 1,
  Audio: 2,
  Contact: 3,
  ChatHistory: 4,
  Emoticon: 5,
  Image: 6,
  Text: 7,
  Location: 8,
  MiniProgram: 9,
  GroupNote: 10,
  Transfer: 11,
  RedEnvelope: 12,
  Recalled: 13,
  Url: 14,
  Video: 15,
  Post: 16,
} as const;

/** wechaty's contact type for an official account (公众号): their pushes are not conversations. */
export const WECHATY_CONTACT_TYPE_OFFICIAL = 2;

/** wechaty's friendship type of a request someone sent to the bot. */
export const WECHATY_FRIENDSHIP_TYPE_RECEIVE = 2;

/**
 * What a message of this type is to the flows: text, a media placeholder, or nothing to answer
 * (recalls, group notes and the system notices puppets report as Unknown).
 */
export function messageKindOf(type: number): { readonly kind: 'text' } | { readonly kind: 'media'; readonly media: MediaKind } | { readonly kind: 'none' } {
  const T = WECHATY_MESSAGE_TYPE;
  switch (type) {
    case T.Text:
      return { kind: 'text' };
    case T.Image:
      return { kind: 'media', media: 'image' };
    case T.Emoticon:
      return { kind: 'media', media: 'sticker' };
    case T.Audio:
      return { kind: 'media', media: 'voice' };
    case T.Video:
      return { kind: 'media', media: 'video' };
    case T.Attachment:
      return { kind: 'media', media: 'file' };
    case T.Location:
      return { kind: 'media', media: 'location' };
    case T.Url:
    case T.MiniProgram:
      return { kind: 'media', media: 'link' };
    case T.Contact:
    case T.ChatHistory:
    case T.Transfer:
    case T.RedEnvelope:
    case T.Post:
      return { kind: 'media', media: 'other' };
    default:
      return { kind: 'none' };
  }
}
