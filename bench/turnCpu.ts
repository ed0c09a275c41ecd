// CPU per conversation turn: `npm run bench:turncpu` (embedded PGlite in a fresh directory) or
// `DATABASE_URL=postgres://… npm run bench:turncpu` (a fresh database on that server, dropped
// afterwards). The server runs as its own process (`npm start`'s entry, LOG_LEVEL=warn); this process
// drives whole 13-turn journeys (你好 → an opened credit line) of approved borrowers over REST, a few
// users at a time, and reads CPU time, not wall time (the machine is shared): the server process's
// from /proc/<pid>/stat and, on PostgreSQL, that of the database's backends (pg_stat_activity pids).
// Prints CPU ms per turn for each. TURN_CPU_USERS (10), TURN_CPU_CONVERSATIONS (200),
// TURN_CPU_WARMUP (20 conversations, not measured); BENCH_PROFILE=/dir writes the server's --cpu-prof.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { approvedBorrowers, type ApprovedBorrower } from './approvedBorrowers.js';
import { BENCH_LIMITS } from './benchLimits.js';
import { scratchDatabase } from './scratchDatabase.js';
import { serverNodeArgs } from './benchServer.js';

const USERS = Number(process.env.TURN_CPU_USERS ?? 10);
const CONVERSATIONS = Number(process.env.TURN_CPU_CONVERSATIONS ?? 200);
const WARMUP = Number(process.env.TURN_CPU_WARMUP ?? 20);
const OTP = '123456';
const root = path.resolve(import.meta.dirname, '..');
const baseUrl = process.env.DATABASE_URL;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** The journey's messages and what each step's replies must contain (flows/golden/happy-1-individual-apply.txt). */
const journeySteps = (b: ApprovedBorrower): [string, string][] => [
  ['你好', '您想办理的业务'],
  ['1', '请选择要申请的产品'],
  ['1', '真实姓名'],
  [b.name, '身份证号'],
  [b.idNumber, '手机号'],
  [b.mobile, '验证码已发送'],
  [OTP, '验证成功'],
  [b.purpose, '申请多少额度'],
  [b.amount, '请确认您的申请信息'],
  ['确认提交', '授权'],
  ['同意全部授权', '审批通过'],
  ['接受额度', '我已阅读并同意'],
  ['我已阅读并同意', '额度已开通'],
];

/** utime + stime of a process in ms; 0 once it is gone. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return 0;
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
}

/** The TCP port a process listens on (Linux /proc), found through its socket inodes. */
async function listeningPort(pid: number): Promise<number | undefined> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
    if (m) inodes.add(m[1]!);
  }
  for (const table of ['tcp', 'tcp6']) {
    for (const line of (await readFile(`/proc/net/${table}`, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) return parseInt(f[1]!.split(':')[1]!, 16);
    }
  }
  return undefined;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...serverNodeArgs(), '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', SANDBOX_OTP_CODE: OTP, ...BENCH_LIMITS, SMS_MAX_PER_ADDRESS_PER_HOUR: '100000', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`server exited with ${code}`))));
  let port: number | undefined;
  while (!port) {
    await Promise.race([new Promise((r) => setTimeout(r, 200)), exited]);
    port = await listeningPort(child.pid!);
  }
  for (;;) {
    if ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok) break;
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
  }
  return { child, port };
}

async function main() {
  let dataDir: string | undefined;
  let benchDb: string | undefined;
  const env: Record<string, string> = {};
  const scratch = baseUrl ? await scratchDatabase({ postgres: true, prefix: 'kd_turncpu' }) : undefined;
  if (scratch) {
    env.DATABASE_URL = scratch.url;
    benchDb = new URL(scratch.url).pathname.slice(1);
  } else {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-turncpu-'));
    env.KUAIDAI_DATA_DIR = dataDir;
  }
  const { borrowers } = approvedBorrowers({ count: WARMUP + CONVERSATIONS, seed: Date.now() % 1_000_000, now: Date.now() });
  const { child, port } = await startServer(env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: USERS });
  const run = Date.now().toString(36);
  let failures = 0;

  const say = (userId: string, messageId: string, text: string) =>
    new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ userId, messageId, text });
      const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/chat', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let out = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (out += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(out) : reject(new Error(`HTTP ${res.statusCode}: ${out.slice(0, 200)}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const journey = async (i: number) => {
    const userId = `tc-${run}-${i}`;
    const steps = journeySteps(borrowers[i]!);
    for (const [n, [text, expect]] of steps.entries()) {
      const replies = await say(userId, `m${n}`, text);
      if (!replies.includes(expect)) {
        failures++;
        if (failures <= 3) console.error(`journey ${i} step ${n + 1} (${text}): expected ${expect}, got ${replies.slice(0, 300)}`);
        return 0;
      }
    }
    return steps.length;
  };
  const drive = async (from: number, count: number) => {
    let next = from;
    let turns = 0;
    await Promise.all(
      Array.from({ length: USERS }, async () => {
        while (next < from + count) {
          const done = await journey(next++);
          turns += done;
        }
      }),
    );
    return turns;
  };

  const backendPids = async (): Promise<number[]> => {
    if (!benchDb) return [];
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [benchDb]);
    await admin.end();
    return rows.map((r) => r.pid);
  };
  const sample = async () => {
    const pids = await backendPids();
    const db = new Map<number, number>();
    for (const pid of pids) db.set(pid, await cpuMs(pid));
    return { server: await cpuMs(child.pid!), db };
  };

  await drive(0, WARMUP);
  const before = await sample();
  const wall0 = performance.now();
  const turns = await drive(WARMUP, CONVERSATIONS);
  const wall = (performance.now() - wall0) / 1000;
  const after = await sample();
  // A backend that connected during the run counts from zero; one that left during it is missed (pools keep theirs while busy).
  let dbMs = 0;
  for (const [pid, ms] of after.db) dbMs += ms - (before.db.get(pid) ?? 0);
  const serverMs = after.server - before.server;

  console.log('Kuaidai CPU per turn (13-turn journeys 你好 → opened line, approved borrowers, REST, LOG_LEVEL=warn)');
  console.log(`machine   : ${os.cpus()[0]?.model ?? 'unknown'} · ${os.cpus().length} logical cores · Node ${process.version} · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`database  : ${baseUrl ? `PostgreSQL (fresh database ${benchDb}, ${after.db.size} backends)` : 'embedded PGlite (fresh directory)'} · ${USERS} users · ${CONVERSATIONS} journeys (+${WARMUP} warm-up)`);
  console.log(`turns     : ${turns} in ${wall.toFixed(1)} s wall; failed journeys ${failures}`);
  const per = (ms: number) => (turns ? ms / turns : NaN).toFixed(3);
  console.log(`CPU/turn  : server ${per(serverMs)} ms · database ${baseUrl ? per(dbMs) : '(in the server)'} ms · total ${per(serverMs + dbMs)} ms`);

  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await scratch?.cleanup();
  if (failures) process.exitCode = 1;
}

await main();
