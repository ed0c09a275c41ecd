import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona } from '../../core/index.js';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * Manual review end to end, in Chromium against the real server (`npm start`'s entry, sandbox
 * providers, demo staff): 李晓薇 applies on the web chat and goes to review; 赵敏 logs in at /console,
 * opens her application from the queue and approves ¥103,000 — above the product's four-eyes line,
 * so it waits; 钱进 confirms it; her web chat shows the offer without a reload, and she accepts it.
 */
const artifacts = ARTIFACTS;
const OTP = '123456';
const thin = demoPersona('thin_file').profile.person;

let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('review-console', { SANDBOX_OTP_CODE: OTP });
}, 90_000);

afterAll(async () => {
  await rig?.close();
});

const login = (page: Page, username: string, password: string): Promise<void> => rig!.login(page, username, password);

/** Opens 李晓薇's application from the reviewers' queue. */
async function openFromQueue(page: Page, screenshot?: string): Promise<void> {
  await page.getByRole('link', { name: '人工审批' }).click();
  const queue = page.getByRole('table', { name: '人工审批' });
  const link = queue.getByRole('link', { name: `审批 ${thin.name} 的申请` });
  await link.waitFor();
  if (screenshot) await page.screenshot({ path: path.join(artifacts, screenshot) });
  await link.click();
  await page.getByRole('heading', { name: `审批申请 · ${thin.name}` }).waitFor();
}

