// Conversation turns through the REST channel: `npm run bench:chat` (embedded PGlite in a fresh
// directory) or `DATABASE_URL=postgres://… npm run bench:chat` (a fresh database on that server,
// dropped afterwards). The server runs as its own process (`npm start`'s entry) with the real lending
// conversation and sandbox providers; this process plays N concurrent borrowers, each walking the
// whole journey (apply → authorise → accept → draw → repay), then talking at a paced rate, then as
// fast as the server answers; every turn's round trip is measured. Not a test: it prints its figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createPrng, generateMobile, generateResidentId } from '../core/index.js';
import { BENCH_LIMITS } from './benchLimits.js';
import { serverNodeArgs } from './benchServer.js';

const BORROWERS = Number(process.env.BENCH_BORROWERS ?? 100);
/** Offered rate of the paced conversation phase, turns per second across all borrowers. */
const RATE = Number(process.env.BENCH_RATE ?? 500);
const PACED_TURNS = Number(process.env.BENCH_PACED_TURNS ?? 30);
const BURST_TURNS = Number(process.env.BENCH_BURST_TURNS ?? 30);
const root = path.resolve(import.meta.dirname, '..');
const baseUrl = process.env.DATABASE_URL;

interface Reply {
  text: string;
  options?: { label: string; value: string }[];
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  // node --import tsx (not the tsx launcher): the pid is then the server process itself.
  const child = spawn(process.execPath, [...serverNodeArgs(), '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', SANDBOX_OTP_CODE: '123456', ...BENCH_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // LOG_LEVEL=warn hides "listening"; ask the OS which port the child bound instead.
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    const poll = setInterval(async () => {
      const port = await listeningPort(child.pid!);
      if (!port) return;
      clearInterval(poll);
      resolve(`http://127.0.0.1:${port}`);
    }, 200);
  });
  for (;;) {
    if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url };
}

