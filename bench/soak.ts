// A long soak of one server: `npm run bench:soak -- --help`. Short conversations that leave a pending
// deadline, and whole journeys, interleaved in blocks; after each block the turn latency, the server's
// memory and the database's size; at the end a SIGKILL and the time the server takes to be ready again.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { approvedBorrowers, type ApprovedBorrower } from './approvedBorrowers.js';
import { killServer, startServer, stopServer, type BenchServer } from './benchServer.js';
import { conversation, newStats, percentile, ranked, userClient, type Step } from './journeyDriver.js';
import { processTree, rssKbOf } from './processTree.js';
import { envArgs } from './envArgs.js';
import { scratchDatabase, type ScratchDatabase } from './scratchDatabase.js';
import { serverEntry } from './serverEntry.js';

const HELP = `Kuaidai soak benchmark: one server takes many short conversations and whole journeys, in blocks,
and shows after each block whether latency, memory and the database stay flat; then it is killed
(SIGKILL) and started again on the same data.

  npm run bench:soak -- [--db pglite|postgres] [--conversations 100000] [--journeys 10000] [--blocks 10]

Options
  --db pglite|postgres  pglite (default): embedded, in a fresh temp KUAIDAI_DATA_DIR (its PGlite in
                        <dir>/pglite); postgres: a fresh database on DATABASE_URL's server (default
                        postgres://postgres@127.0.0.1:5432), dropped afterwards
  --conversations N     short conversations in total (default 100000): a new borrower says
                        我想借5万块钱 and picks the personal product (two turns), is asked their name
                        and leaves, so the application's 30-minute nudge stays pending
  --journeys N          completed journeys in total (default 10000): bench:journeys' 13 turns from
                        你好 to an opened credit line, each borrower approved beforehand by core's decision
  --blocks N            the run in N blocks, each with its share of both, interleaved (default 10)
  --users N             concurrent virtual users, one keep-alive connection each (default 50)
  --warmup K            K journeys and 10×K short conversations before block 1, left out of the
                        figures (their rows stay in the database) (default 20)
  --env KEY=VALUE       extra setting for the server, repeatable (e.g. database maintenance settings)
  --seed S              seed of the generated borrowers (default: from the clock)
  --request-timeout MS  a turn without an answer after this long fails its conversation (default 10000)
  --help                this text

The server runs npm start's entry (bench/serverEntry.ts: dist/ when built from the current sources,
else tsx) with SANDBOX_OTP_CODE=123456, LOG_LEVEL=warn, the benchmark limits and jobs on
(JOBS_POLL_MS=1000 unless --env sets it), so scheduled maintenance runs during the soak.

After each block one line: block, conversations and journeys so far, the block's turn latency p50/p99
(client round trip), turns/s, the server's RSS (sum over its process tree, at the block's end), the
database's size and its WAL: on PGlite the data directory's base/ and pg_wal/ folders, on PostgreSQL
pg_database_size(current_database()) and the sum of pg_ls_waldir() (the whole cluster's WAL). At the
end the server's process tree is SIGKILLed, started again on the same data, and the time until
/readyz answers 200 is measured (on PGlite this includes replaying the WAL); one short conversation
checks it answers. Prints a table and a RESULT {json} line. Exit code 0 only when every conversation
and journey completed and the restarted server answered.`;

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    conversations: { type: 'string', default: '100000' },
    journeys: { type: 'string', default: '10000' },
    blocks: { type: 'string', default: '10' },
    users: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '20' },
    env: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string' },
    'request-timeout': { type: 'string', default: '10000' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const usage = (message: string): never => {
  console.error(`bench:soak: ${message} (--help explains the options)`);
  process.exit(2);
};
const int = (name: 'conversations' | 'journeys' | 'blocks' | 'users' | 'warmup' | 'seed' | 'request-timeout', min: number, max: number): number => {
  const n = Number(args[name]);
  return Number.isInteger(n) && n >= min && n <= max ? n : usage(`--${name} must be a whole number from ${min} to ${max}`);
};
const CONVERSATIONS = int('conversations', 0, 10_000_000);
const JOURNEYS = int('journeys', 0, 1_000_000);
const BLOCKS = int('blocks', 1, 1000);
const USERS = int('users', 1, 10_000);
const WARMUP = int('warmup', 0, 10_000);
const REQUEST_TIMEOUT_MS = int('request-timeout', 1, 600_000);
const SEED = args.seed === undefined ? Date.now() % 2 ** 31 : int('seed', 0, 2 ** 31 - 1);
const DB = args.db === 'pglite' || args.db === 'postgres' ? args.db : usage('--db must be pglite or postgres');
const EXTRA_ENV = envArgs(args.env, usage);
if (CONVERSATIONS + JOURNEYS === 0) usage('nothing to do: --conversations and --journeys are both 0');
const OTP = '123456';
const DRIVER = { otp: OTP, requestTimeoutMs: REQUEST_TIMEOUT_MS };

// flows/golden/natural-borrow-with-amount.txt's first two turns: the application asks the name and schedules its nudge.
const SHORT: readonly Step[] = [
  { send: () => '我想借5万块钱', label: '我想借5万块钱', expect: '请选择要申请的产品' },
  { send: () => '1', label: '1 个人贷', expect: '真实姓名' },
];

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const mib = (bytes: number) => r1(bytes / 2 ** 20);

/** Bytes of the files under a directory (their sizes, not the blocks they take). */
async function bytesUnder(dir: string): Promise<number> {
  let sum = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile()) sum += await stat(path.join(e.parentPath, e.name)).then((s) => s.size, () => 0);
  }
  return sum;
}

