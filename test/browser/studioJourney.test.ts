import { createServer } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../../server/boot.js';
import { attachWechatyChannel } from '../../server/channels/wechaty/index.js';
import { manualClock } from '../../server/clock.js';
import { createLendingConversation } from '../../server/lendingConversation.js';
import { createLogger } from '../../server/logging/index.js';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';
import { wechatyRoomSender } from '../../server/studio/deliveryChannels.js';
import { launchChromium } from '../support/chromium.js';
import { drain } from '../support/campaignRig.js';
import { ARTIFACTS } from '../support/consoleRig.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from '../support/testDatabase.js';
import { createMockWechat, type MockWechat } from '../wechatyHarness.js';

/**
 * Issue 13's studio end to end, in Chromium against the real app (booted in this process so the
 * campaign sender runs on a manual clock inside the marketing window, and a wechaty mock room is
 * one of its channels): 张伟 (jingli) writes a campaign with a QR card for the web chat and a WeChat
 * room and submits it; 李娜 (zhuguan) approves it and sends it now; the sender delivers it to the
 * room and to every web-chat user; one opens the tracked link from the card in her chat, lands back
 * in the chat with ref=cmp_<code> and applies; the campaign's funnel in the console shows the click
 * and the application. Another replies 退订, and the next campaign to the same audience passes her by.
 */
const OTP = '123456';
const BANK = '常德农商银行';
const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;
/**
 * 10:00 Beijing on today's Beijing date: inside MARKETING_WINDOW (09:00–20:00) whatever the hour the
 * test runs. Today, because the application row takes the wall clock (applicationService's
 * `new Date()`), not the injected one, and the funnel counts each stage by its Beijing date up to
 * the server clock's today. Cookies carry Max-Age, so the clock's hour does not matter to the browser.
 */
const clock = manualClock(`${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)}T10:00:00+08:00`);

let database: TestDatabase;
let server: Server;
let wechat: MockWechat;
let browser: Browser;
let baseUrl = '';

/** A free port on loopback, so PUBLIC_BASE_URL (the tracked links' host) can be the server's own address. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  database = await createTestDatabase();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const config = testConfig(database, {
    SANDBOX_OTP_CODE: OTP,
    PUBLIC_BASE_URL: baseUrl,
    BANK_NAME: BANK,
    WECHATY_PUPPET: 'wechaty-puppet-mock',
    WECHATY_BOT_NAMES: '快贷助手',
    // Two campaigns reach the same people on the same day here; the daily cap is not what is tested.
    MARKETING_MAX_PER_DAY: '2',
    RATE_LIMIT_PER_USER: '10000',
  });
  server = await bootServer(config, createLogger('silent'), { clock, spec: (ctx) => createLendingConversation(ctx) });
  wechat = createMockWechat({ botName: '快贷助手', idle: () => server.conversations!.outbox.idle() });
  const channel = (await attachWechatyChannel(server, config, createLogger('silent'), { puppet: wechat.puppet, onHandled: wechat.onHandled }))!;
  // As server/main.ts does once the bot exists: campaigns into rooms go through it.
  server.campaigns.useRooms(wechatyRoomSender(channel.bot));
  await server.app.listen({ host: '127.0.0.1', port });
  wechat.login();
  await channel.loggedIn;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.app.close();
  await database?.drop();
});

async function newContext(width = 1280): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

async function login(page: Page, username: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password(username));
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** A web-chat visitor: the page open, a first word said, so the server has her conversation. */
async function webChatUser(): Promise<{ page: Page; errors: string[]; log: ReturnType<Page['getByRole']>; say(text: string): Promise<void> }> {
  const { page, errors } = await newContext(375);
  await page.goto(`${baseUrl}/`);
  const log = page.getByRole('log', { name: '对话记录' });
  await log.locator('.msg.welcome').waitFor();
  const say = async (text: string) => {
    const input = page.getByLabel('输入消息', { exact: true });
    await input.fill(text);
    await input.press('Enter');
    await log.locator('.msg-borrower').filter({ hasText: text }).last().waitFor();
  };
  await say('你好');
  await log.locator('.msg-bot').last().waitFor();
  return { page, errors, log, say };
}

