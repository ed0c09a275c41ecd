import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../core/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { attachWechatyChannel, type WechatyChannel } from '../server/channels/wechaty/index.js';
import { manualClock } from '../server/clock.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';
import { createMockWechat, type MockWechat } from './wechatyHarness.js';

/**
 * A WeChat contact chatting privately with the bot runs the real lending journey — the services on
 * the test database, sandbox providers, the runtime and its outbox — through wechaty and
 * wechaty-puppet-mock: every reply arrives as WeChat text with numbered options.
 */
const logger = createLogger('silent');
const person = demoPersona('excellent').profile.person;
const clock = manualClock('2026-11-22T02:00:00Z');
let database: TestDatabase;
let server: Server;
let channel: WechatyChannel;
let wechat: MockWechat;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(database, { SANDBOX_OTP_CODE: '123456', JOBS_POLL_MS: '0', WECHATY_PUPPET: 'wechaty-puppet-mock', PUBLIC_BASE_URL: 'https://loans.example-bank.cn' });
  server = await bootServer(config, logger, { clock, spec: (ctx) => createLendingConversation(ctx) });
  wechat = createMockWechat({ botName: '快贷助手', idle: () => server.conversations!.outbox.idle() });
  channel = (await attachWechatyChannel(server, config, logger, { puppet: wechat.puppet, onHandled: wechat.onHandled }))!;
  await server.app.ready();
  wechat.login();
  await channel.loggedIn;
});

afterAll(async () => {
  // Closing the app stops the channel first (preClose), then the runtime and the database.
  await server?.app.close();
  await database?.drop();
});

describe(`a private WeChat chat on ${testDatabaseKind()}`, () => {
  it('applies, authorises, accepts, draws ¥30,000 over 12 months 等额本息 and repays, all in WeChat text', async () => {
    const customer = wechat.contact('陈思远');
    const say = async (text: string) => {
      clock.advance(60_000);
      const { report, replies } = await wechat.say(customer, text);
      expect(report).toMatchObject({ outcome: 'received' });
      expect(replies.length).toBeGreaterThan(0);
      return replies.join('\n---\n');
    };

    const menu = await say('你好');
    expect(menu).toContain('您好，我是快贷助手');
    expect(menu).toMatch(/1\. 申请额度\n2\. 借款用款\n3\. 还款\n4\. 额度与账单\n5\. 常见问题\n6\. 转人工/);
    expect(await say('1')).toMatch(/请选择要申请的产品[\s\S]*\n1\. 常德快贷·个人贷\(演示\)\n2\. /);
    expect(await say('1')).toContain('真实姓名');
    expect(await say(person.name)).toContain('身份证号');
    expect(await say(person.idNumber)).toContain('手机号');
    expect(await say(person.mobile)).toContain('验证码已发送至 138****0001');
    expect(await say('123456')).toMatch(/借款用途[\s\S]*\n1\. 日常消费\n2\. 家庭装修/);
    expect(await say('2')).toContain('申请多少额度');
    const summary = await say('20万');
    expect(summary).toContain('身份证号：430702********0230');
    expect(summary).toMatch(/1\. 确认提交\n2\. 修改信息\n3\. 取消$/);

    const consent = await say('1');
    expect(consent).toContain('【数据查询授权】（版本 auth-2026.1）');
    expect(consent).toMatch(/1\. 同意全部授权\n2\. 逐项选择\n3\. 不同意/);
    const offer = await say('1');
    // The annualised rate comes first in the offer card.
    expect(offer).toMatch(/\n年化利率 6\.57%–6\.73%（单利年化 6\.48%–6\.57%）\n按复利折算，随还款方式和期限而定：[^\n]+\n【常德快贷·个人贷\(演示\)】额度 179,000\.00 元\n/);
    // Two dates, each saying what it is.
    expect(offer).toMatch(/\n额度有效期：今日开通则至 \d{4}-\d{2}-\d{2}\n确认期限：请在 \d{4}-\d{2}-\d{2} 前确认开通，逾期本次额度失效\n/);
    expect(offer).toMatch(/1\. 接受额度\n2\. 查看还款示例/);
    expect(await say('1')).toMatch(/我已阅读并同意/);
    expect(await say('我已阅读并同意')).toContain('额度已开通');

    expect(await say('借款')).toContain('请输入借款金额');
    expect(await say('3万')).toMatch(/1\. 3期\n2\. 6期\n3\. 12期/);
    // "12" (the words), not "3" (the number): the flows read "3" as the label "3期" — see the report.
    expect(await say('12')).toMatch(/1\. 随借随还\n2\. 先息后本\n3\. 等额本息/);
    const preview = await say('3');
    expect(preview).toContain('还款计划：借款 30,000.00 元，12 期，等额本息');
    expect(preview).toMatch(/年化利率 6\.68%（单利年化 [\d.]+%）/);
    expect(preview).toContain('利息合计 1,063.40 元，还款总额 31,063.40 元');
    expect(preview).toMatch(/1\. 确认借款\n2\. 修改金额/);
    // 1 = 确认借款: the step-up SMS code goes to the mobile on file; the code moves the money.
    expect(await say('1')).toMatch(/本次借款 ¥30,000\.00（12 期）需要短信确认[\s\S]*1\. 重新发送\n2\. 取消/);
    const receipt = await say('123456');
    expect(receipt).toContain('放款成功');
    expect(receipt).toMatch(/【借款成功】\n金额 30,000\.00 元\n时间 [^\n]+\n流水号 \S+/);
    expect(receipt).toContain('还款方式 等额本息');

    clock.advance(10 * 86_400_000);
    expect(await say('还款')).toContain('1. 提前还下一期 ¥2,588.62');
    expect(await say('1')).toMatch(/扣款 ¥2,588\.62[\s\S]*1\. 确认还款/);
    const repaid = await say('确认还款');
    expect(repaid).toMatch(/【还款成功】\n金额 2,588\.62 元/);
    // The instalment due 2026-12-22 is settled as scheduled; the next one is due a month later.
    expect(repaid).toContain('归还利息 ¥162.00');
    expect(await say('额度')).toContain('下期还款 2027-01-22，应还 2,588.62 元');

    // What the contact received is exactly what was stored and marked delivered; the ID number was never echoed.
    const everything = wechat.inbox(customer).join('\n');
    expect(everything).not.toContain(person.idNumber);
    const rows = await server.db.prisma.message.findMany({ where: { direction: 'outbound', conversation: { channel: 'wechat', externalUserId: customer.id } } });
    expect(rows.length).toBe(wechat.inbox(customer).length);
    expect(rows.every((r) => r.deliveryStatus === 'delivered')).toBe(true);
  });

  it('answers a repeated delivery of the same WeChat message once', async () => {
    const other = wechat.contact('李四');
    const first = await wechat.send(other, { type: 7, text: '你好' });
    expect(first.report).toMatchObject({ outcome: 'received' });
    expect(first.replies.join('\n')).toContain('您好，我是快贷助手');
    // A puppet that emits a message again (a reconnect replaying it) keeps its id: the runtime dedupes it.
    const again = await wechat.redeliver(first.report.messageId, other);
    expect(again.report).toMatchObject({ outcome: 'duplicate' });
    expect(again.replies).toEqual([]);
  });
});
