import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { attachWechatyChannel, type WechatyChannel } from '../server/channels/wechaty/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';
import { createMockWechat, type MockWechat } from './wechatyHarness.js';

/**
 * The bot in a WeChat group, on the real lending conversation: it answers only when addressed,
 * answers general questions there, moves personal matters to a private chat or the web, warns
 * whoever posts an ID number without ever repeating it, and never sends personal data into the room.
 */
const ID_NUMBER = '430702198605120230';
const BASE = 'https://loans.example-bank.cn';
let database: TestDatabase;
let server: Server;
let channel: WechatyChannel;
let wechat: MockWechat;
/** What the channel logged (warn and above), as parsed pino lines. */
const logged: { level: number; msg: string; [k: string]: unknown }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(database, { JOBS_POLL_MS: '0', WECHATY_PUPPET: 'wechaty-puppet-mock', WECHATY_BOT_NAMES: '快贷助手,小快', PUBLIC_BASE_URL: BASE });
  server = await bootServer(config, createLogger('silent'), { spec: (ctx) => createLendingConversation(ctx) });
  wechat = createMockWechat({ botName: '快贷助手', idle: () => server.conversations!.outbox.idle() });
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  channel = (await attachWechatyChannel(server, config, logger, { puppet: wechat.puppet, onHandled: wechat.onHandled }))!;
  await server.app.ready();
  wechat.login();
  await channel.loggedIn;
});

afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

const groupConversations = (roomId: string) => server.db.prisma.conversation.findMany({ where: { channel: 'wechat', externalChatId: roomId } });

