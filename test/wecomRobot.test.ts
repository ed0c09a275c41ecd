import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownMessage, newsMessage, textMessage } from '../bots/wecom/index.js';
import { createWecomRobot } from '../server/channels/wecom/index.js';
import { manualClock } from '../server/clock.js';
import { startFakeWechatApi, type FakeWechatApi } from './support/fakeWechatApi.js';

const KEY_A = '693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa';
const KEY_B = '04ec98e0-6332-490a-9766-c87131bee3c6';
let fake: FakeWechatApi;

beforeAll(async () => {
  fake = await startFakeWechatApi({ appId: 'wx1234567890abcdef', appSecret: '0'.repeat(32), robotKeys: [KEY_A, KEY_B] });
});
afterAll(() => fake?.close());

/** A robot on a manual clock: waiting for a slot moves the clock instead of the test's time. */
function robot(options: { maxWaitMs?: number; backoffMs?: number } = {}) {
  const clock = manualClock('2026-03-02T02:00:00.000Z');
  const waits: number[] = [];
  const client = createWecomRobot({
    webhookBaseUrl: fake.url,
    robots: { branch: KEY_A, hq: KEY_B, gone: 'ffffffff-0000-0000-0000-000000000000' },
    clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
    publicBaseUrl: 'https://loans.example-bank.cn',
    ...options,
  });
  return { client, clock, waits };
}

const postedTo = (key: string) => fake.robotMessages.filter((m) => m.key === key).map((m) => m.body);

describe('WeCom group robot', () => {
  it('posts text with mentions, markdown and news in the webhook format', async () => {
    const { client } = robot();
    const before = postedTo(KEY_B).length;
    expect(await client.send('hq', textMessage('今日快贷利率 6.48% 起', { userIds: ['@all'] }))).toEqual({ status: 'sent', robot: 'hq', attempts: 1 });
    await client.send('hq', markdownMessage('**春季快贷**上线'));
    await client.send('hq', newsMessage([{ title: '春季快贷', description: '3 分钟到账', url: 'https://loans.example-bank.cn/?ref=spring' }]));
    expect(postedTo(KEY_B).slice(before)).toEqual([
      { msgtype: 'text', text: { content: '今日快贷利率 6.48% 起', mentioned_list: ['@all'] } },
      { msgtype: 'markdown', markdown: { content: '**春季快贷**上线' } },
      { msgtype: 'news', news: { articles: [{ title: '春季快贷', description: '3 分钟到账', url: 'https://loans.example-bank.cn/?ref=spring' }] } },
    ]);
    expect(client.names).toEqual(['branch', 'hq', 'gone']);
  });

  it('turns a neutral reply into a robot message: a link card into news, personal data withheld', async () => {
    const { client } = robot();
    const before = postedTo(KEY_B).length;
    await client.sendReply('hq', { text: '点击申请', card: { type: 'link', title: '快贷', description: '年化利率 6.68% 起', url: '/?ref=cmp_spring' } });
    await client.sendReply('hq', { text: '您的额度 50,000.00 元', sensitive: true });
    expect(postedTo(KEY_B).slice(before)).toEqual([
      { msgtype: 'news', news: { articles: [{ title: '快贷', description: '点击申请\n年化利率 6.68% 起', url: 'https://loans.example-bank.cn/?ref=cmp_spring' }] } },
      { msgtype: 'text', text: { content: '这条消息含有个人信息，请在私聊中查看。' } },
    ]);
  });

  it('holds the 21st message in a minute until the first leaves the window, and refuses what would wait too long', async () => {
    const { client, waits } = robot({ maxWaitMs: 60_000 });
    const before = postedTo(KEY_A).length;
    for (let i = 1; i <= 20; i++) expect(await client.send('branch', textMessage(`第${i}条`))).toMatchObject({ status: 'sent' });
    expect(waits).toEqual([]);
    expect(await client.send('branch', textMessage('第21条'))).toMatchObject({ status: 'sent' });
    expect(waits).toEqual([60_000]);
    expect(postedTo(KEY_A).length - before).toBe(21);

    const impatient = robot({ maxWaitMs: 30_000 });
    for (let i = 1; i <= 20; i++) await impatient.client.send('branch', textMessage(`x${i}`));
    expect(await impatient.client.send('branch', textMessage('x21'))).toEqual({ status: 'rate_limited', robot: 'branch', retryAfterMs: 60_000 });
    expect(impatient.waits).toEqual([]);
    // Another robot is not held back by this one.
    expect(await impatient.client.send('hq', textMessage('总行通知'))).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('backs off when WeCom answers 45009 and tries once more; a second 45009 is returned as rate_limited', async () => {
    const { client, waits } = robot({ backoffMs: 45_000 });
    fake.failNext('/cgi-bin/webhook/send', 45009);
    expect(await client.send('branch', textMessage('限流后重试'))).toEqual({ status: 'sent', robot: 'branch', attempts: 2 });
    expect(waits).toEqual([45_000]);
    fake.failNext('/cgi-bin/webhook/send', 45009, 2);
    expect(await client.send('branch', textMessage('仍被限流'))).toEqual({ status: 'rate_limited', robot: 'branch', retryAfterMs: 45_000 });
    // A pause longer than the caller will wait: refused at once with the time the robot has room again.
    const patient = robot({ backoffMs: 90_000 });
    fake.failNext('/cgi-bin/webhook/send', 45009);
    expect(await patient.client.send('branch', textMessage('长暂停'))).toEqual({ status: 'rate_limited', robot: 'branch', retryAfterMs: 90_000 });
    expect(patient.waits).toEqual([]);
  });

  it('reports an unknown robot, a refused key and an unreachable webhook as results', async () => {
    const { client } = robot();
    expect(await client.send('nobody', textMessage('x'))).toEqual({ status: 'unknown_robot', robot: 'nobody' });
    expect(await client.send('gone', textMessage('x'))).toMatchObject({ status: 'failed', retryable: false, errcode: 93000 });
    fake.failNext('/cgi-bin/webhook/send', -1);
    expect(await client.send('branch', textMessage('x'))).toMatchObject({ status: 'failed', retryable: true, errcode: -1 });
    const down = createWecomRobot({ webhookBaseUrl: 'http://127.0.0.1:9', robots: { branch: KEY_A }, timeoutMs: 2_000 });
    const result = await down.send('branch', textMessage('x'));
    expect(result).toMatchObject({ status: 'failed', retryable: true });
    expect(JSON.stringify(result)).not.toContain(KEY_A);
  });
});
