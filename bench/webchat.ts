// Web chat benchmark (not a test): `npm run bench:webchat [-- --idle 10000 --active 1000 --think 3000-7000 --ramp 7 --script chat,apply]`.
// One server process (this one: the real lending conversation, sandbox providers, on a fresh embedded
// PGlite database, or with DATABASE_URL=postgres://… a fresh database on that server, dropped after) and websocket borrowers in two child processes:
//   1. idle: N sockets that said hello: RSS of the server and memory per connection;
//   2. active: M borrowers sending messages with a think time between them: turn latency p50/p99,
//      first chatting at the menu (light turns), then each applying for a loan (name, ID number,
//      mobile, SMS code, purpose, amount, consent with data pulls and the decision, offer, contract).
// The server needs a file descriptor per socket: `ulimit -n` must exceed the idle count (the script
// checks; raise it with `ulimit -n 65536` in the shell first if needed).
import { execSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { generateMobile, generateResidentId } from '../core/index.js';
import { bootServer } from '../server/boot.js';
import { systemClock } from '../server/clock.js';
import { WebSessions } from '../server/channels/web/index.js';
import { loadConfig } from '../server/config/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { BENCH_LIMITS } from './benchLimits.js';

const OTP = '123456';

interface Borrower {
  readonly token: string;
  readonly script: readonly string[];
}

type ToClient = { cmd: 'idle'; url: string; cookieName: string; tokens: string[] } | { cmd: 'active'; url: string; cookieName: string; borrowers: Borrower[]; thinkMs: [number, number]; rampMs: number } | { cmd: 'close' };
type FromClient =
  | { done: 'idle'; opened: number; failed: number; ms: number }
  | { done: 'active'; latencies: [number, number][]; turns: number; errors: number; unanswered: number; ms: number }
  | { done: 'closed' };

// ---------------------------------------------------------------------------------------------
// Client side (child process): opens sockets and plays borrowers.

function openSocket(url: string, cookie: string): Promise<{ ws: WebSocket; frames: (f: { type: string; [k: string]: unknown }) => void }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { cookie }, perMessageDeflate: false });
    const holder = { ws, frames: (_f: { type: string; [k: string]: unknown }) => {} };
    ws.on('message', (data) => holder.frames(JSON.parse(String(data)) as { type: string }));
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0, locale: 'zh' }));
      holder.frames = (f) => {
        if (f.type === 'ready') resolve(holder);
      };
    });
  });
}

async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

async function client(): Promise<void> {
  const sockets: WebSocket[] = [];
  const send = (m: FromClient) => process.send!(m);
  process.on('message', (message: ToClient) => {
    void (async () => {
      if (message.cmd === 'close') {
        for (const ws of sockets.splice(0)) ws.terminate();
        send({ done: 'closed' });
        return;
      }
      if (message.cmd === 'idle') {
        const started = performance.now();
        let failed = 0;
        await inBatches(message.tokens, 100, async (token) => {
          try {
            sockets.push((await openSocket(message.url, `${message.cookieName}=${token}`)).ws);
          } catch {
            failed++;
          }
        });
        send({ done: 'idle', opened: sockets.length, failed, ms: performance.now() - started });
        return;
      }
      const started = performance.now();
      const latencies: [number, number][] = [];
      let errors = 0;
      let unanswered = 0;
      let turns = 0;
      const [minThink, maxThink] = message.thinkMs;
      await Promise.all(
        message.borrowers.map(async (b, i) => {
          // Borrowers do not all arrive in the same second: their first messages spread over the ramp.
          await new Promise((r) => setTimeout(r, (i / message.borrowers.length) * message.rampMs));
          let conn: Awaited<ReturnType<typeof openSocket>>;
          try {
            conn = await openSocket(message.url, `${message.cookieName}=${b.token}`);
          } catch {
            errors++;
            return;
          }
          sockets.push(conn.ws);
          for (const [n, text] of b.script.entries()) {
            const id = `t${n}`;
            const sentAt = performance.now();
            const answered = await new Promise<boolean>((resolve) => {
              let echoed = false;
              const timer = setTimeout(() => resolve(false), 30_000);
              conn.frames = (f) => {
                if (f.type === 'message' && f.clientMessageId === id) echoed = true;
                else if (f.type === 'message' && echoed && f.author !== 'borrower') {
                  clearTimeout(timer);
                  resolve(true);
                } else if (f.type === 'error') {
                  errors++;
                  clearTimeout(timer);
                  resolve(false);
                }
              };
              conn.ws.send(JSON.stringify({ type: 'message', id, text }));
            });
            turns++;
            if (answered) latencies.push([n, performance.now() - sentAt]);
            else unanswered++;
            await new Promise((r) => setTimeout(r, minThink + Math.random() * (maxThink - minThink)));
          }
        }),
      );
      send({ done: 'active', latencies, turns, errors, unanswered, ms: performance.now() - started });
    })();
  });
}

