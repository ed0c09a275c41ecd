import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { staffAuthHeaders, testDatabaseKind } from '../support/testDatabase.js';

/**
 * Work orders in the console, in Chromium against the real server: a borrower's 投诉 over the REST
 * chat appears in 小王's list without a reload; he opens it, takes it, is told a resolution is
 * needed, notes and resolves it; 李娜 (supervisor) sees the team view. Text the borrower typed is
 * shown as text.
 */
const artifacts = ARTIFACTS;

let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('work-orders');
}, 90_000);

afterAll(async () => {
  await rig?.close();
});

const login = (page: Page, username: string, password: string): Promise<void> => rig!.login(page, username, password);

describe(`work orders in the console, in Chromium (${testDatabaseKind()})`, () => {
  it('a complaint reaches the agent\'s list live; he takes, notes and resolves it; the supervisor sees the team', async () => {
    const contexts = await Promise.all([rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' }), rig!.browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'zh-CN' })]);
    const [agent, supervisor] = await Promise.all(contexts.map((c) => c.newPage()));
    const errors: string[] = [];
    for (const p of [agent!, supervisor!]) {
      p.on('pageerror', (e) => errors.push(e.message));
      p.setDefaultTimeout(30_000);
    }
    try {
      await login(agent!, 'kefu', 'Demo-Agent-2026');
      await agent!.getByRole('link', { name: '工单', exact: true }).click();
      const list = agent!.getByRole('table', { name: '工单' });
      await agent!.getByText('没有符合条件的工单。').waitFor();

      // A borrower complains over the REST chat; the list shows it without a reload.
      const res = await fetch(`${rig!.server.url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'wo-browser', messageId: 'c1', text: '我要投诉<img src=x onerror=alert(1)>' }) });
      expect(res.status).toBe(200);
      const number = /GD\d{8}-\d{4}/.exec(await res.text())![0];
      await list.getByRole('link', { name: `查看工单 ${number}` }).waitFor();
      await list.getByText('我要投诉<img src=x onerror=alert(1)>').waitFor();
      await agent!.screenshot({ path: path.join(artifacts, 'work-orders-list-1280.png'), fullPage: true });

      await list.getByRole('link', { name: `查看工单 ${number}` }).click();
      await agent!.getByRole('heading', { name: `工单 ${number}` }).waitFor();
      const facts = agent!.getByRole('region', { name: '工单信息' });
      await agent!.getByRole('button', { name: '由我处理' }).click();
      await facts.getByText('已分配', { exact: true }).waitFor();
      await agent!.getByRole('button', { name: '开始处理' }).click();
      await facts.getByText('处理中', { exact: true }).waitFor();

      // While 小王 types a note, the bank's system raises the order's priority: the page reloads live,
      // and what he types next still lands in the note box after what he had typed.
      const noteBox = agent!.getByLabel('添加备注（仅员工可见，不会发给客户）');
      await noteBox.click();
      await agent!.keyboard.type('已电话');
      const orderId = /#\/work-orders\/([0-9a-f-]{36})/.exec(agent!.url())![1]!;
      const shown = (await (await fetch(`${rig!.server.url}/api/v1/staff/work-orders/${orderId}`, { headers: staffAuthHeaders })).json()) as { workOrder: { version: number } };
      const raised = await fetch(`${rig!.server.url}/api/v1/staff/work-orders/${orderId}/priority`, {
        method: 'POST',
        headers: { ...staffAuthHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ priority: 'urgent', version: shown.workOrder.version }),
      });
      expect(raised.status).toBe(200);
      await facts.getByText('紧急', { exact: true }).waitFor();
      await agent!.keyboard.type('联系客户致歉');
      expect(await noteBox.inputValue()).toBe('已电话联系客户致歉');
      await agent!.getByRole('button', { name: '办结' }).click();
      await agent!.getByText(/办结工单须填写处理结果/).waitFor();
      await agent!.getByRole('button', { name: '添加备注' }).click();
      // Stored: the box empties once the server took the note. A click that landed while a live reload
      // replaced the page's nodes is lost, and a send that failed keeps the text; either is made again.
      await expect
        .poll(async () => {
          const left = await noteBox.inputValue();
          if (left) await agent!.getByRole('button', { name: '添加备注' }).click();
          return left;
        }, { interval: 2_000, timeout: 20_000 })
        .toBe('');
      await agent!.getByRole('region', { name: '处理记录' }).getByText('已电话联系客户致歉').waitFor();
      await agent!.getByLabel('处理结果（办结时必填）').fill('已致歉，并对当班客服进行辅导');
      await agent!.getByRole('button', { name: '办结' }).click();
      await facts.getByText('已致歉，并对当班客服进行辅导', { exact: true }).waitFor();
      const history = agent!.getByRole('region', { name: '处理记录' });
      await history.getByText(/待处理 → 已分配/).waitFor();
      await history.getByText(/已分配 → 处理中/).waitFor();
      await history.getByText(/处理中 → 已办结/).waitFor();
      await agent!.screenshot({ path: path.join(artifacts, 'work-order-detail-1280.png'), fullPage: true });

      await login(supervisor!, 'zhuguan', 'Demo-Supervisor-2026');
      await supervisor!.getByRole('link', { name: '团队看板' }).click();
      const team = supervisor!.getByRole('table', { name: '团队看板' });
      await team.getByRole('rowheader', { name: '小王（KF001）' }).waitFor();
      await supervisor!.screenshot({ path: path.join(artifacts, 'work-orders-team-768.png'), fullPage: true });

      // A second complaint, given to 小王 by the supervisor: his header says so at once, on whatever page he is.
      const again = await fetch(`${rig!.server.url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'wo-browser-2', messageId: 'c2', text: '投诉：还款后额度没有恢复' }) });
      const second = /GD\d{8}-\d{4}/.exec(await again.text())![0];
      await supervisor!.goto(`${rig!.server.url}/console#/work-orders`);
      await supervisor!.getByRole('link', { name: `查看工单 ${second}` }).click();
      await supervisor!.getByLabel('改派给').selectOption({ label: '小王（KF001）' });
      await supervisor!.getByRole('button', { name: '分配', exact: true }).click();
      const bell = agent!.getByRole('link', { name: '通知：1 条未读' });
      await bell.waitFor();
      await bell.click();
      await agent!.getByRole('list', { name: '通知' }).getByText(`工单 ${second} 已分配给您`).waitFor();
      await agent!.getByRole('button', { name: '全部标为已读' }).click();
      await agent!.getByRole('link', { name: '通知：0 条未读' }).waitFor();
      expect(errors).toEqual([]);
    } catch (e) {
      await agent!.screenshot({ path: path.join(artifacts, 'work-orders-failure-agent.png'), fullPage: true }).catch(() => undefined);
      await rig!.keepServerLog('work-orders-failure');
      throw e;
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
    }
  }, 180_000);
});
