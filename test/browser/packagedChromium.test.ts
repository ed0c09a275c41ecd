import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, packagedChromium, resolveChromium } from '../support/chromium.js';

/**
 * The fallback a fresh machine gets (no CHROMIUM_PATH, no Debian Chromium), tested even where
 * Debian's Chromium is installed and the other browser tests use that.
 */
describe('the Chromium of the @sparticuz/chromium devDependency', () => {
  it.runIf(process.platform === 'linux' && process.arch === 'x64')('unpacks offline and drives a page', async () => {
    const browser = await chromium.launch({ executablePath: await packagedChromium(), args: CHROMIUM_ARGS, timeout: 30_000 });
    try {
      const page = await browser.newPage({ viewport: { width: 375, height: 812 }, locale: 'zh-CN' });
      await page.setContent('<main><button type="button" onclick="this.textContent = \'已申请\'">申请额度</button></main>');
      await page.getByRole('button', { name: '申请额度' }).click();
      expect(await page.getByRole('main').innerText()).toBe('已申请');
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('is not used when CHROMIUM_PATH names a missing file', async () => {
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';
    try {
      await expect(resolveChromium()).rejects.toThrow('CHROMIUM_PATH is /nonexistent/chromium, which does not exist');
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
});
