import type net from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../../server/boot.js';
import { createLogger } from '../../server/logging/index.js';
import { launchChromium } from '../support/chromium.js';
import { createEchoSpec } from '../support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from '../support/testDatabase.js';

/** swagger-ui at /docs draws the generated document in a browser under the page's CSP, offline. */
let database: TestDatabase;
let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), createLogger('silent'), { spec: createEchoSpec() });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(server.app.server.address() as net.AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.app.close();
  await database?.drop();
});

describe(`swagger-ui at /docs (${testDatabaseKind()})`, () => {
  it('shows the chat, quote and staff operations with no CSP violation and no request off this server', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`off-site request ${r.url()}`);
    });
    await page.goto(`${base}/docs`);
    await expect.poll(() => page.getByText('快贷助手 Kuaidai API').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    for (const path of ['/api/v1/chat', '/api/v1/quote', '/api/v1/staff/conversations']) {
      expect(await page.locator('.opblock-summary-path', { hasText: path }).count(), path).toBeGreaterThan(0);
    }
    expect(await page.title()).toBe('快贷助手 Kuaidai API · 接口文档');
    expect(problems).toEqual([]);
  }, 90_000);
});