/** The TCP port a process listens on (Linux /proc), found through its socket inodes. */
async function listeningPort(pid: number): Promise<number | undefined> {
  const { readdir, readlink, readFile } = await import('node:fs/promises');
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]!);
  }
  for (const table of ['tcp', 'tcp6']) {
    const lines = (await readFile(`/proc/net/${table}`, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) return parseInt(f[1]!.split(':')[1]!, 16);
    }
  }
  return undefined;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function main() {
  const prng = createPrng(20261122);
  let dataDir: string | undefined;
  let benchDb: string | undefined;
  const env: Record<string, string> = {};
  if (baseUrl) {
    benchDb = `kd_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${benchDb}"`);
    await admin.end();
    const u = new URL(baseUrl);
    u.pathname = `/${benchDb}`;
    env.DATABASE_URL = u.toString();
  } else {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-bench-'));
    env.KUAIDAI_DATA_DIR = dataDir;
  }
  const { child, url } = await startServer(env);
  const outcomes = { approved: 0, notApproved: 0, errors: 0 };
  const byText = new Map<string, number[]>();
  const counters = new Map<string, number>();

  const say = async (userId: string, text: string, into: number[]): Promise<Reply[]> => {
    const n = (counters.get(userId) ?? 0) + 1;
    counters.set(userId, n);
    const t0 = performance.now();
    const res = await fetch(`${url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, messageId: `m${n}`, text }) });
    const body = (await res.json()) as { replies?: Reply[] };
    into.push(performance.now() - t0);
    if (process.env.BENCH_VERBOSE) {
      const k = /^\d{15,}|^1\d{10}$/.test(text) ? text.replace(/\d/g, '9') : text;
      byText.set(k, [...(byText.get(k) ?? []), performance.now() - t0]);
    }
    if (!res.ok) outcomes.errors++;
    return body.replies ?? [];
  };
  const has = (rs: Reply[], label: string) => rs.some((r) => r.text.includes(label) || r.options?.some((o) => o.label.includes(label)));

  // Phase 1 — whole journeys: every borrower applies, authorises, is decided, and (if approved) accepts, draws and repays.
  const journeyLatencies: number[] = [];
  const journey = async (i: number) => {
    const userId = `bench-${i}`;
    const id = generateResidentId({ regionCode: '430702', birthDate: `19${70 + (i % 25)}-0${1 + (i % 9)}-1${i % 9}`, sex: i % 2 ? 'male' : 'female', serial: 100 + (i % 400) });
    const mobile = generateMobile(7_000_000 + i);
    for (const text of ['你好', '申请额度', '1', '测试客户', id, mobile, '123456', '日常消费', '5万', '确认提交']) await say(userId, text, journeyLatencies);
    const decided = await say(userId, '同意全部授权', journeyLatencies);
    if (!has(decided, '接受额度')) {
      outcomes.notApproved++;
      return;
    }
    outcomes.approved++;
    for (const text of ['接受额度', '我已阅读并同意', '借款', '1万', '12', '等额本息', '确认借款', '123456', '还款', '1', '确认还款']) await say(userId, text, journeyLatencies);
  };
  let started = performance.now();
  await Promise.all(Array.from({ length: BORROWERS }, (_, i) => journey(i)));
  const journeySeconds = (performance.now() - started) / 1000;

  // Phase 2 — conversation at a fixed offered rate: each borrower writes again a moment after the
  // answer, as a person does (menu, questions, the account view, a form step); arrivals are paced so
  // that all borrowers together offer RATE turns a second.
  const chatter = ['额度', '利率多少？', '帮助', '5', '有手续费吗？', '你好', '逾期了会怎样？', '2', '返回'];
  const paced: number[] = [];
  const interval = (BORROWERS / RATE) * 1000;
  started = performance.now();
  await Promise.all(
    Array.from({ length: BORROWERS }, async (_, i) => {
      const userId = `bench-${i}`;
      let due = started + prng.next() * interval;
      for (let k = 0; k < PACED_TURNS; k++) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await say(userId, chatter[Math.floor(prng.next() * chatter.length)]!, paced);
        due += interval;
      }
    }),
  );
  const pacedSeconds = (performance.now() - started) / 1000;

  // Phase 3 — capacity: the same conversation turns with no pause at all, all borrowers at once.
  const burst: number[] = [];
  started = performance.now();
  await Promise.all(
    Array.from({ length: BORROWERS }, async (_, i) => {
      for (let k = 0; k < BURST_TURNS; k++) await say(`bench-${i}`, chatter[Math.floor(prng.next() * chatter.length)]!, burst);
    }),
  );
  const burstSeconds = (performance.now() - started) / 1000;

  const line = (label: string, values: number[], seconds: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${label.padEnd(34)} ${String(values.length).padStart(5)} turns in ${seconds.toFixed(2).padStart(6)} s → ${(values.length / seconds).toFixed(0).padStart(4)} turns/s · p50 ${percentile(sorted, 0.5).toFixed(1)} ms · p99 ${percentile(sorted, 0.99).toFixed(1)} ms · max ${sorted.at(-1)!.toFixed(1)} ms`;
  };
  console.log('Kuaidai REST conversation benchmark (real lending conversation, sandbox providers)');
  console.log(`machine   : ${os.cpus()[0]?.model ?? 'unknown'} · ${os.cpus().length} logical cores · ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB · Node ${process.version} · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`database  : ${baseUrl ? `PostgreSQL (fresh database ${benchDb})` : 'embedded PGlite (fresh directory)'}; server in its own process; ${BORROWERS} concurrent borrowers`);
  console.log(`journeys  : approved ${outcomes.approved}, not approved ${outcomes.notApproved}; HTTP errors ${outcomes.errors}`);
  console.log(line('1. whole journeys, no pauses', journeyLatencies, journeySeconds));
  console.log(line(`2. conversation offered at ${RATE}/s`, paced, pacedSeconds));
  console.log(line('3. conversation, no pauses (capacity)', burst, burstSeconds));
  if (process.env.BENCH_VERBOSE) {
    for (const [text, v] of [...byText.entries()].sort((a, b) => Math.max(...b[1]) - Math.max(...a[1])).slice(0, 12)) {
      const sorted = [...v].sort((a, b) => a - b);
      console.log(`  ${text.slice(0, 12).padEnd(14)} n=${String(v.length).padStart(4)} p50 ${percentile(sorted, 0.5).toFixed(0).padStart(5)} ms  max ${sorted.at(-1)!.toFixed(0).padStart(5)} ms`);
    }
  }

  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (benchDb && baseUrl) {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${benchDb}" WITH (FORCE)`);
    await admin.end();
  }
}

await main();
