import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/** An admin at /console → 预授信 uploads the sample file in Chromium and follows it to its whitelist and exclusions. */
let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('console-precredit');
}, 90_000);

afterAll(async () => {
  await rig?.close();
});

describe(`console pre-credit page in Chromium (${testDatabaseKind()})`, () => {
  it('uploads the sample file, shows progress to done, the exclusions by reason and the customers masked', async () => {
    const context = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(120_000);
    try {
      await rig!.login(page, 'admin', 'Demo-Root-2026');
      await page.getByRole('link', { name: '预授信' }).click();
      await page.getByText('还没有批次。').waitFor();
      await page.getByLabel('客户文件').setInputFiles(path.resolve('samples/precredit-customers.csv'));
      await page.getByRole('button', { name: '上传并评分' }).click();
      // The batch page: progress while scoring, then done with all 200 rows.
      await page.locator('progress').waitFor();
      await page.getByText('已完成 · 200/200 (100.0%)').waitFor();
      const counts = await page.locator('.precredit-counts').textContent();
      expect(counts).toMatch(/^白名单 \d+ · 排除 \d+ · 无法读取 0$/);
      await page.getByRole('table').filter({ hasText: 'SCORE_BELOW_CUTOFF' }).first().waitFor();
      await page.getByLabel('结果').selectOption('excluded');
      await page.getByLabel('原因').selectOption('SCORE_BELOW_CUTOFF');
      // The list shows exactly the reason's count once the filtered page has loaded.
      const n = await page.locator('table.precredit-reasons tr', { hasText: 'SCORE_BELOW_CUTOFF' }).locator('td').nth(1).textContent();
      await page.getByText(new RegExp(`第 1 页 / 共 \\d+ 页（${n} 条）`)).waitFor();
      const rows = page.locator('table.precredit-entries tbody tr');
      await rows.first().waitFor();
      for (const text of await rows.allTextContents()) expect(text).toContain('SCORE_BELOW_CUTOFF');
      expect(await page.locator('table.precredit-entries').textContent()).not.toMatch(/\d{17}[\dX]|1\d{10}/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-precredit-1280.png'), fullPage: true });
      await page.getByRole('link', { name: '返回批次列表' }).click();
      await page.locator('table.precredit-batches').getByText('precredit-customers.csv').waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
