import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm start`'s entry as a child process with exactly the given environment. */
function start(env: Record<string, string>, onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['server/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

describe('npm start', () => {
  it.each([
    [{ DATABASE_URL: 'mysql://root@localhost/kd' }, /^kuaidai: configuration error: DATABASE_URL: unsupported scheme "mysql:"/],
    [{ KUAIDAI_ENV: 'production', DATABASE_URL: 'pglite:memory' }, /^kuaidai: configuration error: KUAIDAI_DATA_KEY: is required in production/],
    [{ PORT: 'eighty' }, /^kuaidai: configuration error: PORT: /],
  ])('stops on bad configuration %j with one line naming the setting', async (env, line) => {
    const run = await start(env);
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('stops with one line when PostgreSQL cannot be reached and DB_START_WAIT_MS=0', async () => {
    const run = await start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DB_START_WAIT_MS: '0' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^kuaidai: DB_UNAVAILABLE: .*127\.0\.0\.1:1/);
  });

  it('waits for an unreachable PostgreSQL with backoff, one warn line per attempt, then stops with one line', async () => {
    const t0 = Date.now();
    const run = await start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DB_START_WAIT_MS: '2000', DB_RETRY_MAX_MS: '1000' });
    expect(run.code).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    const attempts = run.stdout
      .split('\n')
      .filter((l) => l.includes('database unavailable at start-up'))
      .map((l) => JSON.parse(l) as { level: number; code: string; reason: string; attempt: number; retryInMs: number });
    // 0.5 s, 1 s, then what is left of the 2 s: three retries, each logged once at warn.
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.map((a) => a.retryInMs).slice(0, 2)).toEqual([500, 1_000]);
    for (const a of attempts) expect(a).toMatchObject({ level: 40, code: 'DB_UNAVAILABLE', reason: 'connection refused' });
    expect(run.stderr.trim()).toMatch(/^kuaidai: DB_UNAVAILABLE: .*127\.0\.0\.1:1/);
  });

  it('serves on the configured database, creating it, and exits cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-start-'));
    const database = await createTestDatabase({ persistent: true });
    databases.push(database, { target: database.target, url: '', drop: () => rm(dataDir, { recursive: true, force: true }) });
    let health: number | undefined;
    let ready: number | undefined;
    let asked = false;
    const run = await start({ PORT: '0', KUAIDAI_DATA_DIR: dataDir, ...(database.target.kind === 'postgres' ? { DATABASE_URL: database.url } : {}) }, (out, kill) => {
      const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (!port || asked) return;
      asked = true;
      void (async () => {
        health = (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
        ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
        kill('SIGTERM');
      })();
    });
    expect(health).toBe(200);
    expect(ready).toBe(200);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"msg":"shutting down"/);
    if (database.target.kind === 'pglite') expect((await stat(path.join(dataDir, 'pglite'))).isDirectory()).toBe(true);
    // A whole server process start (tsx, migrations) and stop: slow on a loaded 2-core machine.
  }, 90_000);
});