describe(`manual review in the console and the web chat, in Chromium (${testDatabaseKind()})`, () => {
  it('a thin-file applicant goes to review, two reviewers approve above the four-eyes line, and her chat shows the offer, which she accepts', async () => {
    const contexts = await Promise.all([
      rig!.browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN' }),
      rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' }),
      rig!.browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'zh-CN' }),
    ]);
    const [chat, zhaomin, qianjin] = await Promise.all(contexts.map((c) => c.newPage()));
    const errors: string[] = [];
    for (const p of [chat!, zhaomin!, qianjin!]) {
      p.on('pageerror', (e) => errors.push(e.message));
      p.setDefaultTimeout(30_000);
    }
    try {
      // 李晓薇 applies on the web chat.
      await chat!.goto(`${rig!.server.url}/`);
      const log = chat!.getByRole('log', { name: '对话记录' });
      const botSays = (text: string | RegExp) => log.locator('.msg-bot').filter({ hasText: text }).last().waitFor();
      const tap = (name: string | RegExp) => log.getByRole('group', { name: '快捷回复' }).last().getByRole('button', { name }).click();
      const type = async (label: string, text: string) => {
        const input = chat!.getByLabel(label, { exact: true });
        await input.pressSequentially(text);
        await input.press('Enter');
      };
      await tap('申请额度');
      await botSays('请选择要申请的产品');
      await tap('常德快贷·个人贷(演示)');
      await botSays('请输入您的真实姓名');
      await type('输入消息', thin.name);
      await botSays('18位身份证号');
      await type('身份证号（输入时自动遮挡）', thin.idNumber);
      await botSays('请输入您本人实名的手机号');
      await type('手机号', thin.mobile);
      await botSays('请输入6位短信验证码');
      await type('短信验证码', OTP);
      await botSays('请选择借款用途');
      await tap('日常消费');
      await type('金额', '5万');
      await botSays('请确认您的申请信息');
      await tap('确认提交');
      await log.getByRole('article', { name: '数据查询授权' }).waitFor();
      await tap('同意全部授权');
      await botSays('您的申请已提交人工审核');

      // 赵敏 finds it in her queue and reads it: masked, with the rule hit in words and the bounds.
      await login(zhaomin!, 'shenpi', 'Demo-Reviewer-2026');
      await openFromQueue(zhaomin!, 'review-queue-1280.png');
      const page = zhaomin!;
      await page.getByRole('article', { name: '评分与规则' }).getByText('您的信用记录较少,本次申请需人工审核').waitFor();
      await page.getByRole('article', { name: '申请人' }).getByText('430702********0243').waitFor();
      expect(await page.content()).not.toContain(thin.idNumber);
      expect(await page.content()).not.toContain(thin.mobile);
      await page.getByRole('article', { name: '系统建议与产品边界' }).getByText('¥1,000.00 – ¥103,000.00').waitFor();
      await page.getByRole('article', { name: '授权与数据来源' }).getByRole('region', { name: '人民银行征信报告' }).waitFor();

      // She asks a question; the applicant answers in her chat; the page offers the news (a button, not a forced reload).
      const ask = page.getByRole('form', { name: '请客户补充信息' });
      await ask.getByLabel('问题（以您的名义发给客户）').fill('请问您目前的工作单位和月收入大约是多少？');
      await ask.getByRole('button', { name: '发送问题' }).click();
      await page.getByRole('status').filter({ hasText: '问题已发送给客户' }).waitFor();
      await log.getByText('请问您目前的工作单位和月收入大约是多少？').waitFor();
      await type('输入消息', '在常德一家超市做店长，月收入6000左右');
      const news = page.getByRole('status').filter({ hasText: '申请人有新消息' });
      await news.waitFor();
      await news.getByRole('button', { name: '刷新查看' }).click();
      await page.getByText('在常德一家超市做店长，月收入6000左右').waitFor();

      // A limit above the bounds is refused with the field named; then ¥103,000 at 7.5% waits for a second reviewer.
      await page.screenshot({ path: path.join(artifacts, 'review-page-1280.png') });
      await page.getByRole('article', { name: '审批操作' }).screenshot({ path: path.join(artifacts, 'review-actions-1280.png') });
      const approve = page.getByRole('form', { name: '批准' });
      await approve.getByLabel('批准额度（元）').fill('110000');
      await approve.getByLabel('年利率（%）').fill('7.5');
      await approve.getByLabel('批准理由（仅内部可见）').fill('公积金连续缴存，收入稳定');
      await approve.getByRole('button', { name: '批准' }).click();
      await page.getByRole('status').filter({ hasText: '填写的内容有误' }).waitFor();
      await approve.getByLabel('批准额度（元）').fill('103000');
      await approve.getByRole('button', { name: '批准' }).click();
      await page.getByRole('status').filter({ hasText: '等待另一位审批员确认' }).waitFor();
      await page.getByText('这笔批准需要另一位审批员确认后才生效。').waitFor();
      await page.screenshot({ path: path.join(artifacts, 'review-pending-1280.png'), fullPage: true });

      // 钱进 sees the pending approval and confirms it.
      await login(qianjin!, 'shenpi2', 'Demo-Reviewer2-2026');
      await openFromQueue(qianjin!);
      const pending = qianjin!.getByRole('form', { name: '待复核' });
      await pending.getByText('赵敏（SP001）已批准：额度 ¥103,000.00，年利率 7.50%').waitFor();
      await pending.getByRole('button', { name: '确认批准' }).click();
      await qianjin!.getByRole('status').filter({ hasText: '已批准，结果已发送给客户' }).waitFor();
      await qianjin!.getByText('审批结果：已批准').waitFor();
      await qianjin!.screenshot({ path: path.join(artifacts, 'review-confirmed-768.png'), fullPage: true });

      // Her chat shows the offer without a reload, and she accepts it.
      await botSays('好消息！您的申请已通过人工审核');
      const offer = log.getByRole('article', { name: '常德快贷·个人贷(演示)' });
      await offer.waitFor();
      await expect(offer.textContent()).resolves.toContain('¥103,000.00');
      await chat!.screenshot({ path: path.join(artifacts, 'review-offer-375.png') });
      await tap('接受额度');
      await botSays('主要条款');
      await tap('我已阅读并同意');
      await botSays('额度已开通！可用额度 ¥103,000.00');

      // 赵敏's page followed the confirmation live, and the queue is empty.
      await page.getByText('审批结果：已批准').waitFor();
      await page.getByRole('link', { name: '返回审批列表' }).click();
      await page.getByText('目前没有待审批的申请。').waitFor();
      expect(errors).toEqual([]);
    } finally {
      for (const c of contexts) await c.close();
    }
  }, 180_000);
});
