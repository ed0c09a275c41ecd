import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, openDatabase } from '../../server/db/index.js';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';
import { hashPassword } from '../../server/staff/index.js';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * Managers and their codes in Chromium against the real server: the admin creates a branch and
 * makes 李强 (an agent, 工号 KM009) its manager; a borrower taps his link (/s/mgr_KM009 → the chat
 * with ?ref=) and applies with it; 李强 logs in and finds his codes (link, QR image, downloads) and
 * the borrower he brought, masked, with their stage.
 */
const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;
const LIQIANG = 'Liqiang-Manager-2026';
let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('manager-codes', { SANDBOX_OTP_CODE: '123456' }, {
    async seed(database) {
      const db = await openDatabase(database.target, { poolSize: 2 });
      try {
        await applyMigrations(db.adapterFactory);
        await db.prisma.staffUser.create({ data: { username: 'liqiang', displayName: '李强', employeeNo: 'KM009', roles: ['agent'], passwordHash: await hashPassword(LIQIANG) } });
      } finally {
        await db.close();
      }
    },
  });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function newPage(width = 1280): Promise<Page> {
  const context = await rig!.browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

describe(`managers and their codes in the console, in Chromium (${testDatabaseKind()})`, () => {
  it('an admin creates a branch and assigns a manager; the manager sees his codes and the borrower his link brought', async () => {
    const errors: string[] = [];
    const admin = await newPage();
    admin.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(admin, 'admin', password('admin'));
    await admin.getByRole('link', { name: '网点与客户经理' }).click();
    const table = admin.getByRole('table', { name: '网点与客户经理' });
    await table.getByText('城关支行').waitFor();
    await admin.getByLabel('网点代码', { exact: true }).fill('0202');
    await admin.getByLabel('网点名称').fill('河洑支行');
    await admin.getByLabel('上级网点代码（可不填）').fill('0101');
    await admin.getByRole('button', { name: '新建', exact: true }).click();
    await expect.poll(() => admin.locator('#status').innerText()).toContain('已新建网点 0202。');
    await table.getByText('河洑支行').waitFor();

    await admin.getByLabel('员工').selectOption({ label: '李强 (KM009) · liqiang' });
    await admin.locator('#mgr-branch').selectOption('0202');
    await admin.getByRole('button', { name: '设为客户经理' }).click();
    await expect.poll(() => admin.locator('#status').innerText()).toContain('李强 已成为 0202 的客户经理，推荐码 KM009。');
    await expect.poll(() => table.getByRole('row').filter({ hasText: '河洑支行' }).innerText()).toContain('李强 (KM009) · mgr_KM009');
    await admin.screenshot({ path: path.join(ARTIFACTS, 'studio-branches.png') });

    // A borrower taps 李强's link: the chat opens with his referral, and they apply with it.
    const visitor = await newPage(390);
    await visitor.goto(`${rig!.server.url}/s/mgr_KM009`);
    expect(new URL(visitor.url()).search).toBe('?ref=mgr_KM009');
    let i = 0;
    for (const text of ['你好', '1', '1', '陈思远', '430702198605120230', '13807360001', '123456', '经营周转', '20万', '确认提交', '同意全部授权']) {
      const res = await fetch(`${rig!.server.url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'studio-visitor', messageId: `m${++i}`, text, ...(i === 1 ? { referral: 'mgr_KM009' } : {}) }) });
      expect(res.status, text).toBe(200);
    }

    const manager = await newPage();
    manager.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(manager, 'liqiang', LIQIANG);
    await manager.getByRole('link', { name: '我的客户' }).click();
    const borrowers = manager.getByRole('table', { name: '客户' });
    await borrowers.getByText('陈**').waitFor();
    const row = await borrowers.getByRole('row').filter({ hasText: '陈**' }).innerText();
    expect(row).toContain('138****0001');
    expect(row).toContain('mgr_KM009');
    expect(row).toMatch(/已批准|已开通额度|已授权/);
    expect(await manager.content()).not.toContain('陈思远');

    const card = manager.getByRole('article', { name: '个人码 mgr_KM009' });
    await card.getByRole('link', { name: /^http:\/\/(127\.0\.0\.1|localhost):\d+\/s\/mgr_KM009$/ }).waitFor();
    const qr = card.getByRole('img', { name: 'mgr_KM009 的二维码' });
    await expect.poll(() => qr.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBeGreaterThan(100);
    expect(await card.getByRole('link', { name: '下载 SVG' }).getAttribute('href')).toBe('/api/v1/staff/studio/codes/manager/KM009/qr.svg?download=1');
    await card.getByText('未配置公众号').waitFor();
    await manager.getByRole('article', { name: '网点码 br_0202' }).waitFor();
    // The funnel table or its empty state (the funnel endpoint belongs to another part of the studio).
    await manager.getByRole('heading', { name: '转化漏斗' }).waitFor();
    await manager.screenshot({ path: path.join(ARTIFACTS, 'studio-my-borrowers.png'), fullPage: true });

    // The SVG a browser loads parses as an image too.
    const svgWidth = await manager.evaluate(async () => {
      const img = new Image();
      img.src = '/api/v1/staff/studio/codes/manager/KM009/qr.svg';
      await img.decode();
      return img.naturalWidth;
    });
    expect(svgWidth).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  }, 240_000);
});