// ---------------------------------------------------------------------------------------------
// Server side (this process).

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

const SURNAMES = '王李张刘陈杨黄赵吴周';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚';
const nameOf = (n: number) => `${SURNAMES[n % SURNAMES.length]}${GIVEN[Math.floor(n / 10) % GIVEN.length]}${GIVEN[Math.floor(n / 200) % GIVEN.length]}`;

/** The application journey, as the golden transcript types it. */
const journey = (n: number): string[] => {
  const birthDate = new Date(Date.UTC(1970, 0, 1) + Math.floor(n / 500) * 86_400_000).toISOString().slice(0, 10);
  const idNumber = generateResidentId({ regionCode: '430702', birthDate, sex: n % 2 ? 'male' : 'female', serial: n % 500 });
  return ['你好', '1', '1', nameOf(n), idNumber, generateMobile(8_000_000 + n), OTP, '2', '10万', '确认提交', '1', '1', '我已阅读并同意'];
};
/** Chatting at the menu: questions and menu choices, no provider calls (the transport and the runtime's turn). */
const CHAT = ['你好', '常见问题', '利率是多少', '菜单', '额度', '怎么还款', '菜单', '常见问题', '可以提前还款吗', '菜单', '你好', '常见问题'];
const STEPS = ['greeting', 'menu: apply', 'product', 'name', 'ID number', 'mobile (SMS sent)', 'SMS code', 'purpose', 'amount', 'submit', 'consent (data pulls + decision)', 'accept offer', 'sign contract'];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function request(child: ChildProcess, message: ToClient): Promise<FromClient> {
  return new Promise((resolve) => {
    child.once('message', (m: FromClient) => resolve(m));
    child.send(message);
  });
}

async function settle(ms: number): Promise<NodeJS.MemoryUsage> {
  await new Promise((r) => setTimeout(r, ms));
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  return process.memoryUsage();
}

