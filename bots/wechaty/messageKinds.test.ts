import { types } from 'wechaty';
import { describe, expect, it } from 'vitest';
import { messageKindOf, WECHATY_CONTACT_TYPE_OFFICIAL, WECHATY_FRIENDSHIP_TYPE_RECEIVE, WECHATY_MESSAGE_TYPE } from './messageKinds.js';

describe('wechaty message types', () => {
  it('match the installed wechaty', () => {
    for (const [name, value] of Object.entries(WECHATY_MESSAGE_TYPE)) expect(types.Message[name as keyof typeof types.Message], name).toBe(value);
    expect(types.Contact.Official).toBe(WECHATY_CONTACT_TYPE_OFFICIAL);
    expect(types.Friendship.Receive).toBe(WECHATY_FRIENDSHIP_TYPE_RECEIVE);
  });

  it('map to text, a media placeholder, or nothing to answer', () => {
    expect(messageKindOf(types.Message.Text)).toEqual({ kind: 'text' });
    expect(messageKindOf(types.Message.Image)).toEqual({ kind: 'media', media: 'image' });
    expect(messageKindOf(types.Message.Emoticon)).toEqual({ kind: 'media', media: 'sticker' });
    expect(messageKindOf(types.Message.Audio)).toEqual({ kind: 'media', media: 'voice' });
    expect(messageKindOf(types.Message.MiniProgram)).toEqual({ kind: 'media', media: 'link' });
    expect(messageKindOf(types.Message.Transfer)).toEqual({ kind: 'media', media: 'other' });
    for (const t of [types.Message.Recalled, types.Message.GroupNote, types.Message.Unknown, 99]) expect(messageKindOf(t)).toEqual({ kind: 'none' });
  });
});
