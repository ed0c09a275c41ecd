import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { attachWechatyChannel, type WechatyChannel } from '../server/channels/wechaty/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { isMarketingOptedOut } from '../server/studio/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';
import { createMockWechat, type MockWechat } from './wechatyHarness.js';

/**
 * 退订 / TD / 不要再发 on the real lending conversation: in a WeChat group (with or without @ the bot)
 * it opts that member out and the bot answers briefly with nothing personal; in a private chat the
 * same; 恢复推送 turns marketing back on. Every change is kept and audited.
 */
let database: TestDatabase;
let server: Server;
let wechat: MockWechat;
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(database, { JOBS_POLL_MS: '0', WECHATY_PUPPET: 'wechaty-puppet-mock', WECHATY_BOT_NAMES: '快贷助手', PUBLIC_BASE_URL: 'https://loans.example-bank.cn' });
  server = await bootServer(config, createLogger('silent'), { spec: (ctx) => createLendingConversation(ctx) });
  wechat = createMockWechat({ botName: '快贷助手', idle: () => server.conversations!.outbox.idle() });
  const channel: WechatyChannel | undefined = await attachWechatyChannel(server, config, createLogger('silent'), { puppet: wechat.puppet, onHandled: wechat.onHandled });
  await server.app.ready();
  wechat.login();
  await channel!.loggedIn;
});

afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

const optedOut = (channel: string, externalUserId: string) => isMarketingOptedOut(server.db.prisma, { channel, externalUserId });
const audited = async (channel: 'wechat' | 'rest', externalUserId: string) => {
  // Keyed by the channel user, or by the conversation when 退订 was its very first turn.
  const conversations = await server.db.prisma.conversation.findMany({ where: { channel, externalUserId }, select: { id: true } });
  const row = await server.db.prisma.contactPreference.findFirstOrThrow({ where: { OR: [{ channel, externalUserId }, { conversationId: { in: conversations.map((c) => c.id) } }] } });
  return (await server.db.prisma.auditLog.findMany({ where: { subjectType: 'ContactPreference', subjectId: row.id }, orderBy: { at: 'asc' } })).map((a) => a.action);
};

describe(`opting out of marketing on every channel, on ${testDatabaseKind()}`, () => {
  it('a group member replying 退订, TD or 不要再发 — with or without @ the bot — is opted out, told briefly, nothing personal said', async () => {
    const members = [wechat.contact('王五'), wechat.contact('钱七'), wechat.contact('孙八')];
    const room = wechat.room('常德乡亲群', members);
    const said = [
      [members[0]!, '退订', false],
      [members[1]!, 'TD', false],
      [members[2]!, '@快贷助手 不要再发了', true],
    ] as const;
    for (const [member, text, mentionBot] of said) {
      const { report, replies } = await wechat.say(member, text, { room, mentionBot });
      expect(report).toMatchObject({ outcome: 'received' });
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatch(/^@\S+ 已退订营销消息，您将不再收到活动推送（还款提醒等服务通知除外）。$/);
      expect(await optedOut('wechat', member.id)).toBe(true);
      expect(await audited('wechat', member.id)).toEqual(['marketing.opted_out']);
    }
    // Chatter that merely holds the word is not addressed to the bot, and opts no one out.
    const other = wechat.contact('周九');
    const room2 = wechat.room('闲聊群', [other]);
    expect((await wechat.say(other, '我昨天把视频会员退订了', { room: room2 })).report).toMatchObject({ outcome: 'ignored' });
    expect(await optedOut('wechat', other.id)).toBe(false);
  });

  it('a private chat (REST/web) opts out with 退订 and back in with 恢复推送, both kept and audited', async () => {
    const say = async (text: string) => {
      const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'opt-user', messageId: `m${++n}`, text } });
      expect(res.statusCode).toBe(200);
      return (res.json() as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
    };
    await say('你好');
    expect(await say('退订')).toContain('已退订营销消息');
    expect(await optedOut('rest', 'opt-user')).toBe(true);
    expect(await say('恢复推送')).toContain('已恢复接收活动推送');
    expect(await optedOut('rest', 'opt-user')).toBe(false);
    expect(await say('TD')).toContain('已退订营销消息');
    expect(await optedOut('rest', 'opt-user')).toBe(true);
    expect(await audited('rest', 'opt-user')).toEqual(['marketing.opted_out', 'marketing.opted_in', 'marketing.opted_out']);
  });
});