async function main(): Promise<void> {
  const idle = Number(arg('idle', '10000'));
  const active = Number(arg('active', '1000'));
  const [thinkMin, thinkMax] = arg('think', '3000-7000').split('-').map(Number) as [number, number];
  const scripts = arg('script', 'chat,apply').split(',') as ('chat' | 'apply')[];
  // Seconds over which the active borrowers arrive (default: one think time, i.e. nearly all at once).
  const rampMs = Number(arg('ramp', String(thinkMax / 1000))) * 1000;
  const fdLimit = Number(execSync('sh -c "ulimit -n"').toString().trim());
  if (Number.isFinite(fdLimit) && fdLimit < idle + 500) {
    console.error(`ulimit -n is ${fdLimit}: the server needs one descriptor per socket. Run \`ulimit -n ${Math.max(65_536, idle + 1_000)}\` first, or pass --idle ${fdLimit - 500}.`);
    process.exit(1);
  }

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-bench-web-'));
  // On PostgreSQL: a fresh database on that server, dropped afterwards.
  const postgres = /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? new URL(process.env.DATABASE_URL!) : undefined;
  const benchDb = `kd_bench_web_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: postgres!.toString() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  let databaseUrl = `pglite:${dataDir}/pglite`;
  if (postgres) {
    await admin(`CREATE DATABASE "${benchDb}"`);
    const url = new URL(postgres);
    url.pathname = `/${benchDb}`;
    databaseUrl = url.toString();
  }
  const env = { ...process.env, ...BENCH_LIMITS, PORT: '0', LOG_LEVEL: 'silent', SANDBOX_OTP_CODE: OTP, KUAIDAI_DATA_DIR: dataDir, DATABASE_URL: databaseUrl };
  const config = loadConfig(env);
  const logger = createLogger('silent');
  const server = await bootServer(config, logger, { spec: (ctx) => createLendingConversation(ctx) });
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `${address.replace('http', 'ws')}/ws/chat`;
  const sessions = new WebSessions(server.db.prisma, systemClock, { secret: config.web.sessionSecret!, idleMs: config.web.sessionIdleMs, maxMs: config.web.sessionMaxMs });
  const mint = async (n: number) => Promise.all(Array.from({ length: n }, async () => (await sessions.start()).token));
  const children = [fork(process.argv[1]!, ['--client'], { execArgv: process.execArgv }), fork(process.argv[1]!, ['--client'], { execArgv: process.execArgv })];
  const split = <T>(items: T[]) => children.map((_, c) => items.filter((_, i) => i % children.length === c));

  console.log('# web chat benchmark');
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} RAM, ${os.platform()} ${os.release()}, Node ${process.version}`);
  console.log(`database: ${server.db.where}; ulimit -n ${fdLimit}; server and borrowers on one machine (clients in ${children.length} child processes)`);

  try {
    // Warm up (page bundle, statements, machine) with a few borrowers, then the baseline.
    await Promise.all(split(await mint(20)).map((t, c) => request(children[c]!, { cmd: 'idle', url, cookieName: config.web.cookieName, tokens: t })));
    await Promise.all(children.map((c) => request(c, { cmd: 'close' })));
    const base = await settle(1_000);

    if (idle > 0) {
      const results = await Promise.all(split(await mint(idle)).map((t, c) => request(children[c]!, { cmd: 'idle', url, cookieName: config.web.cookieName, tokens: t })));
      const opened = results.reduce((s, r) => s + (r.done === 'idle' ? r.opened : 0), 0);
      const failed = results.reduce((s, r) => s + (r.done === 'idle' ? r.failed : 0), 0);
      const ms = Math.max(...results.map((r) => (r.done === 'idle' ? r.ms : 0)));
      const after = await settle(2_000);
      console.log(`\n## ${idle.toLocaleString('en')} idle connections (hello said, nothing else)`);
      console.log(`opened ${opened.toLocaleString('en')} (${failed} failed) in ${(ms / 1000).toFixed(1)} s`);
      console.log(`server RSS: ${mb(base.rss)} before → ${mb(after.rss)} with the sockets open (target < 1 GB)`);
      console.log(`heap used: ${mb(base.heapUsed)} → ${mb(after.heapUsed)}; memory per connection: ${((after.rss - base.rss) / Math.max(1, opened) / 1024).toFixed(1)} KB RSS, ${((after.heapUsed - base.heapUsed) / Math.max(1, opened) / 1024).toFixed(1)} KB heap`);
      await Promise.all(children.map((c) => request(c, { cmd: 'close' })));
    }

    for (const script of active > 0 ? scripts : []) {
      const borrowers = (await mint(active)).map((token, n): Borrower => ({ token, script: script === 'chat' ? CHAT : journey(n) }));
      const cpuBefore = process.cpuUsage();
      const results = await Promise.all(split(borrowers).map((b, c) => request(children[c]!, { cmd: 'active', url, cookieName: config.web.cookieName, borrowers: b, thinkMs: [thinkMin, thinkMax], rampMs })));
      const cpu = process.cpuUsage(cpuBefore);
      const samples = results.flatMap((r) => (r.done === 'active' ? r.latencies : []));
      const latencies = samples.map(([, ms]) => ms).sort((a, b) => a - b);
      const turns = results.reduce((s, r) => s + (r.done === 'active' ? r.turns : 0), 0);
      const errors = results.reduce((s, r) => s + (r.done === 'active' ? r.errors : 0), 0);
      const unanswered = results.reduce((s, r) => s + (r.done === 'active' ? r.unanswered : 0), 0);
      const ms = Math.max(...results.map((r) => (r.done === 'active' ? r.ms : 0)));
      const mem = process.memoryUsage();
      console.log(
        script === 'chat'
          ? `\n## ${active.toLocaleString('en')} active borrowers chatting at the menu (${CHAT.length} messages each: FAQ, menu, limit; think time ${thinkMin}-${thinkMax} ms, arriving over ${rampMs / 1000} s)`
          : `\n## ${active.toLocaleString('en')} active borrowers, each applying for a loan (${journey(0).length} messages, think time ${thinkMin}-${thinkMax} ms, arriving over ${rampMs / 1000} s)`,
      );
      console.log(`${turns.toLocaleString('en')} turns in ${(ms / 1000).toFixed(1)} s (${(turns / (ms / 1000)).toFixed(0)} turns/s offered), ${errors} errors, ${unanswered} unanswered`);
      console.log(`turn latency (message sent → first reply received): p50 ${percentile(latencies, 50).toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (target p99 < 100 ms)`);
      for (const [step, label] of script === 'chat' ? [] : STEPS.entries()) {
        const of = samples.filter(([n]) => n === step).map(([, ms]) => ms).sort((a, b) => a - b);
        console.log(`  ${String(step + 1).padStart(2)}. ${label.padEnd(32)} p50 ${percentile(of, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(of, 99).toFixed(1).padStart(7)} ms`);
      }
      console.log(`server CPU ${((cpu.user + cpu.system) / 1000 / ms * 100).toFixed(0)}% of one core; RSS ${mb(mem.rss)}`);
      await Promise.all(children.map((c) => request(c, { cmd: 'close' })));
    }
  } finally {
    for (const c of children) c.kill();
    await server.app.close();
    await rm(dataDir, { recursive: true, force: true });
    if (postgres) await admin(`DROP DATABASE IF EXISTS "${benchDb}" WITH (FORCE)`);
  }
}

if (process.argv.includes('--client')) await client();
else await main();
