import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, openDatabase } from '../../server/db/index.js';
import { createFieldCipher } from '../../server/security/fieldCipher.js';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';
import { seedExportBorrower, type SeededBorrower } from '../support/borrowerExportSeed.js';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testConfig, testDatabaseKind } from '../support/testDatabase.js';

/**
 * A borrower's data export in Chromium against the real server: 李娜 (supervisor) opens the borrower's
 * details beside their conversation, follows 导出客户数据, is told a request reference is needed, gives
 * one and downloads JSON holding the borrower's sections with the identifiers opened; 小王 (agent) sees
 * no such link and no such page; the admin finds the export in the audit log.
 */
const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;
let rig: ConsoleRig | undefined;
let seeded: SeededBorrower;

beforeAll(async () => {
  rig = await startConsoleRig('borrower-export', {}, {
    async seed(database) {
      const db = await openDatabase(database.target, { poolSize: 2 });
      try {
        await applyMigrations(db.adapterFactory);
        // The server process opens what this seals: the same (test) data key.
        const config = testConfig(database);
        seeded = await seedExportBorrower(db.prisma, createFieldCipher(config.dataKey, config.oldDataKeys));
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
  const context = await rig!.browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

describe(`borrower data export in the console, in Chromium (${testDatabaseKind()})`, () => {
  it('a supervisor exports JSON from the borrower details; an agent has no way to; the admin sees it audited', async () => {
    const errors: string[] = [];
    const lina = await newPage();
    lina.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(lina, 'zhuguan', password('zhuguan'));
    await lina.getByRole('link', { name: '会话队列' }).first().waitFor();
    await lina.goto(`${rig!.server.url}/console#/conversations/${seeded.conversationId}`);
    await lina.getByRole('button', { name: '查看客户详情' }).click();
    await lina.getByText('1101**********7777').waitFor();
    await lina.getByRole('link', { name: '导出客户数据' }).click();
    await lina.getByRole('heading', { name: '客户数据导出' }).waitFor();
    await lina.getByText(seeded.borrowerId).waitFor();

    // Without a request reference nothing is sent.
    await lina.getByRole('button', { name: '下载' }).click();
    await lina.getByText('请填写客户请求编号。').waitFor();

    await lina.getByLabel('客户请求编号（必填）').fill('PIPL-2026-0042');
    await expect(lina.getByLabel(/^JSON/).isChecked()).resolves.toBe(true);
    const [download] = await Promise.all([lina.waitForEvent('download'), lina.getByRole('button', { name: '下载' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^kuaidai-borrower-${seeded.borrowerId}-\\d{4}-\\d{2}-\\d{2}\\.json$`));
    const file = JSON.parse(await readFile((await download.path())!, 'utf8')) as { borrowerId: string; sections: { name: string; rows: Record<string, unknown>[] }[] };
    expect(file.borrowerId).toBe(seeded.borrowerId);
    const rows = (name: string) => file.sections.find((s) => s.name === name)!.rows;
    expect(rows('profile')[0]).toMatchObject({ name: seeded.name, idNumber: seeded.idNumber, phone: seeded.phone });
    expect(rows('installments')).toHaveLength(3);
    expect(rows('messages').map((m) => m.text)).toContain(seeded.awkwardText);
    expect(rows('workOrders')[0]).toMatchObject({ number: seeded.workOrderNumber });
    await lina.getByText(/已下载 kuaidai-borrower-.*\.json，已记入审计日志。/).waitFor();
    await lina.screenshot({ path: path.join(ARTIFACTS, 'borrower-export.png'), fullPage: true });

    // An agent sees the details but no export link, and the page is not his.
    const xiaowang = await newPage();
    xiaowang.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(xiaowang, 'kefu', password('kefu'));
    await xiaowang.getByRole('link', { name: '会话队列' }).first().waitFor();
    await xiaowang.goto(`${rig!.server.url}/console#/conversations/${seeded.conversationId}`);
    await xiaowang.getByRole('button', { name: '查看客户详情' }).click();
    await xiaowang.getByText('1101**********7777').waitFor();
    expect(await xiaowang.getByRole('link', { name: '导出客户数据' }).count()).toBe(0);
    await xiaowang.goto(`${rig!.server.url}/console#/borrowers/${seeded.borrowerId}/export`);
    await xiaowang.getByText('您的角色无权查看此页面。').waitFor();

    // The admin finds the export in the audit log, with the request reference and no personal data.
    const admin = await newPage();
    admin.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(admin, 'admin', password('admin'));
    await admin.getByRole('link', { name: '审计日志' }).click();
    const entry = admin.getByRole('table', { name: '审计日志' }).getByRole('row').filter({ hasText: 'borrower.data_exported' });
    await entry.first().waitFor();
    expect(await entry.count()).toBe(1);
    const text = await entry.innerText();
    expect(text).toContain('PIPL-2026-0042');
    expect(text).toContain('李娜');
    expect(text).not.toContain(seeded.idNumber);
    // From there the admin can export too.
    await entry.getByRole('link', { name: '导出客户数据' }).click();
    await admin.getByRole('heading', { name: '客户数据导出' }).waitFor();
    expect(errors).toEqual([]);
  }, 180_000);
});