describe(`the bot in a WeChat group on ${testDatabaseKind()}`, () => {
  it('ignores chatter not addressed to it, and stores nothing of it', async () => {
    const a = wechat.contact('王五');
    const b = wechat.contact('钱七');
    const room = wechat.room('常德乡亲群', [a, b]);
    for (const text of ['今天天气不错', '我要借款', '快贷的利率是多少？', '@钱七 晚上吃什么']) {
      const { report, replies } = await wechat.say(a, text, { room });
      expect(report.outcome).toBe('ignored');
      expect(replies).toEqual([]);
    }
    expect(await groupConversations(room.id)).toEqual([]);
  });

  it('answers an @-mention with the general answer, @-mentioning the asker', async () => {
    const a = wechat.contact('王五');
    const room = wechat.room('客户交流群', [a]);
    const { report, replies } = await wechat.say(a, '@快贷助手 利率多少？', { room, mentionBot: true });
    expect(report).toMatchObject({ outcome: 'received', addressedBy: 'mention' });
    const text = replies.join('\n');
    expect(replies.every((r) => r.startsWith('@王五'))).toBe(true);
    expect(text).toContain('随借随还按日计息、借一天算一天');
    // A puppet that reports no mention list: "@快贷助手" in the text still reaches the bot.
    const plain = await wechat.say(a, '@快贷助手 怎么还款？', { room });
    expect(plain.report).toMatchObject({ outcome: 'received', addressedBy: 'mention' });
    expect(plain.replies.length).toBeGreaterThan(0);
  });

  it('moves "我要借款" to a private chat or the web chat, by keyword, with a link and no personal data', async () => {
    const a = wechat.contact('孙八');
    const room = wechat.room('营销活动群', [a]);
    for (const [text, by] of [
      ['快贷助手，我要借款', 'name'],
      ['小快 查一下我的额度', 'name'],
      ['@快贷助手 我要还款', 'mention'],
    ] as const) {
      const { report, replies } = await wechat.say(a, text, { room, mentionBot: by === 'mention' });
      expect(report).toMatchObject({ outcome: 'received', addressedBy: by });
      const answer = replies.at(-1)!;
      expect(answer).toContain('请私聊我，或点击下方链接在网页上办理');
      expect(answer).toContain(`【快贷助手 · 在线办理】纯线上申请，最快 3 分钟到账\n${BASE}/`);
      expect(answer).not.toMatch(/身份证号：|手机号：|额度 [\d,]+\.\d\d 元/);
    }
  });

  it('answers a quote of its own message (a reply to a marketing post)', async () => {
    const a = wechat.contact('周九');
    const room = wechat.room('理财客户群', [a]);
    const quote = '「快贷助手：纯信用、纯线上，最快 3 分钟到账」\n- - - - - - - - - - - - - - -\n怎么申请？';
    const { report, replies } = await wechat.say(a, quote, { room });
    expect(report).toMatchObject({ outcome: 'received', addressedBy: 'quote' });
    expect(replies.join('\n')).toContain(`${BASE}/`);
  });

  it('warns whoever posts an ID number, addressed or not, and never repeats it', async () => {
    const a = wechat.contact('赵六');
    const room = wechat.room('邻里群', [a]);
    const unaddressed = await wechat.say(a, `我的身份证是${ID_NUMBER}，帮我看看能贷多少`, { room });
    expect(unaddressed.report).toMatchObject({ outcome: 'received', addressedBy: 'personal_number' });
    expect(unaddressed.replies.at(-1)).toContain('请不要在群里发送身份证号、手机号等个人信息');
    const addressed = await wechat.say(a, `@快贷助手 ${ID_NUMBER} 13807360001`, { room, mentionBot: true });
    expect(addressed.replies.at(-1)).toContain('请不要在群里发送身份证号');
    const everything = wechat.inbox(room).join('\n');
    expect(everything).not.toContain(ID_NUMBER);
    expect(everything).not.toContain('13807360001');
    // The transcript keeps it masked as well.
    const [conversation] = await groupConversations(room.id);
    const stored = await server.db.prisma.message.findMany({ where: { conversationId: conversation!.id } });
    expect(JSON.stringify(stored)).not.toContain(ID_NUMBER);
  });

  it('never sends a sensitive reply, or one with a personal number, into the room: a notice goes instead, and it is logged', async () => {
    const a = wechat.contact('吴十');
    const room = wechat.room('家人群', [a]);
    const target = { conversationId: 'c-group', channel: 'wechat' as const, userId: a.id, chatId: room.id };
    const before = wechat.inbox(room).length;
    await channel.sender.send(target, { id: 'r-sensitive', seq: 1, text: '您的可用额度 ¥179,000.00，待还本金 ¥30,000.00', sensitive: true });
    await channel.sender.send(target, { id: 'r-number', seq: 2, text: '已为您登记手机号 13807360001' });
    const sent = wechat.inbox(room).slice(before);
    expect(sent).toHaveLength(2);
    for (const text of sent) {
      expect(text).toContain('这条消息含有个人信息，不在群里发送。请私聊我');
      expect(text).toContain(`${BASE}/`);
      expect(text).not.toMatch(/179,000|13807360001/);
    }
    const warnings = logged.filter((l) => l.msg.includes('withheld from a WeChat group'));
    expect(warnings.map((w) => w.reason)).toEqual(['sensitive', 'personal_number']);
    expect(JSON.stringify(warnings)).not.toMatch(/179,000|13807360001/);

    // The same sensitive reply in a private chat is delivered as it is.
    await channel.sender.send({ ...target, chatId: '' }, { id: 'r-private', seq: 3, text: '您的可用额度 ¥179,000.00', sensitive: true });
    expect(wechat.inbox(a).at(-1)).toBe('您的可用额度 ¥179,000.00');
  });

  it('applies the same check to what reaches the room through the outbox (a staff member typing a phone number)', async () => {
    const a = wechat.contact('郑十一');
    const room = wechat.room('客服群', [a]);
    await wechat.say(a, '@快贷助手 转人工', { room, mentionBot: true });
    const [conversation] = await groupConversations(room.id);
    await server.conversations!.runtime.dispatch(conversation!.id, { type: 'staff.takeover', staffId: 's1', staffName: '小陈', at: Date.now() });
    await server.conversations!.outbox.idle();
    const before = wechat.inbox(room).length;
    await server.conversations!.runtime.dispatch(conversation!.id, { type: 'staff.message', staffId: 's1', text: '您好，请拨打 138 0736 0001 联系我', at: Date.now() });
    await server.conversations!.outbox.idle();
    const sent = wechat.inbox(room).slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.join('\n')).not.toContain('0736');
    expect(sent.at(-1)).toContain('这条消息含有个人信息');
  });
});

describe('messages that are not conversation', () => {
  it('skips its own messages, recalls, system notices, stale replays and official-account pushes; passes media on', async () => {
    const a = wechat.contact('冯十二');
    const room = wechat.room('闲聊群', [a]);
    expect((await wechat.send(a, { type: 13, text: '撤回了一条消息' })).report).toMatchObject({ outcome: 'skipped', reason: 'not_conversational' });
    expect((await wechat.send(a, { type: 0, text: '你已添加了冯十二' })).report).toMatchObject({ outcome: 'skipped', reason: 'not_conversational' });
    expect((await wechat.send(a, { type: 7, text: '你好', timestamp: Date.now() - 3_600_000 })).report).toMatchObject({ outcome: 'skipped', reason: 'stale' });
    const official = wechat.mocker.createContact({ name: '某银行公众号', type: 2 });
    expect((await wechat.send(official, { type: 7, text: '本周理财推荐' })).report).toMatchObject({ outcome: 'skipped', reason: 'official_account' });
    expect(wechat.reports.some((r) => r.outcome === 'skipped' && r.reason === 'self')).toBe(true);

    // An image privately gets the flows' answer to media; in a group, media never addresses the bot.
    const image = await wechat.send(a, { type: 6 });
    expect(image.report).toMatchObject({ outcome: 'received' });
    expect(image.replies.join('\n')).toMatch(/1\. 申请额度/);
    expect((await wechat.send(a, { type: 6, room })).report).toMatchObject({ outcome: 'ignored' });
  });
});