/** The manager writes a campaign for the web chat and the room, submits it; the supervisor approves it and sends it now. Returns its id and code. */
async function campaignThroughConsole(jingli: Page, zhuguan: Page, name: string, roomId: string): Promise<{ id: string; code: string }> {
  await jingli.goto(`${baseUrl}/console#/campaigns`);
  await jingli.getByRole('link', { name: '新建活动' }).click();
  await jingli.getByRole('heading', { name: '新建营销活动' }).waitFor();
  await jingli.getByLabel('活动名称').fill(name);
  await jingli.getByLabel('消息正文').fill('春耕备耕，快贷助手最高可借 20 万元，年化利率 4.35% 起。');
  await jingli.getByLabel('链接卡片标题').fill('立即申请');
  await jingli.getByLabel('卡片描述').fill('线上申请，最快当天到账');
  await jingli.getByLabel('附带活动二维码').check();
  await jingli.getByLabel('微信群', { exact: true }).check();
  await jingli.locator('#campaign-rooms').fill(roomId);
  await expect.poll(() => jingli.locator('#campaign-count').innerText()).toMatch(/预计触达 [1-9]\d* 人/);
  await jingli.getByRole('button', { name: '保存草稿' }).click();
  await expect.poll(() => jingli.locator('#status').innerText()).toMatch(/已创建活动 C\d{10}/);
  const code = /已创建活动 (C\d{10})/.exec(await jingli.locator('#status').innerText())![1]!;
  await jingli.getByRole('heading', { name: new RegExp(name) }).waitFor();
  await jingli.getByRole('button', { name: '提交审批' }).click();
  await expect.poll(() => jingli.locator('#campaign-status').innerText()).toBe('待审批');

  await zhuguan.goto(`${baseUrl}/console#/campaigns`);
  await zhuguan.getByRole('button', { name: '待审批' }).click();
  await zhuguan.getByRole('table', { name: '营销活动' }).getByRole('link', { name: `查看活动 ${name}` }).click();
  await zhuguan.getByRole('button', { name: '审批通过' }).click();
  await expect.poll(() => zhuguan.locator('#campaign-status').innerText()).toBe('已审批');
  await zhuguan.getByRole('button', { name: '立即发送' }).click();
  await expect.poll(() => zhuguan.locator('#campaign-status').innerText()).toBe('已排期');
  const { id } = await server.db.prisma.campaign.findUniqueOrThrow({ where: { code }, select: { id: true } });
  return { id, code };
}

