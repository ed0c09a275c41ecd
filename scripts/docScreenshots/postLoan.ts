/**
 * Screenshots for the staff guides' post-loan sections (docs/reviewer-guide.md 风险预警,
 * docs/admin-guide.md 作业, docs/work-orders-guide.md 还款咨询), taken in Chromium against the real
 * server on a throwaway database with the risk view's test data and two collection work orders.
 * Needs a CJK font (fonts-wqy-microhei). Run: `npx tsx scripts/docScreenshots/postLoan.ts`.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { applyMigrations, openDatabase } from '../../server/db/index.js';
import { DEMO_STAFF } from '../../server/staff/demoStaff.js';
import { startConsoleRig } from '../../test/support/consoleRig.js';
import { seedRiskScenario } from '../../test/support/riskSeed.js';

const IMAGES = path.resolve(import.meta.dirname, '..', '..', 'docs', 'images');
const password = (username: string): string => DEMO_STAFF.find((s) => s.username === username)!.password;

const rig = await startConsoleRig('doc-screenshots', { JOBS_POLL_MS: '1000' }, {
  async seed(database) {
    const db = await openDatabase(database.target, { poolSize: 2 });
    try {
      await applyMigrations(db.adapterFactory);
      const { overdue, quiet } = await seedRiskScenario(db.prisma);
      // Collection work orders as a borrower's 转人工 after a reminder opens them (workOrderEffects), with
      // the deadlines the default service level gives (15 / 240 working minutes, Mon–Fri 09:00–18:00):
      // one opened Friday 2026-12-04 17:50, one Saturday 10:00 (counted from Monday 09:00).
      const orders = [
        { number: 'GD20261204-0007', borrowerId: overdue.borrowerId, title: '转人工', at: '2026-12-04T17:50:00+08:00', respondBy: '2026-12-07T09:05:00+08:00', due: '2026-12-07T12:50:00+08:00' },
        { number: 'GD20261205-0002', borrowerId: quiet.borrowerId, title: '还款咨询（回复提醒转人工）', at: '2026-12-05T10:00:00+08:00', respondBy: '2026-12-07T09:15:00+08:00', due: '2026-12-07T13:00:00+08:00' },
      ];
      for (const o of orders) {
        await db.prisma.workItem.create({
          data: { number: o.number, kind: 'collection', borrowerId: o.borrowerId, title: o.title, reason: o.title, createdAt: new Date(o.at), firstResponseDueAt: new Date(o.respondBy), dueAt: new Date(o.due) },
        });
      }
      await db.prisma.workItem.create({ data: { number: 'GD20261205-0001', kind: 'complaint', title: '投诉', reason: '我要投诉', createdAt: new Date('2026-12-05T09:30:00+08:00'), firstResponseDueAt: new Date('2026-12-07T11:00:00+08:00'), dueAt: new Date('2026-12-08T09:00:00+08:00') } });
    } finally {
      await db.close();
    }
  },
});

async function newPage(): Promise<Page> {
  const context = await rig.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

try {
  // (a) 风险预警 list and (b) one red signal's page, as 赵敏 (reviewer).
  const reviewer = await newPage();
  await rig.login(reviewer, 'shenpi', password('shenpi'));
  await reviewer.getByRole('link', { name: '风险预警' }).click();
  const table = reviewer.getByRole('table', { name: '风险预警' });
  await table.getByRole('row').nth(5).waitFor();
  await reviewer.screenshot({ path: path.join(IMAGES, 'risk-signals-1280.png'), fullPage: true });
  await table.getByRole('link', { name: '查看 孙** 的预警' }).first().click();
  await reviewer.getByRole('heading', { name: '预警详情' }).waitFor();
  await reviewer.getByText('暂停借款（预警暂停）').waitFor();
  await reviewer.screenshot({ path: path.join(IMAGES, 'risk-signal-1280.png'), fullPage: true });

  // (d) The work-order list filtered to 还款咨询, as 小王 (agent).
  const agent = await newPage();
  await rig.login(agent, 'kefu', password('kefu'));
  await agent.getByRole('link', { name: '工单', exact: true }).click();
  await agent.getByLabel('类型').selectOption('collection');
  await agent.getByRole('table', { name: '工单' }).getByRole('link', { name: '查看工单 GD20261205-0002' }).waitFor();
  await agent.waitForTimeout(500);
  await agent.screenshot({ path: path.join(IMAGES, 'work-orders-collection-1280.png'), fullPage: true });

  // (c) 作业 with the job runner on, as the admin. Taken before 推进营业日: the advance's result card
  // prints each job's summary as one unwrapped JSON line, wider than 1280 px.
  const admin = await newPage();
  await rig.login(admin, 'admin', password('admin'));
  await admin.getByRole('link', { name: '作业' }).click();
  await admin.getByRole('table', { name: '队列' }).getByRole('cell', { name: 'deadline.sweep', exact: true }).waitFor();
  await admin.getByRole('table', { name: '定时计划' }).getByRole('row').filter({ hasText: 'postloan.eod' }).waitFor();
  await admin.getByRole('table', { name: '到期任务（Job 表）' }).getByRole('cell', { name: 'payments.recovery' }).waitFor();
  await admin.screenshot({ path: path.join(IMAGES, 'console-jobs-1280.png'), fullPage: true });
} finally {
  await rig.close();
}