/** The database's size and its write-ahead log's, in bytes. */
type Sizes = () => Promise<{ readonly dbBytes: number; readonly walBytes: number }>;

function pgliteSizes(pgliteDir: string): Sizes {
  return async () => ({ dbBytes: await bytesUnder(path.join(pgliteDir, 'base')), walBytes: await bytesUnder(path.join(pgliteDir, 'pg_wal')) });
}

function postgresSizes(url: string): Sizes {
  return async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string; wal: string }>('SELECT pg_database_size(current_database()) AS db, (SELECT coalesce(sum(size), 0) FROM pg_ls_waldir()) AS wal');
      return { dbBytes: Number(rows[0]!.db), walBytes: Number(rows[0]!.wal) };
    } finally {
      await client.end();
    }
  };
}

/** `total` split into `blocks` shares that differ by at most one. */
const share = (total: number, block: number) => Math.floor(((block + 1) * total) / BLOCKS) - Math.floor((block * total) / BLOCKS);

interface BlockFigures {
  readonly block: number;
  readonly conversations: number;
  readonly journeys: number;
  readonly failed: number;
  readonly turns: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly turnsPerS: number;
  readonly rssMiB: number;
  readonly dbMiB: number;
  readonly walMiB: number;
  readonly wallS: number;
  /** The machine's 1-minute load average at the block's end: other work on it shows here. */
  readonly load: number;
}

/**
 * One block: `users` virtual users take its tasks from one counter, the journeys spread evenly among
 * the short conversations. Journey borrowers are taken from `borrowers` at `firstJourney`.
 */
async function runBlock(url: string, tag: string, conversations: number, journeys: number, borrowers: readonly ApprovedBorrower[], firstJourney: number) {
  const total = conversations + journeys;
  const isJourney = (i: number) => Math.floor(((i + 1) * journeys) / total) > Math.floor((i * journeys) / total);
  const stats = newStats();
  const base = new URL(url);
  let next = 0;
  let journeyNo = firstJourney;
  let shortNo = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(USERS, total) }, async () => {
      const client = userClient(base, stats);
      for (let i = next++; i < total; i = next++) {
        const outcome = isJourney(i)
          ? await conversation(client, DRIVER, borrowers[journeyNo]!, `${tag}-j${journeyNo++}`, Infinity, stats)
          : await conversation(client, DRIVER, borrowers[0]!, `${tag}-c${shortNo++}`, Infinity, stats, SHORT);
        stats[outcome]++;
      }
      client.close();
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  return { stats, wallS, latencies: Float64Array.from(stats.latencies).sort() };
}

