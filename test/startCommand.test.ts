import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCommand } from '../scripts/startCommand.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function withStart(start: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-start-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ scripts: { start } }));
  return dir;
}

describe('startCommand', () => {
  it("reads this repository's npm start: glibc's memory settings, node's options, the compiled entry", async () => {
    expect(await startCommand(path.resolve(import.meta.dirname, '..'))).toEqual({
      env: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' },
      nodeOptions: ['--enable-source-maps', '--max-old-space-size=1024'],
      script: 'dist/server/main.js',
    });
  });

  it('reads a start with no settings, and keeps an = inside a value', async () => {
    expect(await startCommand(await withStart('exec node app.js'))).toEqual({ env: {}, nodeOptions: [], script: 'app.js' });
    expect(await startCommand(await withStart('A=x=y exec node --x app.js'))).toEqual({ env: { A: 'x=y' }, nodeOptions: ['--x'], script: 'app.js' });
  });

  it('refuses a start it cannot run the same way, saying what it expects', async () => {
    for (const start of ['node dist/server/main.js', 'exec tsx server/main.ts', 'exec node', 'exec node dist/a.js extra', '']) {
      await expect(startCommand(await withStart(start))).rejects.toThrow(/is not "\[NAME=value …\] exec node \[--option …\] <script>"/);
    }
  });
});
