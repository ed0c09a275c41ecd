// The staff console under load: `npm run bench:console` (embedded PGlite in a fresh directory) or
// `npm run bench:console -- --db postgres` (a fresh database on postgres://postgres@127.0.0.1:5432,
// dropped afterwards). The server runs as its own process (`npm start`'s entry, the lending
// conversation, sandbox providers, the demo staff). This process:
//   1. opens N conversations over REST (default 1,000) and logs in C agents' consoles (default 50),
//      each holding the live feed (server-sent events) open;
//   2. sends hand-off requests (转人工) one at a time from borrowers who are chatting, and measures,
//      for every console, the time from sending the request to the queue row arriving on its feed
//      with the conversation waiting for a person (target: p99 < 500 ms);
//   3. grows the database to M conversations (default 10,000) and measures the queue API that
//      renders the console's queue (GET /api/v1/staff/queue, every view's counts and the first page
//      of rows) on the server (target: < 200 ms).
// Not a test: it prints its figures.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BENCH_LIMITS } from './benchLimits.js';
import { freePort, ServerProcess } from './faultRun/serverProcess.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    conversations: { type: 'string', default: '1000' },
    consoles: { type: 'string', default: '50' },
    handoffs: { type: 'string', default: '40' },
    total: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:console -- [--db pglite|postgres] [--conversations 1000] [--consoles 50] [--handoffs 40] [--total 10000] [--concurrency 32]');
  process.exit(0);
}
const OPEN = Number(args.conversations);
const CONSOLES = Number(args.consoles);
const HANDOFFS = Number(args.handoffs);
const TOTAL = Math.max(OPEN, Number(args.total));
const CONCURRENCY = Number(args.concurrency);
const root = path.resolve(import.meta.dirname, '..');
const pgBase = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 0.5), p95: percentile(s, 0.95), p99: percentile(s, 0.99), max: s[s.length - 1] ?? 0 };
};

