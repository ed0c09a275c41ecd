import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

/**
 * `npm start` exactly as an operator runs it (npm → the script → node), not its entry file: a
 * signal to the npm process must end the server and leave nothing holding the port. (npm hands
 * the signal to its child; the script `exec`s node so that child is the server itself.)
 */
const root = path.resolve(import.meta.dirname, '..');

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

/** True while any process of the group `pgid` is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a new server can listen on 127.0.0.1:`port`. */
async function portFree(port: number): Promise<boolean> {
  const probe = net.createServer();
  probe.listen(port, '127.0.0.1');
  try {
    await once(probe, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('stops the server and every child, freeing the port, on %s to the npm process', async (signal) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-npmstart-'));
    const database: TestDatabase = await createTestDatabase({ persistent: true });
    cleanups.push(() => database.drop(), () => rm(dataDir, { recursive: true, force: true }));
    // Its own process group, so whatever npm leaves behind can be found; the signal goes to npm alone.
    const npm = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', PORT: '0', KUAIDAI_DATA_DIR: dataDir, ...(database.target.kind === 'postgres' ? { DATABASE_URL: database.url } : {}) },
    });
    const pgid = npm.pid!;
    const exited = once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let output = '';
    try {
      const port = await new Promise<number>((resolve, reject) => {
        // Generous: a fresh checkout builds dist/ first (prestart), and the machine may be busy.
        const timer = setTimeout(() => reject(new Error(`npm start did not listen within 90 s:\n${output.slice(-3000)}`)), 90_000);
        const onData = (d: Buffer) => {
          output += d.toString();
          const found = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
          if (found) {
            clearTimeout(timer);
            resolve(Number(found));
          }
        };
        npm.stdout.on('data', onData);
        npm.stderr.on('data', onData);
        exited.then(() => reject(new Error(`npm start exited before listening:\n${output.slice(-3000)}`)), reject);
      });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // The compiled build with source maps, no TypeScript loader (prestart built or checked dist/ first).
      expect(output).toMatch(/kuaidai: (built dist\/|dist\/ is up to date)/);
      const serverPid = Number(/"pid":(\d+)/.exec(output)?.[1]);
      if (process.platform === 'linux') {
        const cmdline = (await readFile(`/proc/${serverPid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
        expect(cmdline.slice(1)).toEqual(['--enable-source-maps', '--max-old-space-size=1024', 'dist/server/main.js']);
        // The memory settings (docs/admin-guide.md): glibc's, from the script's environment.
        const environ = (await readFile(`/proc/${serverPid}/environ`, 'utf8')).split('\0');
        expect(environ).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=2', 'MALLOC_MMAP_THRESHOLD_=131072', 'MALLOC_TRIM_THRESHOLD_=131072']));
      }

      process.kill(pgid, signal);
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm still runs 15 s after ${signal}:\n${output.slice(-3000)}`)), 15_000).unref());
      const [code] = await Promise.race([exited, timeout]);
      expect(code).toBe(0);
      expect(output).toMatch(new RegExp(`"signal":"${signal}","msg":"shutting down"`));
      for (let i = 0; i < 30 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(groupAlive(pgid)).toBe(false);
      expect(await portFree(port)).toBe(true);
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  }, 150_000);
});
