import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { armedCrashPoints } from '../server/config/index.js';

const root = path.resolve(import.meta.dirname, '..');

/** Runs a script calling crashPoint('a.b') then printing "survived", in a child with exactly `env`. */
function run(env: Record<string, string>) {
  const script = "import { crashPoint } from './server/faults.ts'; crashPoint('a.b'); console.log('survived');";
  // node itself (not the tsx wrapper, which reports a killed child as exit code 137).
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
}

describe('crashPoint', () => {
  it('arms only the listed names, and only in test mode', () => {
    expect([...armedCrashPoints({ KUAIDAI_ENV: 'test', KUAIDAI_CRASH_AT: 'x.y, a.b' })]).toEqual(['x.y', 'a.b']);
    expect(armedCrashPoints({ KUAIDAI_ENV: 'development', KUAIDAI_CRASH_AT: 'a.b' }).size).toBe(0);
    expect(armedCrashPoints({ KUAIDAI_ENV: 'production', KUAIDAI_CRASH_AT: 'a.b' }).size).toBe(0);
    expect(armedCrashPoints({ KUAIDAI_ENV: 'test' }).size).toBe(0);
  });

  it('kills the process with SIGKILL at an armed point; nothing after it runs', () => {
    const crashed = run({ KUAIDAI_ENV: 'test', KUAIDAI_CRASH_AT: 'other,a.b' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stdout).not.toContain('survived');
    const passed = run({ KUAIDAI_ENV: 'development', KUAIDAI_CRASH_AT: 'a.b' });
    expect(passed.status).toBe(0);
    expect(passed.stdout).toContain('survived');
  });
});
