import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * Campaign authoring and approval in Chromium against the real server: 张伟 (the demo manager)
 * writes a campaign with a link card and its QR code, previews it, test-sends it to himself and
 * submits it, and cannot approve it; 李娜 (supervisor) approves it and sends it now; each sees the
 * state it is in.
 */
const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;
let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('campaign-console', { BANK_NAME: '常德农商银行' });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function newPage(): Promise<Page> {
  const context = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

describe(`campaigns in the console, in Chromium (${testDatabaseKind()})`, () => {
  it('the manager writes a campaign with a QR card and submits it; the supervisor approves and schedules it', async () => {
    const errors: string[] = [];
    const jingli = await newPage();
    jingli.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(jingli, 'jingli', password('jingli'));
    await jingli.getByRole('link', { name: '营销活动' }).click();
    await jingli.getByRole('link', { name: '新建活动' }).click();
    await jingli.getByRole('heading', { name: '新建营销活动' }).waitFor();
    await jingli.getByLabel('活动名称').fill('春耕贷款推广');
    await jingli.getByLabel('消息正文').fill('春耕备耕，快贷助手最高可借 20 万元，年化利率 4.35% 起。');
    await jingli.getByLabel('链接卡片标题').fill('立即申请');
    await jingli.getByLabel('卡片描述').fill('线上申请，最快当天到账');
    await jingli.getByLabel('附带活动二维码').check();
    await jingli.getByLabel('有额度未用信').check();
    await expect.poll(() => jingli.locator('#campaign-count').innerText()).toContain('预计触达 0 人');
    await jingli.getByRole('button', { name: '保存草稿' }).click();
    await expect.poll(() => jingli.locator('#status').innerText()).toMatch(/已创建活动 C\d{10}/);
    await jingli.getByRole('heading', { name: /春耕贷款推广/ }).waitFor();
    expect(await jingli.locator('#campaign-status').innerText()).toBe('草稿');
    const preview = jingli.getByRole('article', { name: '网页聊天' });
    await expect.poll(() => preview.innerText()).toMatch(/【常德农商银行】春耕备耕[\s\S]*退订[\s\S]*立即申请/);
    expect(await preview.innerText()).toContain('qr.png');
    // The campaign's funnel (nothing sent yet: every stage 0), as a table and a chart.
    const funnel = jingli.getByRole('table', { name: '活动转化漏斗' });
    await expect.poll(() => funnel.innerText()).toMatch(/发送\s+0[\s\S]*用信\s+0/);
    await jingli.locator('.chart-funnel svg').waitFor();
    await jingli.getByRole('button', { name: '发送测试给自己' }).click();
    await expect.poll(() => jingli.locator('#status').innerText()).toContain('已发送 1 条测试消息到您的通知');
    await jingli.screenshot({ path: path.join(ARTIFACTS, 'campaign-draft.png') });
    await jingli.getByRole('button', { name: '提交审批' }).click();
    await expect.poll(() => jingli.locator('#campaign-status').innerText()).toBe('待审批');
    expect(await jingli.getByRole('button', { name: '审批通过' }).count()).toBe(0);

    const zhuguan = await newPage();
    zhuguan.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(zhuguan, 'zhuguan', password('zhuguan'));
    await zhuguan.getByRole('link', { name: '营销活动' }).click();
    await zhuguan.getByRole('button', { name: '待审批' }).click();
    const table = zhuguan.getByRole('table', { name: '营销活动' });
    await table.getByRole('link', { name: '查看活动 春耕贷款推广' }).click();
    await zhuguan.getByRole('button', { name: '审批通过' }).click();
    await expect.poll(() => zhuguan.locator('#campaign-status').innerText()).toBe('已审批');
    expect(await zhuguan.getByText('李娜').count()).toBeGreaterThan(0);
    await zhuguan.getByRole('button', { name: '立即发送' }).click();
    await expect.poll(() => zhuguan.locator('#campaign-status').innerText()).toBe('已排期');
    await zhuguan.screenshot({ path: path.join(ARTIFACTS, 'campaign-scheduled.png') });

    // The manager sees it scheduled too.
    await jingli.reload();
    await expect.poll(() => jingli.locator('#campaign-status').innerText()).toBe('已排期');
    expect(errors).toEqual([]);
  });
});
