import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startConsoleRig, type ConsoleRig } from '../support/consoleRig.js';
import { testDatabaseKind } from '../support/testDatabase.js';

/**
 * An agent's console and a borrower's web chat side by side, in Chromium against the real server
 * (`npm start`'s entry, demo staff): the borrower asks for a person and the request appears in the
 * agent's 待接入 queue without a reload; the agent opens it, takes over, replies with a canned reply
 * and hands back; the borrower sees the reply as a person's and finishes a step with the bot. What
 * the borrower typed — markup and a template expression — shows as text in the queue and transcript.
 */
const artifacts = ARTIFACTS;
const XSS = '<img src=x onerror=alert(1)>';
const TEMPLATE = '{{7*7}}';

let rig: ConsoleRig | undefined;

beforeAll(async () => {
  rig = await startConsoleRig('console');
}, 90_000);

afterAll(async () => {
  await rig?.close();
});

const login = (page: Page, username: string, password: string): Promise<void> => rig!.login(page, username, password);

describe(`console for agents in Chromium (${testDatabaseKind()})`, () => {
  it('a request for a person reaches the queue live; the agent takes over, replies and hands back; markup stays text', async () => {
    const agentContext = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const borrowerContext = await rig!.browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN' });
    const agent = await agentContext.newPage();
    const borrower = await borrowerContext.newPage();
    const errors: string[] = [];
    const dialogs: string[] = [];
    for (const p of [agent, borrower]) {
      p.on('pageerror', (e) => errors.push(e.message));
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      p.setDefaultTimeout(30_000);
    }
    try {
      // A manager (no live feed for that role) logs in and stays logged in: no queue, no feed, no bounce to the login page.
      const managerContext = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      try {
        const manager = await managerContext.newPage();
        manager.on('pageerror', (e) => errors.push(e.message));
        await login(manager, 'jingli', 'Demo-Manager-2026');
        await manager.getByRole('banner').getByText('张伟').waitFor();
        await manager.waitForTimeout(1_500);
        await manager.screenshot({ path: path.join(artifacts, 'console-manager-1280.png') });
        expect(await manager.getByRole('button', { name: '登录', exact: true }).count(), await manager.locator('body').innerText()).toBe(0);
        expect(await manager.getByRole('link', { name: '会话队列' }).count()).toBe(0);
      } finally {
        await managerContext.close();
      }

      // The agent logs in and lands on the queue: name, 工号 and role in the header.
      await login(agent, 'kefu', 'Demo-Agent-2026');
      const banner = agent.getByRole('banner');
      await banner.getByText('小王').waitFor();
      await banner.getByText('工号 KF001').waitFor();
      await banner.getByText('客服').waitFor();
      const waitingTab = agent.locator('[data-view="requested"]');
      await waitingTab.waitFor();
      await expect(waitingTab.getAttribute('aria-current')).resolves.toBe('page');
      const queue = agent.getByRole('table', { name: '待接入会话列表' });
      await queue.waitFor();
      expect(await queue.locator('tbody tr').count()).toBe(0);
      await expect(agent.locator('[data-count="requested"]').innerText()).resolves.toBe('0');

      // The borrower, on the web chat: markup first, then asks for a person, then a template expression.
      await borrower.goto(`${rig!.server.url}/`);
      const chat = borrower.getByRole('log', { name: '对话记录' });
      await chat.locator('.msg.welcome').waitFor();
      const type = async (text: string) => {
        const input = borrower.getByLabel('输入消息', { exact: true });
        await input.fill(text);
        await input.press('Enter');
        await chat.locator('.msg-borrower').filter({ hasText: text }).last().waitFor();
      };
      await type(XSS);
      await type('转人工');
      await chat.locator('.msg-bot').filter({ hasText: '人工' }).last().waitFor();

      // It appears in the agent's 待接入 queue without a reload.
      const row = queue.locator('tbody tr');
      await row.first().waitFor();
      expect(await row.count()).toBe(1);
      await expect(agent.locator('[data-count="requested"]').innerText()).resolves.toBe('1');
      await row.first().getByText('等待人工').waitFor();
      await type(TEMPLATE);
      // The row follows what the borrower writes: the template expression, as text.
      await row.first().locator('.last-text').filter({ hasText: TEMPLATE }).waitFor();
      expect(await row.first().locator('.last-text').innerText()).toBe(TEMPLATE);
      expect(await queue.locator('img').count()).toBe(0);
      await agent.screenshot({ path: path.join(artifacts, 'console-queue-1280.png') });

      // The agent opens it: the transcript shows what the borrower typed, literally.
      await row.first().getByRole('link').click();
      const transcript = agent.getByRole('log', { name: '对话记录' });
      await transcript.locator('.msg-borrower').filter({ hasText: TEMPLATE }).waitFor();
      const typed = await transcript.locator('.msg-borrower .text').allInnerTexts();
      expect(typed).toEqual([XSS, '转人工', TEMPLATE]);
      expect(await transcript.locator('img').count()).toBe(0);
      expect(await transcript.innerText()).not.toContain('49');

      // Takes over: the borrower is told who serves them; the console says it is the agent's.
      await agent.getByRole('button', { name: '接管对话' }).click();
      await agent.getByText('您正在接待').waitFor();
      await chat.locator('.msg').filter({ hasText: '小王' }).filter({ hasText: 'KF001' }).last().waitFor();

      // Replies with a canned reply ("/wait"), sent as a person's message.
      const reply = agent.getByRole('combobox', { name: '回复客户' });
      await reply.fill('/');
      const cannedList = agent.getByRole('listbox', { name: '快捷回复' });
      // "/" lists this conversation's language's replies; the arrows choose one.
      await expect(cannedList.getByRole('option').count()).resolves.toBe(4);
      await reply.press('ArrowDown');
      await expect(cannedList.getByRole('option', { selected: true }).getAttribute('data-shortcut')).resolves.toBe('due');
      await reply.pressSequentially('wait');
      await expect(cannedList.getByRole('option').count()).resolves.toBe(1);
      await reply.press('Enter');
      await expect(reply.inputValue()).resolves.toBe('好的，我正在为您查询，请稍候。');
      await reply.press('Enter');
      const fromPerson = chat.locator('.msg-staff').filter({ hasText: '好的，我正在为您查询，请稍候。' });
      await fromPerson.waitFor();
      await expect(fromPerson.locator('.sender-name').innerText()).resolves.toContain('小王');
      await transcript.locator('.msg-staff').filter({ hasText: '好的，我正在为您查询' }).waitFor();
      await agent.screenshot({ path: path.join(artifacts, 'console-conversation-1280.png') });

      // A supervisor opens the same conversation: each sees the other; the supervisor sees who serves it and cannot take over.
      const supervisorContext = await rig!.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      try {
        const supervisor = await supervisorContext.newPage();
        supervisor.on('pageerror', (e) => errors.push(e.message));
        supervisor.setDefaultTimeout(30_000);
        await login(supervisor, 'zhuguan', 'Demo-Supervisor-2026');
        await supervisor.getByRole('banner').getByText('李娜').waitFor();
        await supervisor.goto(`${rig!.server.url}/console${new URL(agent.url()).hash}`);
        await supervisor.getByText('小王（KF001） 正在接待').waitFor();
        await supervisor.getByText('小王（KF001） 也在查看此对话').waitFor();
        expect(await supervisor.getByRole('button', { name: '接管对话' }).isDisabled()).toBe(true);
        await agent.getByText('李娜（ZG001） 也在查看此对话').waitFor();
      } finally {
        await supervisorContext.close();
      }

      // A private note: stored once however fast the button is pressed twice; the box empties once it
      // is stored; staff see it, the borrower never does.
      const noteText = '客户希望下午回电（内部）';
      const noteForm = agent.getByRole('form', { name: '内部备注' });
      await noteForm.getByRole('textbox').fill(noteText);
      await noteForm.getByRole('button', { name: '添加备注' }).dblclick();
      await agent.locator('ul.notes li').filter({ hasText: noteText }).waitFor();
      await expect(noteForm.getByRole('textbox').inputValue()).resolves.toBe('');
      const conversationId = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(agent.url())![0];
      // A second send would have been answered by now too.
      await agent.waitForTimeout(500);
      const stored = (await (await agent.context().request.get(`${rig!.server.url}/api/v1/staff/conversations/${conversationId}/notes`)).json()) as { notes: { text: string }[] };
      expect(stored.notes.filter((n) => n.text === noteText)).toHaveLength(1);
      expect(await agent.locator('ul.notes li').filter({ hasText: noteText }).count()).toBe(1);
      expect(await chat.getByText(noteText).count()).toBe(0);

      // Hands back: the bot says so and resumes; the borrower finishes a step with it.
      await agent.getByRole('button', { name: '交还机器人' }).click();
      await agent.getByRole('button', { name: '接管对话' }).and(agent.locator(':enabled')).waitFor();
      const botAfter = chat.locator('.msg-bot').last();
      await botAfter.waitFor();
      const optionsGroup = chat.getByRole('group', { name: '快捷回复' }).last();
      await optionsGroup.getByRole('button', { name: '申请额度' }).click();
      await chat.locator('.msg-bot').filter({ hasText: '请选择要申请的产品' }).last().waitFor();
      // The console shows the tapped option by its label, not its value, as the bot moves on.
      await transcript.locator('.msg-borrower').filter({ hasText: '申请额度' }).waitFor();
      await transcript.locator('.msg-bot').filter({ hasText: '请选择要申请的产品' }).waitFor();

      // English, complete: the same page in the other language.
      await agent.getByRole('button', { name: 'Switch to English' }).click();
      await agent.getByRole('button', { name: 'Take over' }).waitFor();
      await agent.getByRole('log', { name: 'Transcript' }).locator('.msg-staff').filter({ hasText: '好的，我正在为您查询' }).waitFor();
      await agent.getByRole('navigation').getByRole('link', { name: 'Queue', exact: true }).waitFor();
      await agent.getByRole('button', { name: '切换到中文' }).click();
      await agent.getByRole('button', { name: '接管对话' }).waitFor();

      // Usable at 768 px: the page reflows to one column, nothing overflows sideways.
      await agent.setViewportSize({ width: 768, height: 1024 });
      const overflow = await agent.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await agent.screenshot({ path: path.join(artifacts, 'console-conversation-768.png'), fullPage: true });

      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await agentContext.close();
      await borrowerContext.close();
    }
  }, 180_000);
});