/** The sender as its jobs run it: start what is due, then batches until the campaign is done (the clock stays in the window). */
async function send(campaignId: string): Promise<void> {
  await server.campaigns.startDue();
  await drain(server.campaigns, clock, campaignId, new Date(clock.now().getTime() + 10 * 60_000));
  expect((await server.db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('done');
  // The outbox pushes the stored web-chat messages to open sockets; its poll (JOBS_POLL_MS) is off in tests, so run it as the poll would.
  await server.conversations!.outbox.runDue();
}

describe(`the managers' studio end to end, in Chromium (${testDatabaseKind()})`, () => {
  it('campaign → approval → room and web chat → tracked link → application → funnel; 退订 suppresses the next one', async () => {
    const member = wechat.contact('王五');
    const room = wechat.room('城关支行客户群', [member]);
    // Three web-chat users: 小吴 will tap the link, 小周 will opt out, 小陈 only reads.
    const chen = await webChatUser();
    const zhou = await webChatUser();
    const wu = await webChatUser();
    // Each said 你好, so each has a stored conversation (its first turn committed) before the audience is taken.
    await expect.poll(() => server.db.prisma.conversation.count({ where: { channel: 'web', lastSeq: { gt: 0 } } })).toBe(3);

    const staff = await newContext();
    const jingli = staff.page;
    await login(jingli, 'jingli');
    await jingli.getByRole('link', { name: '营销活动' }).waitFor();
    const sup = await newContext();
    const zhuguan = sup.page;
    await login(zhuguan, 'zhuguan');
    await zhuguan.getByRole('link', { name: '营销活动' }).waitFor();

    // 1. The first campaign, written, approved and sent.
    const first = await campaignThroughConsole(jingli, zhuguan, '春耕贷款推广', room.id);
    await send(first.id);
    const deliveries = await server.db.prisma.campaignDelivery.findMany({ where: { campaignId: first.id } });
    expect(deliveries.map((d) => [d.channel, d.status]).sort()).toEqual([['web', 'sent'], ['web', 'sent'], ['web', 'sent'], ['wechaty_room', 'sent']].sort());

    // The room got it: the bank's name first, the tracked link, how to unsubscribe last.
    const roomText = wechat.inbox(room).join('\n');
    expect(roomText).toContain(`【${BANK}】春耕备耕`);
    const roomDelivery = deliveries.find((d) => d.channel === 'wechaty_room')!;
    expect(roomText).toContain(`${baseUrl}/r/${roomDelivery.token}`);
    expect(wechat.inbox(room).at(-1)!.split('\n').at(-1)).toMatch(/退订/);

    // Each web-chat user sees it in the chat as it arrives, with its link card.
    for (const user of [chen, zhou, wu]) {
      await user.log.locator('.msg-bot').filter({ hasText: `【${BANK}】春耕备耕` }).waitFor();
      await user.log.getByRole('article', { name: '立即申请' }).waitFor();
    }
    await chen.page.screenshot({ path: path.join(ARTIFACTS, 'studio-campaign-in-webchat.png') });

    // 2. 小吴 taps the card's link in her chat: /r/<token> marks her delivery clicked and brings her back to the chat with ref=cmp_<code>.
    const card = wu.log.getByRole('article', { name: '立即申请' }).last();
    const wuHref = await card.getByRole('link', { name: '打开' }).getAttribute('href');
    expect(wuHref).toMatch(new RegExp(`^${baseUrl}/r/[0-9a-f]{32}$`));
    await card.getByRole('link', { name: '打开' }).click();
    await wu.page.waitForURL(`${baseUrl}/?ref=cmp_${first.code}`);
    await wu.page.getByRole('log', { name: '对话记录' }).locator('.msg').first().waitFor();
    const wuDelivery = await server.db.prisma.campaignDelivery.findUniqueOrThrow({ where: { token: wuHref!.slice(`${baseUrl}/r/`.length) } });
    expect(wuDelivery.clickedAt).not.toBeNull();

    // 王五 opens the room message's link on his phone (a new visitor): the web chat with ref=cmp_<code>, and he applies as 陈思远.
    const roomLink = new RegExp(`${baseUrl}/r/[0-9a-f]{32}`).exec(roomText)![0];
    const visitor = await newContext(375);
    const page = visitor.page;
    await page.goto(roomLink);
    await page.waitForURL(`${baseUrl}/?ref=cmp_${first.code}`);
    const log = page.getByRole('log', { name: '对话记录' });
    await log.locator('.msg.welcome').waitFor();
    const lastBotSays = (text: string | RegExp) => log.locator('.msg-bot').filter({ hasText: text }).last().waitFor();
    const tap = (name: string | RegExp) => log.getByRole('group', { name: '快捷回复' }).last().getByRole('button', { name }).click();
    const type = async (label: string, text: string) => {
      const input = page.getByLabel(label, { exact: true });
      await input.pressSequentially(text);
      await input.press('Enter');
    };
    await tap('申请额度');
    await lastBotSays('请选择要申请的产品');
    await tap('常德快贷·个人贷(演示)');
    await lastBotSays('请输入您的真实姓名');
    await type('输入消息', '陈思远');
    await lastBotSays('18位身份证号');
    await type('身份证号（输入时自动遮挡）', '430702198605120230');
    await lastBotSays('请输入您本人实名的手机号');
    await type('手机号', '13807360001');
    await lastBotSays('请输入6位短信验证码');
    await type('短信验证码', OTP);
    await lastBotSays('请选择借款用途');
    await tap('家庭装修');
    await type('金额', '20万');
    await lastBotSays('请确认您的申请信息');
    await tap('确认提交');
    await log.getByRole('article', { name: '数据查询授权' }).waitFor();
    const application = await server.db.prisma.application.findFirstOrThrow({ where: { borrower: { name: '陈思远' } } });
    expect(application).toMatchObject({ attributedCampaignId: first.id, firstTouch: `cmp_${first.code}` });

    // The funnel, as the manager sees it on the campaign's page.
    await jingli.getByRole('link', { name: '营销活动' }).click();
    await jingli.getByRole('table', { name: '营销活动' }).getByRole('link', { name: '查看活动 春耕贷款推广' }).click();
    await expect.poll(() => jingli.locator('#campaign-status').innerText()).toBe('已完成');
    const funnel = jingli.getByRole('table', { name: '活动转化漏斗' });
    const stage = async (word: string) => Number(await funnel.getByRole('row', { name: new RegExp(`^${word}`) }).getByRole('cell').innerText());
    await funnel.waitFor();
    expect(await stage('发送')).toBe(4);
    expect(await stage('打开或点击')).toBe(2); // 小吴's delivery and 王五's tap on the room's link
    expect(await stage('申请')).toBe(1);
    await jingli.screenshot({ path: path.join(ARTIFACTS, 'studio-campaign-funnel.png') });

    // 3. 小周 replies 退订; the next approved campaign to the same audience passes her by.
    await zhou.say('退订');
    await zhou.log.locator('.msg-bot').filter({ hasText: '已退订营销消息' }).waitFor();
    const second = await campaignThroughConsole(jingli, zhuguan, '夏收贷款推广', room.id);
    await send(second.id);
    const again = await server.db.prisma.campaignDelivery.findMany({ where: { campaignId: second.id, channel: 'web' }, });
    const zhouConversation = await server.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'web', messages: { some: { text: '退订' } } } });
    const ofZhou = again.filter((d) => d.conversationId === zhouConversation.id);
    expect(ofZhou).toHaveLength(1);
    expect(ofZhou[0]).toMatchObject({ status: 'suppressed', reason: 'opted_out' });
    // The others (小陈, 小吴 and 王五's new web chat) get it.
    expect(again.filter((d) => d !== ofZhou[0]).map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
    await chen.log.locator('.msg-bot').filter({ hasText: `【${BANK}】春耕备耕` }).nth(1).waitFor();
    expect(await zhou.log.locator('.msg-bot').filter({ hasText: `【${BANK}】春耕备耕` }).count()).toBe(1);

    expect([...chen.errors, ...zhou.errors, ...wu.errors, ...visitor.errors, ...staff.errors, ...sup.errors]).toEqual([]);
  }, 180_000);
});
