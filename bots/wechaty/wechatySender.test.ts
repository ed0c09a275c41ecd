import { describe, expect, it } from 'vitest';
import { createWechatySender, WechatDeliveryError, type WechatySenderOptions } from './wechatySender.js';

/** A stand-in for the logged-in bot: records what was said where. */
function fakeBot(options: { loggedIn?: boolean; contacts?: string[]; rooms?: string[] } = {}) {
  const said: { to: string; text: string; mention?: string }[] = [];
  const contact = (id: string) => ({ id, say: async (text: string) => void said.push({ to: id, text }) });
  const bot = {
    isLoggedIn: options.loggedIn ?? true,
    Contact: { find: async ({ id }: { id: string }) => ((options.contacts ?? ['u1']).includes(id) ? contact(id) : undefined) },
    Room: {
      find: async ({ id }: { id: string }) =>
        (options.rooms ?? ['g1@chatroom']).includes(id) ? { id, say: async (text: string, member?: { id: string }) => void said.push({ to: id, text, ...(member ? { mention: member.id } : {}) }) } : undefined,
    },
  };
  return { bot: bot as unknown as WechatySenderOptions['bot'], said };
}
const quiet = { warn: () => {}, debug: () => {} };
const sender = (bot: WechatySenderOptions['bot']) => createWechatySender({ bot, baseUrl: 'https://kd.example.cn', logger: quiet });

describe('the WeChat sender', () => {
  it('sends to the contact privately and into the room with an @-mention of the person', async () => {
    const { bot, said } = fakeBot();
    await sender(bot).send({ conversationId: 'c', userId: 'u1', chatId: '' }, { id: 'r1', text: '请选择：', options: [{ label: '申请额度', value: 'apply' }] });
    await sender(bot).send({ conversationId: 'c', userId: 'u1', chatId: 'g1@chatroom' }, { id: 'r2', text: '利率 4.00% 起' });
    // Someone who left the group is not mentioned, but the answer still goes in.
    await sender(bot).send({ conversationId: 'c', userId: 'gone', chatId: 'g1@chatroom' }, { id: 'r3', text: '好的' });
    expect(said).toEqual([
      { to: 'u1', text: '请选择：\n\n1. 申请额度' },
      { to: 'g1@chatroom', text: '利率 4.00% 起', mention: 'u1' },
      { to: 'g1@chatroom', text: '好的' },
    ]);
  });

  it('throws to be retried when not logged in or the contact or room is unknown, and sends a retried reply once', async () => {
    await expect(sender(fakeBot({ loggedIn: false }).bot).send({ conversationId: 'c', userId: 'u1', chatId: '' }, { id: 'r', text: 'x' })).rejects.toBeInstanceOf(WechatDeliveryError);
    await expect(sender(fakeBot({ contacts: [] }).bot).send({ conversationId: 'c', userId: 'u1', chatId: '' }, { id: 'r', text: 'x' })).rejects.toThrow(/contact cannot be found/);
    await expect(sender(fakeBot({ rooms: [] }).bot).send({ conversationId: 'c', userId: 'u1', chatId: 'g2@chatroom' }, { id: 'r', text: 'x' })).rejects.toThrow(/group cannot be found/);
    const { bot, said } = fakeBot();
    const s = sender(bot);
    await s.send({ conversationId: 'c', userId: 'u1', chatId: '' }, { id: 'same', text: '一次' });
    await s.send({ conversationId: 'c', userId: 'u1', chatId: '' }, { id: 'same', text: '一次' });
    expect(said).toHaveLength(1);
  });
});
