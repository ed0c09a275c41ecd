// Whole borrower journeys against a fresh server: `npm run bench:journeys -- --help`.
// Three processes: this one (prepares data, starts and measures the server from /proc, reports),
// the server (`npm start`'s entry, with its workers if any) and the load driver (bench/journeyDriver.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { approvedBorrowers } from './approvedBorrowers.js';
import { startServer, stopServer, type BenchServer } from './benchServer.js';
import type { DriverConfig, DriverResult, FromDriver, ToDriver } from './journeyDriver.js';
import { commOf, cpuSecondsBetween, describeProcesses, listenersByInode, processTree, rssKbOf, ticksOf } from './processTree.js';
import { envArgs } from './envArgs.js';
import { scratchDatabase, type ScratchDatabase } from './scratchDatabase.js';
import { serverEntry } from './serverEntry.js';

const HELP = `Kuaidai journeys benchmark: borrowers walk the real 13-turn journey to an opened credit line
(你好 → 1 → 1 → name → ID number → mobile → SMS code → purpose → amount → 确认提交 → 同意全部授权 →
接受额度 → 我已阅读并同意) over POST /api/v1/chat, against a fresh server started for this run.

  npm run bench:journeys -- [--users 200] [--conversations 2000] [--db pglite|postgres] [--workers N|auto]

Options
  --users N            concurrent virtual users, one keep-alive connection each (default 200)
  --conversations M    conversations in total, shared by the users; each has its own user id (default 2000)
  --db pglite|postgres pglite (default): embedded, in a fresh temp KUAIDAI_DATA_DIR;
                       postgres: a fresh database on DATABASE_URL's server (default
                       postgres://postgres@127.0.0.1:5432), dropped afterwards
  --workers N|auto     passed to the server as KUAIDAI_WORKERS (several processes on PostgreSQL);
                       unset by default
  --warmup K           sequential conversations before the run, left out of every figure (default 20)
  --seed S             seed of the generated borrowers (default: from the clock, so data is fresh per run)
  --request-timeout MS a turn without an answer after this long fails its conversation (default 10000)
  --timeout S          the run stops starting conversations after S seconds (default 900)
  --env KEY=VALUE      extra setting for the server, repeatable (e.g. NODE_CLUSTER_SCHED_POLICY=none)
  --floor              run bench/floorServer.ts instead of Kuaidai: a minimal server doing the least a
                       durable turn with Kuaidai's guarantees must (load, unseal, seal, one commit
                       statement with the dedupe and the reply); what this machine allows at all
  --help               this text

Borrowers are generated for each run and decided beforehand with core's own decision, so every one
is approved by the sandbox; every reply is checked for what its step must show, and the offer for
the limit core decided. The server runs npm start's entry: dist/server/main.js when npm run build
made it from the current sources, else server/main.ts through tsx (this benchmark never builds; it
says which it ran), with SANDBOX_OTP_CODE=123456, LOG_LEVEL=warn and the benchmark limits
(bench/benchLimits.ts). The driver is a separate process (bench/journeyDriver.ts).

Prints completed and failed conversations (with the first reasons), turns, turns/s, journeys/s,
latency p50/p95/p99/max (client round trip), new connections (time to 'connect', longest first reply
on a new connection, longest accept queue of the listening socket), the server's peak RSS (sum over
its process tree, sampled every 100 ms) and CPU per turn: the server's process tree and, on
PostgreSQL, the backends serving this database (on PGlite the database runs inside the server, and its
thread's busy time and requests per turn are read from the server's /metrics).
Ends with a RESULT {json} line. Exit code 0 only when every conversation completed.`;

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '200' },
    conversations: { type: 'string', default: '2000' },
    db: { type: 'string', default: 'pglite' },
    workers: { type: 'string' },
    warmup: { type: 'string', default: '20' },
    seed: { type: 'string' },
    'request-timeout': { type: 'string', default: '10000' },
    timeout: { type: 'string', default: '900' },
    floor: { type: 'boolean', default: false },
    env: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const usage = (message: string): never => {
  console.error(`bench:journeys: ${message} (--help explains the options)`);
  process.exit(2);
};
const int = (name: keyof typeof args, min: number, max: number): number => {
  const n = Number(args[name]);
  return Number.isInteger(n) && n >= min && n <= max ? n : usage(`--${name} must be a whole number from ${min} to ${max}`);
};
const USERS = int('users', 1, 10_000);
const CONVERSATIONS = int('conversations', 1, 1_000_000);
const WARMUP = int('warmup', 0, 10_000);
const REQUEST_TIMEOUT_MS = int('request-timeout', 1, 600_000);
const TIMEOUT_S = int('timeout', 1, 86_400);
const SEED = args.seed === undefined ? Date.now() % 2 ** 31 : int('seed', 0, 2 ** 31 - 1);
const DB = args.db === 'pglite' || args.db === 'postgres' ? args.db : usage('--db must be pglite or postgres');
const WORKERS = args.workers === undefined ? undefined : args.workers === 'auto' || /^[1-9]\d{0,2}$/.test(args.workers) ? args.workers : usage('--workers must be a number or auto');
const OTP = '123456';
const FLOOR = args.floor;
const EXTRA_ENV = envArgs(args.env, usage);

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const mib = (kb: number) => r1(kb / 1024);

