import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';
import { createTestDatabase, TEST_STAFF_TOKEN, type TestDatabase } from './testDatabase.js';

/** Where browser tests leave their screenshots (git-ignored; docs/images holds the ones looked at). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts');

/** The real server (`npm start`'s entry, sandbox providers, demo staff) on its own database, and Chromium. */
export interface ConsoleRig {
  readonly server: ServerProcess;
  readonly browser: Browser;
  /** Logs in at /console as a staff member. */
  login(page: Page, username: string, password: string): Promise<void>;
  /** Stops the browser and the server (SIGTERM, then SIGKILL after 10 s) and drops the database. */
  close(): Promise<void>;
  /**
   * After a failure: the server's log so far to `test-artifacts/<name>-server.log`, and its last
   * staff-API requests and warnings on stderr, so a failure on CI says what the server answered.
   */
  keepServerLog(name: string): Promise<void>;
}

/**
 * Starts a {@link ConsoleRig} for one browser test file; `env` goes on top of its settings. `seed`
 * writes test data into the database before the server starts (an embedded database has one process
 * at a time, so not while it runs).
 */
export async function startConsoleRig(name: string, env: Record<string, string> = {}, options: { seed?: (database: TestDatabase) => Promise<void> } = {}): Promise<ConsoleRig> {
  await mkdir(ARTIFACTS, { recursive: true });
  const database: TestDatabase = await createTestDatabase({ persistent: true });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `kuaidai-${name}-`));
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await Promise.race([server.exit, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await options.seed?.(database);
    server = await startServerProcess({ DATABASE_URL: database.url, KUAIDAI_DATA_DIR: dataDir, STAFF_API_TOKEN: TEST_STAFF_TOKEN, ...env });
    browser = await launchChromium();
  } catch (e) {
    await close();
    throw e;
  }
  const url = server.url;
  return {
    server,
    browser,
    close,
    async keepServerLog(name) {
      const log = server.stdout();
      await writeFile(path.join(ARTIFACTS, `${name}-server.log`), log).catch(() => undefined);
      // One line per staff-API request (time, method, path → status, ms) and each warning or error.
      const requests = new Map<string, { line: string }>();
      const lines: { line: string }[] = [];
      for (const raw of log.split('\n')) {
        let e: { level?: number; time?: number; reqId?: string; req?: { method?: string; url?: string }; res?: { statusCode?: number }; responseTime?: number; msg?: string };
        try {
          e = JSON.parse(raw) as typeof e;
        } catch {
          continue;
        }
        const clock = new Date(e.time ?? 0).toISOString().slice(11, 23);
        if (e.req?.url?.startsWith('/api/v1/staff') && e.reqId) {
          const entry = { line: `${clock} ${e.req.method} ${e.req.url} → (no answer)` };
          requests.set(e.reqId, entry);
          lines.push(entry);
        } else if (e.reqId && e.res && requests.has(e.reqId)) {
          const entry = requests.get(e.reqId)!;
          entry.line = entry.line.replace('(no answer)', `${e.res.statusCode} in ${Math.round(e.responseTime ?? 0)} ms`);
        }
        if ((e.level ?? 0) >= 40) lines.push({ line: `${clock} level ${e.level}: ${raw.slice(0, 400)}` });
      }
      console.error(`server log (${name}), its last staff-API requests and warnings (all of it in test-artifacts/${name}-server.log):\n${lines.slice(-60).map((l) => l.line).join('\n')}`);
    },
    async login(page, username, password) {
      await page.goto(`${url}/console`);
      await page.getByLabel('用户名').fill(username);
      await page.getByLabel('密码', { exact: true }).fill(password);
      await page.getByRole('button', { name: '登录', exact: true }).click();
    },
  };
}
