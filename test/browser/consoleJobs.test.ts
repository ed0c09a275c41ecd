import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, shanghaiDateOf } from '../../core/index.js';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * An admin at /console → 作业, in Chromium against the real server with its job runner started: the
 * pg-boss queues (deadline.sweep with its dead-letter queue), the cron heartbeat in Asia/Shanghai,
 * the due-at rows, and 推进营业日 moving the sandbox's business date (audited). Other roles have no
 * such page, and the server refuses them the API.
 */
let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('console-jobs', { JOBS_POLL_MS: '1000' });
}, 90_000);

afterAll(async () => {
  await rig?.close();
});

describe(`console jobs page in Chromium (${testDatabaseKind()})`, () => {
  it('shows queues, schedules and due rows to admins and advances the business date', async () => {
    const context = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(30_000);
    try {
      // An agent has no 作业 page and the API refuses them.
      await rig!.login(page, 'kefu', 'Demo-Agent-2026');
      await page.getByRole('link', { name: '工单' }).first().waitFor();
      expect(await page.getByRole('link', { name: '作业' }).count()).toBe(0);
      expect((await page.request.get(`${rig!.server.url}/api/v1/staff/jobs`)).status()).toBe(403);
      await context.clearCookies();

      await rig!.login(page, 'admin', 'Demo-Root-2026');
      await page.getByRole('link', { name: '作业' }).click();
      const queues = page.getByRole('table', { name: '队列' });
      // deadline.sweep, its dead-letter queue named beside it, and that queue's own row.
      await queues.getByRole('row').filter({ has: page.getByRole('cell', { name: 'deadline.sweep', exact: true }) }).filter({ hasText: 'deadline.sweep.dead' }).waitFor();
      await queues.getByRole('row').filter({ has: page.getByRole('cell', { name: 'deadline.sweep.dead', exact: true }) }).first().waitFor();
      const schedules = page.getByRole('table', { name: '定时计划' });
      await schedules.getByRole('row').filter({ hasText: 'deadline.sweep' }).filter({ hasText: 'Asia/Shanghai' }).waitFor();
      // The payment recovery round waits in the Job table, fired by the sweep.
      await page.getByRole('table', { name: '到期任务（Job 表）' }).getByRole('cell', { name: 'payments.recovery' }).waitFor();

      const today = shanghaiDateOf(Date.now());
      await page.getByLabel('推进天数').fill('2');
      await page.getByRole('button', { name: '推进营业日' }).click();
      await page.getByRole('heading', { name: `营业日已推进到 ${addDays(today, 2)}。` }).waitFor();
      await page.getByText(`当前营业日：${addDays(today, 2)}（比系统时间快 2 天）`).waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-jobs-1280.png'), fullPage: true });

      // The move is in the audit log under the admin's name.
      await page.getByRole('link', { name: '审计日志' }).click();
      await page.getByLabel('操作（前缀）').fill('demo.');
      await page.getByRole('button', { name: '查询' }).click();
      await page.getByRole('table', { name: '审计日志' }).getByRole('row').filter({ hasText: 'demo.clock_advanced' }).filter({ hasText: '管理员' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
