import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { createTestDatabase, staffAuthHeaders, TEST_STAFF_TOKEN, testDatabaseKind, type TestDatabase } from '../support/testDatabase.js';

/**
 * A borrower goes through the whole journey on the real page, in Chromium (which one:
 * ../support/chromium.ts), against the real server (`npm start`'s entry, the lending conversation,
 * sandbox providers): application → authorisation → offer → drawdown → repayment, by clicking and
 * typing, with a reload in the middle.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const artifacts = path.join(root, 'test-artifacts');
const OTP = '123456';

let server: ChildProcess | undefined;
let serverLog = '';
let baseUrl = '';
let browser: Browser | undefined;
let database: TestDatabase | undefined;
let dataDir: string | undefined;

/** Starts `tsx server/main.ts` on a free port and resolves with its URL once it listens. */
function startServer(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['server/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
    });
    server = child;
    const timer = setTimeout(() => reject(new Error(`the server did not start within 45 s:\n${serverLog.slice(-3000)}`)), 45_000);
    const onData = (d: Buffer) => {
      serverLog += d.toString();
      const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(serverLog)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${serverLog.slice(-3000)}`));
    });
  });
}

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  database = await createTestDatabase({ persistent: true });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-browser-'));
  baseUrl = await startServer({ DATABASE_URL: database.url, KUAIDAI_DATA_DIR: dataDir, SANDBOX_OTP_CODE: OTP, STAFF_API_TOKEN: TEST_STAFF_TOKEN });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** What the conversation shows: each bubble's text (cards and quick replies included), in order. */
const bubbles = (page: Page) => page.getByRole('log').locator('.msg').allInnerTexts();

/** The staff API, as the bank's own system calls it (the service account of STAFF_API_TOKEN). */
const staffApi = async (method: 'GET' | 'POST', url: string, body?: object): Promise<unknown> => {
  const res = await fetch(`${baseUrl}/api/v1/staff${url}`, { method, headers: { ...staffAuthHeaders, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
};

/**
 * Records the page's sockets, and lets a test hold the page offline: while `__kdOffline` is set a new
 * socket is closed before it opens, as when the network is down.
 */
const socketControl = () => {
  const w = window as unknown as { __kdSockets: WebSocket[]; __kdOffline: boolean; WebSocket: typeof WebSocket };
  const Original = w.WebSocket;
  w.__kdSockets = [];
  w.__kdOffline = false;
  w.WebSocket = class extends Original {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      w.__kdSockets.push(this);
      if (w.__kdOffline) queueMicrotask(() => this.close());
    }
  };
};

describe(`web chat in Chromium (${testDatabaseKind()})`, () => {
  it('takes a borrower from application to repayment by clicking and typing, through a reload', async () => {
    const context = await browser!.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, locale: 'zh-CN' });
    await context.addInitScript(socketControl);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Generous: under a full parallel `npm test` on two cores a turn can take seconds.
    page.setDefaultTimeout(30_000);
    try {
      await page.goto(`${baseUrl}/?ref=mgr-0736`);
      const log = page.getByRole('log', { name: '对话记录' });
      const lastBotSays = (text: string | RegExp) => log.locator('.msg-bot').filter({ hasText: text }).last().waitFor();
      const tap = async (name: string | RegExp) => {
        await log.getByRole('group', { name: '快捷回复' }).getByRole('button', { name }).click();
      };
      const type = async (label: string, text: string) => {
        const input = page.getByLabel(label, { exact: true });
        await input.pressSequentially(text);
        await input.press('Enter');
      };

      // Landmarks and a labelled input, as a screen reader finds them.
      await expect(page.getByRole('banner').getByRole('heading', { name: '快贷助手' }).isVisible()).resolves.toBe(true);
      await page.getByRole('main').waitFor();
      await page.getByRole('form', { name: '发送消息' }).waitFor();

      // The assistant's own greeting is the page's welcome, with the rate this person could get
      // (the personal product's floor, not the business product's), and it is said once only.
      const welcome = log.locator('.msg.welcome');
      await welcome.filter({ hasText: '您好，我是快贷助手' }).waitFor();
      await expect(welcome.textContent()).resolves.toContain('年化利率（单利）6.48% 起');
      expect(await welcome.textContent()).not.toContain('4.00%');

      // Application.
      await tap('申请额度');
      await lastBotSays('请选择要申请的产品');
      await log.locator('.msg-borrower').filter({ hasText: '申请额度' }).waitFor();
      expect(await log.locator('.msg').filter({ hasText: '您好，我是快贷助手' }).count(), 'the greeting is said once').toBe(0);
      await tap('常德快贷·个人贷(演示)');
      await lastBotSays('请输入您的真实姓名');
      await type('输入消息', '陈思远');
      await lastBotSays('18位身份证号');
      const idInput = page.getByLabel('身份证号（输入时自动遮挡）', { exact: true });
      await idInput.pressSequentially('430702198605');
      expect(await idInput.inputValue()).toBe('430702******');
      await idInput.pressSequentially('120230');
      expect(await idInput.inputValue()).toBe('430702********0230');
      await idInput.press('Enter');
      await lastBotSays('请输入您本人实名的手机号');
      await log.locator('.msg-borrower').filter({ hasText: '430702********0230' }).waitFor();
      expect(await page.content()).not.toContain('430702198605120230');
      await type('手机号', '13807360001');
      await lastBotSays('请输入6位短信验证码');
      const sessionCookie = async () => (await context.cookies()).find((c) => c.name === 'kd_session')?.value;
      const beforeCode = await sessionCookie();
      await type('短信验证码', OTP);
      await lastBotSays('请选择借款用途');
      // The code verified, the session got a new id: the page took the new cookie (the reload below keeps the conversation).
      await expect.poll(sessionCookie).not.toBe(beforeCode);
      expect(await sessionCookie()).toMatch(/^s1\./);
      await tap('家庭装修');
      // The tapped option reads as its label, not its value.
      await log.locator('.msg-borrower').filter({ hasText: '家庭装修' }).waitFor();
      await type('金额', '20万');
      await lastBotSays('请确认您的申请信息');
      await tap('确认提交');

      // Authorisation: the consent card lists its sources and scrolls its text.
      const consent = log.getByRole('article', { name: '数据查询授权' });
      await consent.waitFor();
      expect(await consent.getByRole('listitem').count()).toBe(4);
      await expect(consent.getByRole('region', { name: '授权书全文' }).textContent()).resolves.toMatch(/个人信息查询及使用授权书/);
      await tap('同意全部授权');

      // The offer: APR first and the largest number on the card.
      const offer = log.getByRole('article', { name: '常德快贷·个人贷(演示)' });
      await offer.waitFor();
      await offer.scrollIntoViewIfNeeded();
      const aprText = await offer.locator('.apr-value').textContent();
      // The APR is the range over the product's methods and terms, and the card says so.
      expect(aprText).toMatch(/^\d+\.\d{2}%(–\d+\.\d{2}%)?$/);
      await expect(offer.locator('.apr-basis').textContent()).resolves.toMatch(/随还款方式和期限而定/);
      // Two dates, each saying what it is.
      await expect(offer.textContent()).resolves.toMatch(/额度有效期至\d{4}-\d{2}-\d{2}/);
      await expect(offer.locator('.deadline').textContent()).resolves.toMatch(/^确认期限：请在 \d{4}-\d{2}-\d{2} 前确认开通，逾期本次额度失效$/);
      const sizes = await offer.evaluate((card) =>
        Array.from(card.querySelectorAll('*'))
          .filter((el) => el.children.length === 0 && /\d/.test(el.textContent ?? ''))
          .map((el) => ({ text: el.textContent, size: parseFloat(getComputedStyle(el).fontSize) })),
      );
      const apr = sizes.find((s) => s.text === aprText)!;
      for (const other of sizes.filter((s) => s !== apr)) expect(apr.size, `${other.text} is as large as the APR`).toBeGreaterThan(other.size);
      expect(sizes.map((s) => s.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^¥179,000\.00$/)]));
      await offer.screenshot({ path: path.join(artifacts, 'offer-card-375.png') });

      // Reload mid-flow: the same bubbles, in the same order, none twice, none lost.
      const before = await bubbles(page);
      const seqsBefore = await log.locator('.msg[data-seq]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
      await page.reload();
      await log.getByRole('article', { name: '常德快贷·个人贷(演示)' }).waitFor();
      await expect.poll(() => bubbles(page), { timeout: 10_000 }).toEqual(before);
      const seqsAfter = await log.locator('.msg[data-seq]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
      expect(seqsAfter).toEqual(seqsBefore);
      expect(new Set(seqsAfter).size).toBe(seqsAfter.length);

      // The worked example names its basis, sits in the offer's range, and carries the offer's options itself.
      await tap('查看还款示例');
      const example = log.locator('.msg-bot').last();
      await example.getByRole('article', { name: '还款计划' }).waitFor();
      // (The range's ends are daily methods: they move with the calendar, so the test reads them off the card.)
      const exampleText = (await example.locator('.text').textContent())!;
      expect(exampleText).toContain(`等额本息 12期，年化利率（APR）6.68%（单利 6.48%），在上面 ${aprText} 的范围内`);
      await example.getByRole('group', { name: '快捷回复' }).getByRole('button', { name: '接受额度' }).waitFor();
      expect(await log.locator('.msg-bot .text').filter({ hasText: /^请选择：$/ }).count(), 'no bubble that only says 请选择：').toBe(0);

      // Accept the offer and sign.
      await tap('接受额度');
      await lastBotSays('我已阅读并同意');
      await tap('我已阅读并同意');
      await lastBotSays('额度已开通');

      // Drawdown: the schedule is a table.
      await tap('借款用款');
      await lastBotSays('请输入借款金额');
      await type('金额', '3万');
      await tap('12期');
      await tap('等额本息');
      const schedule = log.getByRole('article', { name: '还款计划' }).last();
      await schedule.waitFor();
      const table = schedule.getByRole('table');
      await expect(table.getByRole('columnheader', { name: '还款日' }).count()).resolves.toBe(1);
      await expect(table.getByRole('columnheader', { name: '剩余本金' }).count()).resolves.toBe(1);
      // Three instalments first; the whole schedule opens before confirming, and every column fits 375 px.
      expect(await table.locator('tbody tr:visible').count()).toBe(3);
      // Under load the card may still be settling (history replayed after the reload): click until it opens.
      await expect
        .poll(
          async () => {
            const shown = await table.locator('tbody tr:visible').count();
            if (shown < 12) await schedule.getByRole('button', { name: '展开全部 12 期' }).click({ timeout: 2_000 }).catch(() => undefined);
            return shown;
          },
          { timeout: 15_000, interval: 500 },
        )
        .toBe(12);
      const fit = await schedule.evaluate((card) => {
        const scroll = card.querySelector('.table-scroll')!;
        const right = card.getBoundingClientRect().right;
        const cells = Array.from(card.querySelectorAll('th, td')).map((c) => c.getBoundingClientRect().right);
        return { overflow: scroll.scrollWidth - scroll.clientWidth, widest: Math.max(...cells), right, viewport: window.innerWidth };
      });
      expect(fit.overflow, 'the table scrolls sideways').toBeLessThanOrEqual(0);
      expect(fit.widest).toBeLessThanOrEqual(fit.right);
      expect(fit.right).toBeLessThanOrEqual(fit.viewport);
      // The whole card in one picture: a taller window, as wide as the phone.
      await page.setViewportSize({ width: 375, height: 2400 });
      await schedule.scrollIntoViewIfNeeded();
      await schedule.screenshot({ path: path.join(artifacts, 'schedule-card-375.png') });
      await page.setViewportSize({ width: 375, height: 812 });
      await tap('确认借款');
      // The step-up: a fresh SMS code to the mobile on file before the money moves.
      await log.getByText(/需要短信确认/).waitFor();
      await type('短信验证码', OTP);
      const drawdown = log.getByRole('article', { name: '放款凭证' });
      await drawdown.waitFor();
      await expect(drawdown.textContent()).resolves.toContain('¥30,000.00');
      // A receipt ends with what to do next.
      const afterDrawdown = log.locator('.msg-bot').last();
      await expect(afterDrawdown.locator('.text').textContent()).resolves.toMatch(/首期 \d{4}-\d{2}-\d{2} 应还 ¥[\d,]+\.\d{2}，到期从该卡自动扣款/);
      await afterDrawdown.getByRole('group', { name: '快捷回复' }).getByRole('button', { name: '额度与账单' }).waitFor();

      // Repayment.
      await type('输入消息', '还款');
      await log.getByRole('article', { name: '我的额度' }).last().waitFor();
      await tap(/^提前还下一期/);
      await lastBotSays('确认还款吗');
      await tap('确认还款');
      const repaid = log.getByRole('article', { name: '还款凭证' });
      await repaid.waitFor();
      await lastBotSays('还款成功');
      await log.locator('.msg-bot').last().getByRole('group', { name: '快捷回复' }).getByRole('button', { name: '返回主菜单' }).waitFor();

      // Offline, nobody is typing: the message waits, "typing…" stays hidden until the connection is back.
      await page.evaluate(() => {
        const w = window as unknown as { __kdSockets: WebSocket[]; __kdOffline: boolean };
        w.__kdOffline = true;
        w.__kdSockets.at(-1)!.close();
      });
      await page.locator('body[data-connection="reconnecting"]').waitFor();
      await type('输入消息', '额度');
      await log.locator('.msg-borrower.pending').filter({ hasText: '额度' }).waitFor();
      await page.waitForTimeout(300);
      expect(await page.locator('#typing').isHidden(), '"typing…" while disconnected').toBe(true);
      // The network is back: the browser says so, and the page reconnects at once.
      await page.evaluate(() => {
        (window as unknown as { __kdOffline: boolean }).__kdOffline = false;
        window.dispatchEvent(new Event('online'));
      });
      await page.locator('body[data-connection="online"]').waitFor({ timeout: 40_000 });
      await log.getByRole('article', { name: '我的额度' }).last().waitFor();

      // A staff member joins: their words are shown as a person's (name, own bubble), stored as theirs.
      const { conversations } = (await staffApi('GET', '/conversations?handoff=any')) as { conversations: { id: string; channel: string }[] };
      const web = conversations.find((c) => c.channel === 'web')!;
      await staffApi('POST', `/conversations/${web.id}/takeover`, { staffName: '陈经理' });
      await staffApi('POST', `/conversations/${web.id}/messages`, { staffName: '陈经理', text: '您好，我是客户经理陈经理，看到您刚提前还了一期，有什么可以帮您？' });
      const staffBubble = log.locator('.msg-staff').filter({ hasText: '有什么可以帮您' });
      await staffBubble.waitFor();
      await expect(staffBubble.locator('.sender-name').textContent()).resolves.toBe('客服 陈经理');
      expect(await staffBubble.locator('.text').textContent()).toBe('您好，我是客户经理陈经理，看到您刚提前还了一期，有什么可以帮您？');
      const colours = await staffBubble.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(document.querySelector('.msg-bot')!).backgroundColor]);
      expect(colours[0], 'a staff bubble looks unlike the assistant').not.toBe(colours[1]);
      await type('输入消息', '好的，谢谢');
      await staffBubble.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(artifacts, 'staff-reply-375.png') });
      const transcript = (await staffApi('GET', `/conversations/${web.id}/messages?limit=500`)) as { messages: { direction: string; author: string; text: string; sender?: { kind: string; name: string } }[] };
      const relayed = transcript.messages.filter((m) => m.direction === 'outbound' && m.text.includes('有什么可以帮您'));
      expect(relayed).toEqual([expect.objectContaining({ author: expect.stringMatching(/^staff:[0-9a-f-]{36}$/), sender: { kind: 'staff', name: '陈经理' } })]);
      await staffApi('POST', `/conversations/${web.id}/handback`, {});
      await lastBotSays('人工服务已结束');

      // English: the page's words switch, and the conversation follows.
      await page.getByRole('button', { name: 'Switch to English' }).click();
      const logEn = page.getByRole('log', { name: 'Conversation' });
      await logEn.waitFor();
      await page.getByLabel('Message', { exact: true }).waitFor();
      await logEn.locator('.msg-borrower').filter({ hasText: 'English' }).waitFor();
      await logEn.locator('.msg-bot').last().filter({ hasText: /[A-Za-z]{5,} [A-Za-z]{3,}/ }).waitFor();
      await expect(page.getByRole('button', { name: '切换到中文' }).isVisible()).resolves.toBe(true);

      // Nothing was shown twice over the whole journey.
      const seqs = await logEn.locator('.msg[data-seq]').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(pageErrors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: path.join(artifacts, 'webchat-failure.png'), fullPage: true }).catch(() => {});
      throw new Error(`${(e as Error).message}\n--- server log (tail) ---\n${serverLog.slice(-4000)}`, { cause: e });
    } finally {
      await context.close();
    }
  }, 180_000);

  it('logs out with the header button: the conversation leaves the page, the cookie is refused, and starting again is a new conversation', async () => {
    const context = await browser!.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(30_000);
    try {
      await page.goto(baseUrl);
      const log = page.getByRole('log', { name: '对话记录' });
      await log.getByRole('group', { name: '快捷回复' }).getByRole('button', { name: '申请额度' }).click();
      await log.locator('.msg-bot').filter({ hasText: '请选择要申请的产品' }).waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'kd_session')!.value;
      const tagOf = async (value: string) => ((await (await fetch(`${baseUrl}/api/web/session`, { headers: { cookie: `kd_session=${value}` } })).json()) as { session: string }).session;
      const tag = await tagOf(cookie);

      await page.getByRole('banner').getByRole('button', { name: '退出登录' }).click();
      const notice = page.getByRole('region', { name: /您已安全退出/ });
      await notice.waitFor();
      await expect(page.locator('body').getAttribute('data-connection')).resolves.toBe('logged_out');
      expect(await log.locator('.msg').count(), 'the conversation left the page').toBe(0);
      expect((await context.cookies()).find((c) => c.name === 'kd_session'), 'the cookie is cleared').toBeUndefined();
      // A copy of the cookie is worth nothing now: its page load gets another session.
      expect(await tagOf(cookie)).not.toBe(tag);

      await notice.getByRole('button', { name: '重新开始' }).click();
      await log.locator('.msg.welcome').waitFor();
      expect(await log.locator('.msg-borrower').count(), 'a fresh conversation').toBe(0);
      const fresh = (await context.cookies()).find((c) => c.name === 'kd_session')!.value;
      expect(fresh).not.toBe(cookie);
      expect(await tagOf(fresh)).not.toBe(tag);
      expect(pageErrors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: path.join(artifacts, 'webchat-logout-failure.png'), fullPage: true }).catch(() => {});
      throw new Error(`${(e as Error).message}\n--- server log (tail) ---\n${serverLog.slice(-4000)}`, { cause: e });
    } finally {
      await context.close();
    }
  }, 60_000);
});