// ---- the database's own CPU (PostgreSQL backends serving this database) ---------------------------
interface BackendCpu {
  refresh(): Promise<void>;
  sample(): void;
  /** Last CPU ticks of every backend seen (an exited one keeps its last reading). */
  snapshot(): Map<number, number>;
  readonly local: boolean;
  close(): Promise<void>;
}

async function backendCpu(adminUrl: string, database: string): Promise<BackendCpu> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const pids = new Set<number>();
  const last = new Map<number, number>();
  let listed = 0;
  const refresh = async () => {
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
    listed = Math.max(listed, rows.length);
    // Only PostgreSQL's own processes on this machine: a server elsewhere has other pids.
    for (const r of rows) if (!pids.has(r.pid) && commOf(r.pid) === 'postgres') pids.add(r.pid);
  };
  const sample = () => {
    for (const [pid, t] of ticksOf([...pids], { children: false })) last.set(pid, t);
  };
  await refresh();
  sample();
  return { refresh, sample, snapshot: () => new Map(last), local: listed === 0 || pids.size > 0, close: () => admin.end() };
}

// ---- the run ------------------------------------------------------------------------------------
function receive<T extends FromDriver['type']>(driver: ChildProcess, type: T, onProgress?: (m: Extract<FromDriver, { type: 'progress' }>) => void): Promise<Extract<FromDriver, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromDriver) => {
      if (m.type === 'progress') onProgress?.(m);
      if (m.type !== type) return;
      driver.off('message', onMessage);
      driver.off('exit', onExit);
      resolve(m as Extract<FromDriver, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`the driver exited (${code}) before '${type}'`));
    driver.on('message', onMessage);
    driver.once('exit', onExit);
  });
}