/** Runs `work(i)` for i in [0, n) with at most `limit` at once. */
async function pool(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function chat(url: string, userId: string, text: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, messageId: randomUUID(), text }) });
  if (!res.ok) throw new Error(`chat ${userId}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

interface Console {
  readonly cookie: string;
  /** Conversation id → when a row waiting for a person arrived (performance.now()). */
  readonly arrivals: Map<string, number>;
  close(): void;
}

/** Logs in as `username` and holds the live feed open, noting when each hand-off row arrives. */
async function openConsole(url: string, username: string, password: string): Promise<Console> {
  const login = await fetch(`${url}/api/v1/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!login.ok) throw new Error(`login ${username}: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const abort = new AbortController();
  const feed = await fetch(`${url}/api/v1/staff/feed`, { headers: { cookie, accept: 'text/event-stream' }, signal: abort.signal });
  if (!feed.ok || !feed.body) throw new Error(`feed ${username}: ${feed.status}`);
  const arrivals = new Map<string, number>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of feed.body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const event = JSON.parse(data.slice(6)) as { kind?: string; id?: string; row?: { handoff?: string } | null };
          if (event.kind === 'conversation' && event.id && event.row?.handoff === 'requested' && !arrivals.has(event.id)) arrivals.set(event.id, at);
        }
      }
    } catch {
      // Aborted at the end of the run.
    }
  })();
  return { cookie, arrivals, close: () => abort.abort() };
}

async function main(): Promise<void> {
  let dataDir: string | undefined;
  let dbName: string | undefined;
  const work = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-bench-console-'));
  let databaseUrl: string;
  if (args.db === 'postgres') {
    dbName = `kd_bench_console_${Date.now()}`;
    const admin = new pg.Client({ connectionString: pgBase });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const u = new URL(pgBase);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  } else {
    dataDir = path.join(work, 'db');
    databaseUrl = `pglite:${dataDir}`;
  }
  const server = new ServerProcess(root, await freePort(), { ...BENCH_LIMITS, KUAIDAI_DATA_DIR: work, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', KUAIDAI_ENV: 'development', SANDBOX_OTP_CODE: '123456' });
  const consoles: Console[] = [];
  try {
    await server.start();
    const url = server.url;
    console.log('Kuaidai staff console benchmark');
    console.log(`machine    : ${os.cpus()[0]?.model ?? 'cpu'} · ${os.cpus().length} logical cores · Node ${process.version}`);
    console.log(`database   : ${args.db === 'postgres' ? `PostgreSQL, fresh database ${dbName}` : 'embedded PGlite (fresh directory)'}`);

    // 1. Open conversations (the borrower said hello and is at the menu) and the agents' consoles.
    let t0 = performance.now();
    await pool(OPEN, CONCURRENCY, (i) => chat(url, `open-${i}`, '你好'));
    console.log(`open       : ${OPEN} conversations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const accounts: [string, string][] = [
      ['kefu', 'Demo-Agent-2026'],
      ['zhuguan', 'Demo-Supervisor-2026'],
    ];
    for (let i = 0; i < CONSOLES; i++) consoles.push(await openConsole(url, ...accounts[i % accounts.length]!));
    console.log(`consoles   : ${CONSOLES} logged in, each holding the live feed open`);

    // 2. Hand-off requests, one at a time while the other borrowers keep chatting.
    let chatting = true;
    const background = (async () => {
      let n = 0;
      while (chatting) {
        await chat(url, `open-${n % OPEN}`, '利率多少').catch(() => undefined);
        n++;
      }
      return n;
    })();
    const latencies: number[] = [];
    let missing = 0;
    for (let i = 0; i < HANDOFFS; i++) {
      const userId = `open-${(i * 37) % OPEN}`;
      const sentAt = performance.now();
      const res = await fetch(`${url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, messageId: randomUUID(), text: '转人工' }) });
      await res.arrayBuffer();
      const conversationId = await conversationOf(url, userId, consoles[0]!.cookie);
      // Each console's arrival, waiting up to 5 s for the last.
      const deadline = performance.now() + 5_000;
      while (consoles.some((c) => !c.arrivals.has(conversationId)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      for (const c of consoles) {
        const at = c.arrivals.get(conversationId);
        if (at === undefined) missing++;
        else latencies.push(at - sentAt);
      }
      // Back to the bot, so the same borrower can ask again later in a long run.
      await chat(url, userId, '取消');
      await new Promise((r) => setTimeout(r, 100));
    }
    chatting = false;
    const backgroundTurns = await background;
    const h = summary(latencies);
    console.log(
      `hand-off   : ${HANDOFFS} requests × ${CONSOLES} consoles = ${h.n} arrivals (${missing} missing); from sending 转人工 to the row on each console's feed: p50 ${ms(h.p50)} · p95 ${ms(h.p95)} · p99 ${ms(h.p99)} · max ${ms(h.max)} — target p99 < 500 ms: ${h.p99 < 500 && missing === 0 ? 'met' : 'NOT met'}`,
    );
    console.log(`             meanwhile ${backgroundTurns} other turns from chatting borrowers`);
    for (const c of consoles) c.close();
    consoles.length = 0;

    // 3. The queue with TOTAL conversations in the database.
    t0 = performance.now();
    await pool(TOTAL - OPEN, CONCURRENCY, (i) => chat(url, `more-${i}`, '你好'));
    // A share of them asked for a person, so the 待接入 view has rows to sort.
    await pool(Math.floor(TOTAL / 20), CONCURRENCY, (i) => chat(url, `more-${i * 19}`, '转人工'));
    console.log(`grown      : ${TOTAL} conversations (${Math.floor(TOTAL / 20)} more waiting for a person) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const agent = await openConsole(url, 'kefu', 'Demo-Agent-2026');
    agent.close();
    for (const view of ['requested', 'mine', 'unassigned', 'all']) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < 30; i++) {
        const s = performance.now();
        const res = await fetch(`${url}/api/v1/staff/queue?view=${view}`, { headers: { cookie: agent.cookie } });
        const body = (await res.json()) as { rows?: unknown[] };
        if (!res.ok) throw new Error(`queue ${view}: ${res.status} ${JSON.stringify(body)}`);
        times.push(performance.now() - s);
        rows = body.rows?.length ?? 0;
      }
      const q = summary(times.slice(5));
      console.log(`queue ${view.padEnd(10)}: ${rows} rows + every view's count, over loopback: p50 ${ms(q.p50)} · p99 ${ms(q.p99)} · max ${ms(q.max)} — target < 200 ms: ${q.p99 < 200 ? 'met' : 'NOT met'}`);
    }
  } finally {
    for (const c of consoles) c.close();
    await server.stop().catch(() => undefined);
    if (dbName) {
      const admin = new pg.Client({ connectionString: pgBase });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await admin.end();
    }
    await rm(work, { recursive: true, force: true });
  }
}

/** The conversation id of a REST user, as the console lists it. */
async function conversationOf(url: string, userId: string, cookie: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/staff/conversations?handoff=requested&limit=200`, { headers: { cookie } });
  const body = (await res.json()) as { conversations: { id: string; userId: string }[] };
  const found = body.conversations.find((c) => c.userId === userId);
  if (!found) throw new Error(`no conversation waiting for a person for ${userId}`);
  return found.id;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
