import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTokenPath } from '../server/staff/cliToken.js';
import { startServerProcess, type ServerProcess } from './support/serverProcess.js';

/**
 * `npm run staff` while the server runs on the embedded database (which only one process may open):
 * the command asks the server, with the token the server wrote into its data directory.
 */
const root = path.resolve(import.meta.dirname, '..');
let dataDir: string;
let server: ServerProcess | undefined;
let url: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-staffcli-'));
  server = await startServerProcess({ KUAIDAI_DATA_DIR: dataDir });
  url = server.url;
}, 90_000);
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exit;
  await rm(dataDir, { recursive: true, force: true });
});

const staff = (args: string[], stdin?: string) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/staffCli.ts', ...args, '--url', url], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUAIDAI_ENV: 'test', KUAIDAI_DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(stdin ?? '');
    child.on('exit', (code) => resolve({ code, out, err }));
  });

describe('npm run staff, while the server runs on the embedded database', () => {
  it('adds an account with a one-time password, lists, disables and resets; the token file is the owner\'s only', async () => {
    expect((await stat(cliTokenPath(dataDir))).mode & 0o777).toBe(0o600);
    const added = await staff(['add', '--username', 'wangfang', '--name', '王芳', '--roles', 'agent,reviewer', '--employee-no', 'KF009', '--branch', '0736']);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain('created wangfang (王芳) roles agent,reviewer');
    const password = /one-time password: (\S+)/.exec(added.out)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    const login = await fetch(`${url}/api/v1/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'wangfang', password }) });
    expect(login.status).toBe(200);

    const given = await staff(['add', '--username', 'lilei', '--name', '李雷', '--roles', 'admin', '--password-stdin'], 'Correct-Horse-Battery-9\n');
    expect(given.code, given.err).toBe(0);
    expect(given.out).not.toContain('one-time password');
    expect((await staff(['add', '--username', 'weak', '--name', '弱', '--roles', 'agent', '--password-stdin'], 'abc\n')).err).toContain('VALIDATION_FAILED');

    const listed = await staff(['list']);
    expect(listed.out).toMatch(/wangfang\t王芳\tKF009\t0736\tagent,reviewer\tperson\tactive/);
    expect(listed.out).toMatch(/^kefu\t小王/m); // the demo accounts of test/development mode

    expect((await staff(['disable', '--username', 'wangfang'])).out).toContain('disabled wangfang; sessions ended: 1');
    const reset = await staff(['reset-password', '--username', 'wangfang']);
    expect(reset.out).toMatch(/one-time password: [A-Za-z0-9]{20}/);
    expect((await staff(['disable', '--username', 'nobody'])).err).toContain('no account nobody');
    expect((await staff(['frobnicate'])).code).toBe(2);
  }, 90_000);

  it('is refused with a token from elsewhere, and a staff route answers nothing to it from a browser', async () => {
    const res = await fetch(`${url}/api/v1/staff/accounts`, { headers: { authorization: 'Bearer not-the-token-0123456789abcdefghij' } });
    expect(res.status).toBe(401);
  });
});