async function main(): Promise<number> {
  const entry = await serverEntry(root);
  console.log('Kuaidai soak benchmark (short conversations and 13-turn journeys, POST /api/v1/chat, sandbox providers)');
  console.log(`machine      : ${os.cpus()[0]?.model ?? 'unknown'} · ${os.cpus().length} logical cores · ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB · Node ${process.version} · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`server entry : ${entry.describe}`);
  const g0 = performance.now();
  // At least one: a short conversation types nothing of its borrower, but takes one.
  const { borrowers, candidates } = approvedBorrowers({ count: Math.max(1, WARMUP + JOURNEYS), seed: SEED, now: Date.now() });
  console.log(`borrowers    : ${borrowers.length} generated for the journeys (warm-up included), approved by core's decision (of ${candidates} candidates), seed ${SEED}, in ${((performance.now() - g0) / 1000).toFixed(1)} s`);

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-bench-soak-'));
  const env: Record<string, string> = { ...entry.env, SANDBOX_OTP_CODE: OTP, KUAIDAI_DATA_DIR: dataDir, JOBS_POLL_MS: '1000', ...EXTRA_ENV };
  let scratch: ScratchDatabase | undefined;
  let sizes: Sizes;
  if (DB === 'pglite') {
    const pgliteDir = path.join(dataDir, 'pglite'); // the server's default: <KUAIDAI_DATA_DIR>/pglite
    sizes = pgliteSizes(pgliteDir);
    console.log(`database     : embedded PGlite in ${pgliteDir} (fresh, removed afterwards)`);
  } else {
    scratch = await scratchDatabase({ postgres: true, prefix: 'kuaidai_bench_soak' });
    env.DATABASE_URL = scratch.url;
    sizes = postgresSizes(scratch.url);
    const u = new URL(scratch.url);
    console.log(`database     : PostgreSQL database ${u.pathname.slice(1)} on ${u.host} (fresh, dropped afterwards; WAL is the whole cluster's)`);
  }
  const shown = Object.entries(EXTRA_ENV).map(([k, v]) => `${k}=${v}`);
  console.log(`server env   : JOBS_POLL_MS=${env.JOBS_POLL_MS}${shown.length ? ` · from --env: ${shown.join(' ')}` : ''}`);
  console.log(`run          : ${CONVERSATIONS} short conversations + ${JOURNEYS} journeys in ${BLOCKS} blocks, ${USERS} users`);

  let server: BenchServer | undefined;
  const cleanup = async () => {
    await rm(dataDir, { recursive: true, force: true });
    await scratch?.cleanup();
    scratch = undefined;
  };
  const interrupted = () => {
    console.error('interrupted: stopping the server');
    void (server ? stopServer(server) : Promise.resolve()).finally(() => void cleanup().finally(() => process.exit(130)));
  };
  process.once('SIGINT', interrupted);
  try {
    const s0 = performance.now();
    server = await startServer({ cwd: root, args: entry.args, env });
    console.log(`server       : ready at ${server.url} in ${((performance.now() - s0) / 1000).toFixed(1)} s (pid ${server.pid})`);

    const tag = `s${Date.now().toString(36)}`;
    if (WARMUP) {
      const w = await runBlock(server.url, `${tag}-w`, 10 * WARMUP, WARMUP, borrowers, 0);
      console.log(`warm-up      : ${w.stats.completed} of ${11 * WARMUP} conversations completed in ${r1(w.wallS)} s (left out of the figures)${w.stats.failed ? `; first failure: ${ranked(w.stats.failures)[0]?.reason}` : ''}`);
    }
    const figures: BlockFigures[] = [];
    const failures = new Map<string, number>();
    let conversationsSoFar = 0;
    let journeysSoFar = 0;
    let failed = 0;
    const t0 = performance.now();
    for (let b = 0; b < BLOCKS; b++) {
      const c = share(CONVERSATIONS, b);
      const j = share(JOURNEYS, b);
      const { stats, wallS, latencies } = await runBlock(server.url, `${tag}-b${b}`, c, j, borrowers, WARMUP + journeysSoFar);
      conversationsSoFar += c;
      journeysSoFar += j;
      failed += c + j - stats.completed;
      for (const { reason, count } of ranked(stats.failures)) failures.set(reason, (failures.get(reason) ?? 0) + count);
      const { dbBytes, walBytes } = await sizes();
      const f: BlockFigures = {
        block: b + 1,
        conversations: conversationsSoFar,
        journeys: journeysSoFar,
        failed: c + j - stats.completed,
        turns: latencies.length,
        p50Ms: r2(percentile(latencies, 50)),
        p99Ms: r2(percentile(latencies, 99)),
        turnsPerS: r1(latencies.length / wallS),
        rssMiB: mib(rssKbOf(processTree(server.pid)) * 1024),
        dbMiB: mib(dbBytes),
        walMiB: mib(walBytes),
        wallS: r1(wallS),
        load: r2(os.loadavg()[0]!),
      };
      figures.push(f);
      console.log(
        `block ${String(f.block).padStart(3)}/${BLOCKS} : ${f.conversations} conversations + ${f.journeys} journeys · turns p50 ${f.p50Ms} ms p99 ${f.p99Ms} ms · ${f.turnsPerS} turns/s · RSS ${f.rssMiB} MiB · db ${f.dbMiB} MiB · WAL ${f.walMiB} MiB · ${f.wallS} s · load ${f.load}${f.failed ? ` · ${f.failed} FAILED` : ''}`,
      );
    }
    const runS = (performance.now() - t0) / 1000;
    const log = server.log;

    // The crash: SIGKILL to the whole tree, then the same data again.
    await killServer(server);
    const killed = await sizes().catch(() => undefined);
    const k0 = performance.now();
    server = await startServer({ cwd: root, args: entry.args, env });
    const startupS = (performance.now() - k0) / 1000;
    const after = newStats();
    const client = userClient(new URL(server.url), after);
    const answered = (await conversation(client, DRIVER, borrowers[0]!, `${tag}-after-restart`, Infinity, after, SHORT)) === 'completed';
    client.close();
    const rssAfterMiB = mib(rssKbOf(processTree(server.pid)) * 1024);
    const restartLog = server.log;
    await stopServer(server);
    server = undefined;

    console.log('');
    console.log('block | conversations | journeys | turns p50 ms | turns p99 ms | turns/s | RSS MiB |  db MiB | WAL MiB | load');
    for (const f of figures) {
      console.log(
        `${String(f.block).padStart(5)} | ${String(f.conversations).padStart(13)} | ${String(f.journeys).padStart(8)} | ${String(f.p50Ms).padStart(12)} | ${String(f.p99Ms).padStart(12)} | ${String(f.turnsPerS).padStart(7)} | ${String(f.rssMiB).padStart(7)} | ${String(f.dbMiB).padStart(7)} | ${String(f.walMiB).padStart(7)} | ${f.load}`,
      );
    }
    console.log(`run          : ${r1(runS)} s, ${conversationsSoFar} conversations + ${journeysSoFar} journeys, ${failed} failed`);
    for (const [reason, count] of [...failures].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  failure ×${count}: ${reason}`);
    if (killed) console.log(`at SIGKILL   : db ${mib(killed.dbBytes)} MiB · WAL ${mib(killed.walBytes)} MiB`);
    console.log(`restart      : ready (/readyz 200) ${r2(startupS)} s after start on the same data, after SIGKILL · RSS ${rssAfterMiB} MiB · a new short conversation ${answered ? 'answered' : `FAILED: ${ranked(after.failures)[0]?.reason ?? '?'}`}`);
    for (const [name, l] of [['server log   ', log], ['after restart', restartLog]] as const) {
      if (!l.lines) continue;
      console.log(`${name}: ${l.lines} lines at warn or above`);
      for (const [msg, n] of [...l.byMessage].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  ×${n}: ${msg}`);
    }
    const result = {
      db: DB,
      entry: entry.describe,
      env: EXTRA_ENV,
      conversations: CONVERSATIONS,
      journeys: JOURNEYS,
      blocks: BLOCKS,
      users: USERS,
      warmup: WARMUP,
      seed: SEED,
      failed,
      failures: [...failures].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([reason, count]) => ({ reason, count })),
      runS: r1(runS),
      figures,
      atKill: killed ? { dbMiB: mib(killed.dbBytes), walMiB: mib(killed.walBytes) } : null,
      restart: { startupS: r2(startupS), answered, rssMiB: rssAfterMiB },
      serverLogLines: log.lines + restartLog.lines,
      machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, loadAfter: os.loadavg().map(r2) },
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
    return failed === 0 && answered ? 0 : 1;
  } finally {
    if (server) await stopServer(server);
    await cleanup();
    process.off('SIGINT', interrupted);
  }
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(`bench:soak: ${e instanceof Error ? e.message : String(e)}`);
  return 2;
});