async function main(): Promise<number> {
  const entry = FLOOR
    ? { args: ['--import', 'tsx', 'bench/floorServer.ts'], env: {}, describe: 'node --import tsx bench/floorServer.ts (--floor: the floor of a durable turn, not Kuaidai)' }
    : await serverEntry(root);
  console.log('Kuaidai journeys benchmark (13-turn journey to an opened line, POST /api/v1/chat, sandbox providers)');
  console.log(`machine      : ${os.cpus()[0]?.model ?? 'unknown'} · ${os.cpus().length} logical cores · ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB · Node ${process.version} · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`server entry : ${entry.describe}`);

  const g0 = performance.now();
  const { borrowers, candidates } = approvedBorrowers({ count: WARMUP + CONVERSATIONS, seed: SEED, now: Date.now() });
  console.log(`borrowers    : ${borrowers.length} generated, approved by core's decision (of ${candidates} candidates), seed ${SEED}, in ${((performance.now() - g0) / 1000).toFixed(1)} s`);

  const env: Record<string, string> = { ...entry.env };
  let dataDir: string | undefined;
  let scratch: ScratchDatabase | undefined;
  let where: string;
  if (DB === 'pglite') {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-bench-journeys-'));
    env.KUAIDAI_DATA_DIR = dataDir;
    where = `embedded PGlite in ${dataDir}`;
  } else {
    scratch = await scratchDatabase({ postgres: true, prefix: 'kuaidai_bench_journeys' });
    env.DATABASE_URL = scratch.url;
    const u = new URL(scratch.url);
    where = `PostgreSQL database ${u.pathname.slice(1)} on ${u.host} (fresh, dropped afterwards)`;
  }
  if (WORKERS !== undefined) env.KUAIDAI_WORKERS = WORKERS;
  Object.assign(env, EXTRA_ENV);
  console.log(`database     : ${where}`);
  console.log(`workers      : ${WORKERS === undefined ? 'KUAIDAI_WORKERS unset' : `KUAIDAI_WORKERS=${WORKERS}`}`);
  if (args.env.length) console.log(`server env   : from --env: ${args.env.join(' ')}`);

  let server: BenchServer | undefined;
  let driver: ChildProcess | undefined;
  let backends: BackendCpu | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const interrupted = () => {
    console.error('interrupted: stopping the driver and the server');
    driver?.kill('SIGTERM');
    void (server ? stopServer(server) : Promise.resolve()).finally(() => void cleanup().finally(() => process.exit(130)));
  };
  const cleanup = async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await scratch?.cleanup();
    dataDir = undefined;
    scratch = undefined;
  };
  process.once('SIGINT', interrupted);
  try {
    const s0 = performance.now();
    server = await startServer({ cwd: root, args: entry.args, env: { SANDBOX_OTP_CODE: OTP, ...env } });
    const srv = server;
    console.log(`server       : ready at ${srv.url} in ${((performance.now() - s0) / 1000).toFixed(1)} s (pid ${srv.pid})`);

    // Every 100 ms: the server tree's RSS and the accept queue; the tree itself and the backends' pids every second.
    let tree = processTree(srv.pid);
    let measuring = false;
    const peak = { lifeKb: 0, runKb: 0, runProcesses: '', acceptQueue: 0 };
    let tick = 0;
    sampler = setInterval(() => {
      if (++tick % 10 === 0) {
        tree = processTree(srv.pid);
        if (measuring) void backends?.refresh().catch(() => undefined);
      }
      const kb = rssKbOf(tree);
      peak.lifeKb = Math.max(peak.lifeKb, kb);
      if (!measuring) return;
      if (kb > peak.runKb) [peak.runKb, peak.runProcesses] = [kb, describeProcesses(tree)];
      peak.acceptQueue = Math.max(peak.acceptQueue, ...listenersByInode(new Set([srv.listenerInode])).map((l) => l.acceptQueue));
      backends?.sample();
    }, 100);

    if (scratch) {
      const u = new URL(scratch.url);
      const admin = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
      backends = await backendCpu(admin.toString(), u.pathname.slice(1));
    }

    driver = fork(path.join(root, 'bench/journeyDriver.ts'), [], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const config: DriverConfig = { url: srv.url, users: USERS, conversations: CONVERSATIONS, warmup: WARMUP, requestTimeoutMs: REQUEST_TIMEOUT_MS, timeoutMs: TIMEOUT_S * 1000, otp: OTP, borrowers, runTag: `j${Date.now().toString(36)}`, checkOffer: !FLOOR };
    const warmed = receive(driver, 'warmed');
    driver.send({ type: 'config', config } satisfies ToDriver);
    const w = await warmed;
    console.log(`warm-up      : ${w.completed} of ${WARMUP} sequential conversations completed (left out of the figures)${w.failures[0] ? `; first failure: ${w.failures[0].reason}` : ''}`);

    tree = processTree(srv.pid);
    await backends?.refresh();
    backends?.sample();
    const serverBefore = ticksOf(tree, { children: true });
    const dbBefore = backends?.snapshot();
    const engineBefore = embeddedDbOf(await scrape(srv.url));
    peak.runKb = rssKbOf(tree);
    peak.runProcesses = describeProcesses(tree);
    measuring = true;
    const done = receive(driver, 'result', (p) => console.error(`  … ${r1(p.seconds)} s: ${p.completed} completed, ${p.failed} failed, ${p.turns} turns (${Math.round(p.turns / p.seconds)}/s)`));
    driver.send({ type: 'go' } satisfies ToDriver);
    const { result } = await done;
    measuring = false;
    tree = processTree(srv.pid);
    const serverCpuS = cpuSecondsBetween(serverBefore, ticksOf(tree, { children: true }));
    const processes = describeProcesses(tree);
    await backends?.refresh();
    backends?.sample();
    const dbCpuS = backends && dbBefore && backends.local ? cpuSecondsBetween(dbBefore, backends.snapshot()) : undefined;
    // One scrape after the run serves the database thread's figures and the heap's.
    const after = await scrape(srv.url);
    const engineAfter = embeddedDbOf(after);
    const engine = engineBefore && engineAfter ? { activeS: engineAfter.activeS - engineBefore.activeS, requests: engineAfter.requests - engineBefore.requests } : undefined;
    clearInterval(sampler);
    sampler = undefined;
    await backends?.close();
    backends = undefined;
    const heap = heapOf(after);
    await stopServer(srv);
    return report(result, { serverCpuS, dbCpuS, engine, peak, processes, where, entry: entry.describe, log: srv.log, heap });
  } finally {
    if (sampler) clearInterval(sampler);
    await backends?.close().catch(() => undefined);
    driver?.kill('SIGTERM');
    if (server) await stopServer(server);
    await cleanup();
    process.off('SIGINT', interrupted);
  }
}

/** The server's /metrics (open on the main port outside production): a series' value by name, NaN when absent. */
async function scrape(url: string): Promise<(name: string) => number> {
  const text = await fetch(`${url}/metrics`)
    .then((r) => (r.ok ? r.text() : ''))
    .catch(() => '');
  return (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/**
 * Where the server's memory is after the run, from its /metrics (open on the main port outside
 * production): the main thread's JavaScript heap and what V8 holds outside it. With several workers
 * it is one worker's.
 */
function heapOf(metric: (name: string) => number): string | undefined {
  const used = metric('nodejs_heap_size_used_bytes');
  if (!Number.isFinite(used)) return undefined;
  const mb = (b: number) => (b / 1048576).toFixed(0);
  return `main thread's heap ${mb(used)} MiB used of ${mb(metric('nodejs_heap_size_total_bytes'))} MiB; external ${mb(metric('nodejs_external_memory_bytes'))} MiB; process RSS ${mb(metric('process_resident_memory_bytes'))} MiB (after the run)`;
}

/**
 * The embedded database's thread from the server's /metrics: its active time so far and the requests
 * sent to it (undefined on PostgreSQL, for the floor server, or when /metrics is not served).
 */
function embeddedDbOf(metric: (name: string) => number): { activeS: number; requests: number } | undefined {
  const activeS = metric('kuaidai_embedded_db_thread_active_seconds_total');
  const requests = metric('kuaidai_embedded_db_requests_total');
  return Number.isFinite(activeS) && requests > 0 ? { activeS, requests } : undefined;
}

function report(
  r: DriverResult,
  m: {
    serverCpuS: number;
    dbCpuS: number | undefined;
    engine: { activeS: number; requests: number } | undefined;
    peak: { lifeKb: number; runKb: number; runProcesses: string; acceptQueue: number };
    processes: string;
    where: string;
    entry: string;
    log: BenchServer['log'];
    heap: string | undefined;
  },
): number {
  const turnsPerS = r.turns / r.wallS;
  const journeysPerS = r.completed / r.wallS;
  const serverMsPerTurn = r.turns ? (m.serverCpuS * 1000) / r.turns : NaN;
  const dbMsPerTurn = m.dbCpuS === undefined || !r.turns ? undefined : (m.dbCpuS * 1000) / r.turns;
  const l = r.latencyMs;
  const failed = CONVERSATIONS - r.completed;
  console.log(`run          : ${USERS} users × ${CONVERSATIONS} conversations in ${r2(r.wallS)} s`);
  console.log(`conversations: ${r.completed} completed, ${failed} failed${r.cut || r.notStarted ? ` (of which ${r.cut} cut and ${r.notStarted} not started at --timeout ${TIMEOUT_S} s)` : ''}`);
  for (const f of r.failures.slice(0, 5)) console.log(`  failure ×${f.count}: ${f.reason}`);
  if (r.failures.length > 5) console.log(`  … ${r.failures.length - 5} more kinds of failure`);
  console.log(`turns        : ${r.turns} → ${r1(turnsPerS)} turns/s, ${r1(journeysPerS)} journeys/s`);
  console.log(`latency ms   : p50 ${r2(l.p50)} · p95 ${r2(l.p95)} · p99 ${r2(l.p99)} · max ${r2(l.max)} (client round trip of a turn)`);
  console.log(`by step ms   : ${r.byStep.map((s) => `${s.step} ${Math.round(s.p50)}/${Math.round(s.p99)}`).join(' · ')} (p50/p99)`);
  console.log(`connections  : ${r.connections.opened} opened · longest to 'connect' ${r2(r.connections.connectMaxMs)} ms (p99 ${r2(r.connections.connectP99Ms)}) · longest first reply on a new connection ${r2(r.connections.firstReplyMaxMs)} ms · longest accept queue ${m.peak.acceptQueue}`);
  console.log(`server RSS   : peak ${mib(m.peak.runKb)} MiB during the run (sum over the server's process tree: ${m.peak.runProcesses}; sampled every 100 ms); ${mib(m.peak.lifeKb)} MiB since it was ready`);
  if (m.heap) console.log(`server heap  : ${m.heap}`);
  const db = DB === 'pglite' ? 'database in server (PGlite)' : dbMsPerTurn === undefined ? 'database not measured (its backends are not in this machine\'s /proc)' : `database ${r2(dbMsPerTurn)} ms (PostgreSQL backends of this database: ${r2(m.dbCpuS!)} s)`;
  console.log(`CPU per turn : server ${r2(serverMsPerTurn)} ms (${r2(m.serverCpuS)} s, ${r2(m.serverCpuS / r.wallS)} cores, process tree: ${m.processes}) · ${db}`);
  if (m.engine && r.turns) {
    console.log(`database thr.: busy ${r2((m.engine.activeS * 1000) / r.turns)} ms a turn, ${Math.round((m.engine.activeS / r.wallS) * 100)} % of a core during the run; ${r2(m.engine.requests / r.turns)} requests a turn (the embedded database's thread, from /metrics; part of the server's CPU above)`);
  }
  console.log(`driver       : ${r2(r.driverCpuS)} s CPU (its own process, on the same machine)`);
  if (m.log.lines) {
    console.log(`server log   : ${m.log.lines} lines at warn or above (start-up included)`);
    for (const [msg, n] of [...m.log.byMessage].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  ×${n}: ${msg}`);
  }
  const result = {
    db: DB,
    floor: FLOOR,
    workers: WORKERS ?? null,
    env: EXTRA_ENV,
    entry: m.entry,
    users: USERS,
    conversations: CONVERSATIONS,
    warmup: WARMUP,
    seed: SEED,
    turnsPerConversation: 13,
    completed: r.completed,
    failed,
    cut: r.cut,
    notStarted: r.notStarted,
    failures: r.failures.slice(0, 10),
    turns: r.turns,
    wallS: r2(r.wallS),
    turnsPerS: r1(turnsPerS),
    journeysPerS: r1(journeysPerS),
    latencyMs: { p50: r2(l.p50), p95: r2(l.p95), p99: r2(l.p99), max: r2(l.max) },
    byStep: r.byStep.map((s) => ({ step: s.step, p50: r2(s.p50), p99: r2(s.p99) })),
    connections: { opened: r.connections.opened, connectMaxMs: r2(r.connections.connectMaxMs), firstReplyMaxMs: r2(r.connections.firstReplyMaxMs), acceptQueueMax: m.peak.acceptQueue },
    server: { processes: m.processes, peakRssMiB: mib(m.peak.runKb), peakRssSinceReadyMiB: mib(m.peak.lifeKb), cpuS: r2(m.serverCpuS), cpuMsPerTurn: r2(serverMsPerTurn), logLines: m.log.lines },
    databaseThread: m.engine && r.turns ? { activeS: r2(m.engine.activeS), msPerTurn: r2((m.engine.activeS * 1000) / r.turns), requestsPerTurn: r2(m.engine.requests / r.turns) } : null,
    database: DB === 'pglite' ? 'in server' : m.dbCpuS === undefined ? null : { cpuS: r2(m.dbCpuS), cpuMsPerTurn: r2(dbMsPerTurn!) },
    driverCpuS: r2(r.driverCpuS),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, loadAfter: os.loadavg().map(r2) },
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  return r.completed === CONVERSATIONS ? 0 : 1;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(`bench:journeys: ${e instanceof Error ? e.message : String(e)}`);
  return 2;
});
