import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, openDatabase } from '../../server/db/index.js';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { seedFunnelScenario } from '../support/studioFunnelSeed.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * The dashboards (运营看板) in Chromium against the real server, on the funnels' seeded week: the
 * supervisor picks the period, sees the charts drawn (SVG), the portfolio in 万元 and 亿元, the
 * warnings and the collection queue, the campaigns' performance, and downloads a table as CSV for
 * Excel; a manager sees only their applications and campaigns.
 */
const password = (username: string) => DEMO_STAFF.find((s) => s.username === username)!.password;
let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('dashboard-console', {}, {
    async seed(database) {
      const db = await openDatabase(database.target, { poolSize: 2 });
      try {
        await applyMigrations(db.adapterFactory);
        await seedFunnelScenario(db.prisma);
      } finally {
        await db.close();
      }
    },
  });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // A chart library writing inline styles the page's CSP forbids would show here.
  page.on('console', (m) => {
    // (The shell's first look for a session, before logging in, is a 401.)
    if (m.type() === 'error' && !m.text().includes('401')) problems.push(m.text());
  });
  return { page, problems };
}

describe(`the dashboards in the console, in Chromium (${testDatabaseKind()})`, () => {
  it('a supervisor sees charts and tables in 万 and 亿 for the chosen week, and downloads a table as CSV', async () => {
    const { page, problems } = await newPage();
    await rig!.login(page, 'zhuguan', password('zhuguan'));
    await page.getByRole('link', { name: '运营看板' }).click();
    await page.getByRole('heading', { name: '运营看板', level: 2 }).waitFor();
    await page.getByLabel('开始日期').fill('2026-12-01');
    await page.getByLabel('结束日期').fill('2026-12-07');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('统计期间 2026-12-01 至 2026-12-07').waitFor();

    // The portfolio from the two snapshots, newest first: limits 3亿元, outstanding 1.3亿元, M1 200万元.
    const portfolio = page.getByRole('table', { name: '资产组合' });
    await portfolio.getByRole('row').nth(2).waitFor();
    const newest = await portfolio.getByRole('row').nth(1).innerText();
    expect(newest).toMatch(/2026-12-06\s+3亿元\s+1\.3亿元\s+43\.33%\s+1\.2万\s+1\.56万\s+/);
    expect(newest).toContain('200万元');
    expect(await portfolio.getByRole('row').nth(2).innerText()).toContain('1.25亿元');

    // Applications by channel, warnings, collection and campaigns.
    expect(await page.getByRole('table', { name: '按渠道' }).innerText()).toMatch(/网页\s+1\s+1\s+1\s+1\s+100%/);
    expect(await page.getByRole('table', { name: '预警级别' }).innerText()).toMatch(/红色\s+1\s+0\s+0/);
    await page.getByText('催收工单：待分配 1，已分配 0，处理中 1，已超时 1；本期已解决 1').waitFor();
    const campaigns = page.getByRole('table', { name: '营销活动效果' });
    expect(await campaigns.getByRole('row').nth(2).innerText()).toMatch(/春耕贷[\s\S]*发送中\s+4\s+3\s+5\s+2\s+1\s+1\s+166\.67%\s+40%\s+50%\s+100%/);

    // Every chart is drawn as SVG with its bars or lines.
    const charts = page.locator('.chart[role="img"]');
    await expect.poll(() => charts.count()).toBe(6);
    // Each chart's first series is drawn in the bank's red (the axes are grey).
    for (const name of ['按日申请转化', '贷款余额与授信额度', '逾期分布（余额）', '预警级别', '各逾期档户数与余额', '营销活动效果']) {
      await expect.poll(() => page.locator(`.chart[aria-label="${name}"] svg`).innerHTML()).toMatch(/#c8102e|rgb\(200,\s*16,\s*46\)/i);
    }
    expect(await page.locator('.chart[aria-label="营销活动效果"] svg').innerHTML()).toContain('春耕贷');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboards.png'), fullPage: true });

    // The campaigns table as CSV: BOM, Chinese headers first, the week's figures.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '导出“营销活动效果”CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('campaigns-2026-12-01-2026-12-07.csv');
    const body = await readFile((await download.path())!);
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = body.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]).toMatch(/^活动编码 Code,活动名称 Name,/);
    expect(lines).toContain('CG2026,春耕贷,running,4,3,5,2,1,1,75.00%,166.67%,40.00%,50.00%,100.00%');

    // The warning summary links to the risk view.
    await page.getByRole('link', { name: '查看预警列表' }).click();
    await page.getByRole('table', { name: '风险预警' }).waitFor();
    expect(problems.join('\n')).toBe('');
    await page.context().close();
  }, 90_000);

  it('in English the same figures read in K, M and B', async () => {
    const { page, problems } = await newPage();
    await rig!.login(page, 'zhuguan', password('zhuguan'));
    await page.getByRole('link', { name: '运营看板' }).click();
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByLabel('From').fill('2026-12-01');
    await page.getByLabel('To').fill('2026-12-07');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('Period 2026-12-01 to 2026-12-07').waitFor();
    const portfolio = page.getByRole('table', { name: 'Portfolio' });
    await portfolio.getByRole('row').nth(2).waitFor();
    expect(await portfolio.getByRole('row').nth(1).innerText()).toMatch(/2026-12-06\s+¥300M\s+¥130M\s+43\.33%\s+12K\s+15\.6K\s+/);
    await expect.poll(() => page.locator('.chart[aria-label="Outstanding and limits"] svg').innerHTML()).toContain('Outstanding');
    expect(problems.join('\n')).toBe('');
    await page.context().close();
  }, 60_000);

  it('a manager sees only their applications and campaigns', async () => {
    const { page, problems } = await newPage();
    await rig!.login(page, 'jingli', password('jingli'));
    await page.getByRole('link', { name: '运营看板' }).click();
    await page.getByRole('heading', { name: '运营看板', level: 2 }).waitFor();
    await page.getByRole('table', { name: '按渠道' }).waitFor();
    await page.getByRole('table', { name: '营销活动效果' }).waitFor();
    expect(await page.getByRole('table', { name: '资产组合' }).count()).toBe(0);
    expect(await page.locator('section[aria-label="风险预警"]').count()).toBe(0);
    expect(problems.join('\n')).toBe('');
    await page.context().close();
  });
});
