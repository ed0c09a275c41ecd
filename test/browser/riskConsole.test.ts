import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, openDatabase } from '../../server/db/index.js';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { seedRiskScenario } from '../support/riskSeed.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * The risk view (风险预警) in Chromium against the real server: early-warning signals as the batch
 * stored them; 赵敏 (reviewer) lists them by level, filters by level and branch, clears the red
 * signal that froze 孙**'s line (it opens again) and confirms an orange one; 小王 (agent) has no
 * such page and the API refuses him; the admin finds both acts in the audit log.
 */
const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;
let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('risk-console', {}, {
    async seed(database) {
      const db = await openDatabase(database.target, { poolSize: 2 });
      try {
        await applyMigrations(db.adapterFactory);
        await seedRiskScenario(db.prisma);
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

describe(`the risk view in the console, in Chromium (${testDatabaseKind()})`, () => {
  it('a reviewer lists, filters, clears a red signal (the line opens again) and confirms an orange one; an agent is refused; both acts are audited', async () => {
    const errors: string[] = [];
    const zhaomin = await newPage();
    zhaomin.on('pageerror', (e) => errors.push(e.message));
    await rig!.login(zhaomin, 'shenpi', password('shenpi'));
    await zhaomin.getByRole('link', { name: '风险预警' }).click();
    const table = zhaomin.getByRole('table', { name: '风险预警' });
    await table.getByRole('row').nth(5).waitFor();
    expect(await table.getByRole('row').count()).toBe(6); // header + 5 open signals, red first
    await expect.poll(() => zhaomin.getByRole('group', { name: '预警级别' }).innerText()).toMatch(/红色 3[\s\S]*橙色 1[\s\S]*黄色 1/);
    expect(await table.getByRole('row').nth(1).innerText()).toContain('红色');
    await zhaomin.screenshot({ path: path.join(ARTIFACTS, 'risk-list.png') });

    // Filter: yellow only, then every level in branch 0736.
    await zhaomin.getByRole('button', { name: '黄色 1' }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await table.innerText()).toContain('账户资金明显下降');
    await zhaomin.getByRole('button', { name: '全部级别' }).click();
    await zhaomin.getByLabel('网点').selectOption('0736');
    await expect.poll(() => table.getByRole('row').count()).toBe(3);
    expect(await table.innerText()).toContain('王经理');

    // Clear the red signal that froze 孙**'s line: a false alarm; the warning's freeze is lifted.
    await table.getByRole('link', { name: '查看 孙** 的预警' }).first().click();
    await zhaomin.getByRole('heading', { name: '预警详情' }).waitFor();
    await zhaomin.getByText('暂停借款（预警暂停）').waitFor();
    expect(await zhaomin.locator('.risk-reasons').innerText()).toMatch(/行为评分偏低[\s\S]*Behaviour score below the warning threshold/);
    await zhaomin.screenshot({ path: path.join(ARTIFACTS, 'risk-detail.png') });
    await zhaomin.getByRole('button', { name: '排除预警' }).click();
    await expect.poll(() => zhaomin.locator('#status').innerText()).toContain('请先填写处理意见');
    await zhaomin.getByLabel('处理意见').fill('企业已恢复正常经营，核实为误报');
    await zhaomin.getByRole('button', { name: '排除预警' }).click();
    await expect.poll(() => zhaomin.locator('#status').innerText()).toContain('已排除预警，额度已恢复可用。');
    await zhaomin.getByText('正常可用').waitFor();
    await zhaomin.getByText('该预警已排除，不能再处理。').waitFor();

    // Confirm the orange signal.
    await zhaomin.getByRole('link', { name: '返回风险预警' }).click();
    await zhaomin.getByRole('button', { name: /橙色 1/ }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    await table.getByRole('link', { name: '查看 李** 的预警' }).click();
    await zhaomin.getByLabel('处理意见').fill('流水下降，已电话核实');
    await zhaomin.getByRole('button', { name: '确认风险' }).click();
    await expect.poll(() => zhaomin.locator('#status').innerText()).toContain('已确认风险。');
    await zhaomin.getByText('流水下降，已电话核实').waitFor();

    // 小王 (agent): no risk page in his navigation, the page refuses him, and so does the API.
    const xiaowang = await newPage();
    await rig!.login(xiaowang, 'kefu', password('kefu'));
    await xiaowang.getByRole('navigation').waitFor();
    await xiaowang.getByRole('link', { name: '会话队列' }).waitFor();
    expect(await xiaowang.getByRole('link', { name: '风险预警' }).count()).toBe(0);
    await xiaowang.goto(`${rig!.server.url}/console#/risk`);
    await xiaowang.getByText('您的角色无权查看此页面。').waitFor();
    expect(await xiaowang.evaluate(async () => (await fetch('/api/v1/staff/risk-signals')).status)).toBe(403);

    // The admin reads both acts in the audit log.
    const admin = await newPage();
    await rig!.login(admin, 'admin', password('admin'));
    await admin.getByRole('navigation').waitFor();
    const audit = await admin.evaluate(async () => (await (await fetch('/api/v1/staff/audit?action=risk_signal')).json()) as { entries: { action: string; detail: { note?: string; unfrozen?: boolean } }[] });
    expect(audit.entries.map((e) => e.action).sort()).toEqual(['risk_signal.cleared', 'risk_signal.confirmed']);
    expect(audit.entries.find((e) => e.action === 'risk_signal.cleared')!.detail).toMatchObject({ note: '企业已恢复正常经营，核实为误报', unfrozen: true });
    expect(errors).toEqual([]);
  });
});
