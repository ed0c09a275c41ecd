import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * An admin at /console, in Chromium against the real server (`npm start`'s entry with its demo staff):
 * creates an account whose one-time password is shown once, the new person logs in with it, the admin
 * disables them and their console goes back to the login page at their next request; the audit page
 * shows all of it by name and exports it as CSV.
 */
const artifacts = ARTIFACTS;

let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('console-admin');
}, 90_000);

afterAll(async () => {
  await rig?.close();
});

const login = (page: Page, username: string, password: string): Promise<void> => rig!.login(page, username, password);

describe(`console for admins in Chromium (${testDatabaseKind()})`, () => {
  it('creates an account, the person logs in with the one-time password, is disabled, and the audit log shows it', async () => {
    const adminContext = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const personContext = await rig!.browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'zh-CN' });
    const admin = await adminContext.newPage();
    const person = await personContext.newPage();
    const errors: string[] = [];
    for (const p of [admin, person]) {
      p.on('pageerror', (e) => errors.push(e.message));
      p.setDefaultTimeout(30_000);
    }
    try {
      await login(admin, 'admin', 'Demo-Root-2026');
      await admin.getByRole('link', { name: '员工账号' }).click();
      const accounts = admin.getByRole('table', { name: '员工账号' });
      await accounts.getByRole('cell', { name: 'kefu', exact: true }).waitFor();

      await admin.getByLabel('用户名').fill('liuyang');
      await admin.getByLabel('姓名').fill('刘洋');
      await admin.getByLabel('工号').fill('KF088');
      await admin.getByLabel('网点/部门').fill('0736-01');
      await admin.getByLabel('客服', { exact: true }).check();
      await admin.getByRole('button', { name: '新建账号' }).click();
      const secret = admin.getByRole('status').filter({ hasText: '一次性密码' });
      await secret.waitFor();
      const oneTime = /一次性密码：(\S+)（只显示这一次）/.exec(await secret.innerText())?.[1];
      expect(oneTime, await secret.innerText()).toBeTruthy();
      await accounts.getByRole('cell', { name: 'liuyang', exact: true }).waitFor();
      await admin.screenshot({ path: path.join(artifacts, 'console-accounts-1280.png') });

      // The new person logs in with it and sees their own name and 工号.
      await login(person, 'liuyang', oneTime!);
      await person.getByText('刘洋').first().waitFor();
      await person.getByText('工号 KF088').waitFor();

      // Disabled: the session ends on the server, so the person's next request lands on the login page.
      admin.once('dialog', (d) => void d.accept());
      await accounts.getByRole('row').filter({ hasText: 'liuyang' }).getByRole('button', { name: '停用 liuyang' }).click();
      await accounts.getByRole('row').filter({ hasText: 'liuyang' }).getByText('已停用').waitFor();
      await person.reload();
      await person.getByRole('button', { name: '登录' }).waitFor();

      // The audit log names who did each of these, filtered to staff acts.
      await admin.getByRole('link', { name: '审计日志' }).click();
      await admin.getByLabel('操作（前缀）').fill('staff.');
      await admin.getByRole('button', { name: '查询' }).click();
      const log = admin.getByRole('table', { name: '审计日志' });
      await log.getByRole('row').filter({ hasText: 'staff.account_created' }).filter({ hasText: '管理员' }).first().waitFor();
      await log.getByRole('row').filter({ hasText: 'staff.account_disabled' }).first().waitFor();
      await log.getByRole('row').filter({ hasText: 'staff.login' }).filter({ hasText: '刘洋' }).first().waitFor();
      await admin.screenshot({ path: path.join(artifacts, 'console-audit-1280.png') });

      // The export is what the filter shows, as CSV a spreadsheet reads (BOM), fetched with the admin's cookie.
      const href = await admin.getByRole('link', { name: '导出 CSV' }).getAttribute('href');
      expect(href).toContain('action=staff.');
      const csv = await admin.request.get(`${rig!.server.url}${href!}`);
      expect(csv.status()).toBe(200);
      const text = await csv.text();
      expect(text.charCodeAt(0)).toBe(0xfeff);
      expect(text).toContain('staff.account_disabled');
      expect(text).not.toContain('conversation.');
      expect(errors).toEqual([]);
    } finally {
      await adminContext.close();
      await personContext.close();
    }
  }, 120_000);
});
