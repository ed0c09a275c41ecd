// Fault run: `npm run bench:faults -- [--borrowers 30] [--kills 10] [--db pglite|postgres] [--seed N]
// [--rounds 2] [--timeout 300] [--keep]`. The server runs as its own process (`npm start`'s entry, the
// real lending conversation, sandbox providers) on a fresh database: an embedded PGlite directory, or
// a database created on the local PostgreSQL (DATABASE_URL, else postgres://postgres@127.0.0.1:5432)
// and dropped afterwards. N borrowers walk the whole journey concurrently over REST while the server
// is killed with SIGKILL at random moments (seeded) and started again at once on the same database;
// every message is redelivered with its same messageId until it is answered, as a real channel does.
// After a last restart (time for the recovery job) the database is checked: each message stored once,
// one drawdown and one repayment per receipt, nothing half done, one active line per borrower, the
// ledger equal to the balances. Exits 1 when a check fails. Loopback traffic only.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPrng } from '../core/index.js';
import { BorrowerJourney, plannedTurns } from './faultRun/borrowerJourney.js';
import { checkDatabase, openRunDatabase, type CheckResult } from './faultRun/checkDatabase.js';
import { RedeliveringClient } from './faultRun/redeliveringClient.js';
import { freePort, ServerProcess } from './faultRun/serverProcess.js';
import { BENCH_LIMITS } from './benchLimits.js';

const { values: args } = parseArgs({
  options: {
    borrowers: { type: 'string', default: '30' },
    kills: { type: 'string', default: '10' },
    db: { type: 'string' },
    seed: { type: 'string', default: '20261122' },
    rounds: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '300' },
    think: { type: 'string', default: '150' },
    'recovery-after': { type: 'string', default: '2000' },
    settle: { type: 'string' },
    aim: { type: 'string', default: 'effects' },
    'crash-at': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`npm run bench:faults -- [options]
  --borrowers N     concurrent borrowers (30)
  --kills N         SIGKILLs spread over the run (10)
  --db KIND         pglite | postgres (postgres when DATABASE_URL is postgres://…, else pglite)
  --seed N          seeds the borrowers' choices and the kill moments (20261122)
  --rounds N        draw-and-repay rounds per approved borrower before paying off (2)
  --timeout S       seconds the borrowers have before the run gives up (300)
  --think MS        longest pause before each message, uniform from 0 (150)
  --recovery-after MS  RECOVERY_AFTER_MS given to the server (2000)
  --aim WHERE       effects: each kill waits (≤ 3 s) for a turn with an effect on the wire (确认借款, <借款验证码>, 确认还款,
                    the SMS code, 确认提交, 同意全部授权, accepting) and lands 0–150 ms into it; anywhere (effects)
  --crash-at NAMES  arms server crash points (KUAIDAI_CRASH_AT, see server/faults.ts) in every life until one
                    fires (the server dies at that point once), on top of the --kills
  --settle MS       how long the last server life runs before the check (recovery-after + 4000)
  --keep            keep the database (and print where it is) instead of dropping it`);
  process.exit(0);
}
const int = (name: string, v: string | undefined, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
};
const BORROWERS = int('borrowers', args.borrowers, 1);
/** Distinct synthetic people the journeys draw from (see BorrowerJourney). */
const PEOPLE = 3_600;
if (BORROWERS > PEOPLE) throw new Error(`--borrowers must be at most ${PEOPLE}`);
const KILLS = int('kills', args.kills, 0);
const SEED = int('seed', args.seed, 0);
const ROUNDS = int('rounds', args.rounds, 0);
const TIMEOUT_S = int('timeout', args.timeout, 10);
const THINK_MS = int('think', args.think, 0);
const RECOVERY_AFTER_MS = int('recovery-after', args['recovery-after'], 0);
const SETTLE_MS = int('settle', args.settle ?? String(RECOVERY_AFTER_MS + 4_000), 0);
const CRASH_AT = args['crash-at'];
const AIM = args.aim;
if (AIM !== 'effects' && AIM !== 'anywhere') throw new Error(`--aim must be effects or anywhere, got ${AIM}`);
/** Steps (journey labels) whose turn runs an effect: where a crash can leave something half done. */
const EFFECT_STEPS = new Set(['确认借款', '<借款验证码>', '确认还款', '<验证码>', '确认提交', '同意全部授权', '接受额度', '我已阅读并同意']);
const DB = args.db ?? (/^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? 'postgres' : 'pglite');
if (DB !== 'pglite' && DB !== 'postgres') throw new Error(`--db must be pglite or postgres, got ${DB}`);

const root = path.resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tally = (items: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
};

interface Kill {
  readonly atMs: number;
  readonly progress: number;
  readonly inFlight: string[];
  /** How long the next life took to be ready (NaN: it never was). */
  backMs: number;
}

/** The run's database: a fresh PGlite directory (kept on disk across kills), or a fresh PostgreSQL database. */
interface RunDatabase {
  /** DATABASE_URL and KUAIDAI_DATA_DIR for the server. */
  readonly env: Record<string, string>;
  readonly target: Parameters<typeof openRunDatabase>[0];
  readonly where: string;
  drop(): Promise<void>;
}

async function createRunDatabase(runId: string): Promise<RunDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-faults-'));
  if (DB === 'pglite') {
    const dir = path.join(dataDir, 'pglite');
    return {
      env: { KUAIDAI_DATA_DIR: dataDir, DATABASE_URL: `pglite:${dir}` },
      target: { kind: 'pglite', dataDir: dir },
      where: `embedded PGlite in ${dir}`,
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const adminUrl = /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL! : 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(adminUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`the fault run talks to a local PostgreSQL only, not ${url.hostname}`);
  const name = `kd_faults_${runId}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  url.pathname = `/${name}`;
  return {
    env: { KUAIDAI_DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    target: { kind: 'postgres', url: url.toString() },
    where: `PostgreSQL, fresh database ${name}`,
    async drop() {
      await rm(dataDir, { recursive: true, force: true });
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function main(): Promise<number> {
  const runId = SEED.toString(36) + Date.now().toString(36).slice(-4);
  const database = await createRunDatabase(runId);
  const server = new ServerProcess(root, await freePort(), {
    KUAIDAI_ENV: 'test',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SANDBOX_OTP_CODE: '123456',
    JOBS_POLL_MS: '500',
    RECOVERY_AFTER_MS: String(RECOVERY_AFTER_MS),
    SHUTDOWN_GRACE_MS: '10000',
    ...BENCH_LIMITS,
    ...database.env,
  });
  process.on('exit', () => server.dispose());
  process.on('SIGINT', () => process.exit(130));
  try {
    return await faultRun(runId, database, server);
  } finally {
    server.dispose();
    if (args.keep) console.log(`kept      : DATABASE_URL=${database.env.DATABASE_URL}`);
    else await database.drop();
  }
}

async function faultRun(runId: string, database: RunDatabase, server: ServerProcess): Promise<number> {
  const prng = createPrng(SEED);
  const started = performance.now();
  const deadline = Date.now() + TIMEOUT_S * 1000;
  /** Lives that ended without our SIGKILL: a crash point, or a crash. */
  const crashes: Kill[] = [];
  // Crash points stay armed until a life has died without our SIGKILL (one of them fired).
  const lifeEnv = (): Record<string, string> => (CRASH_AT && crashes.length === 0 ? { KUAIDAI_CRASH_AT: CRASH_AT } : {});
  const firstReadyMs = await server.start(lifeEnv());

  const jitter = createPrng(SEED ^ 0x5bd1e995);
  const client = new RedeliveringClient(server.url, deadline, () => jitter.next());
  const borrowers = Array.from({ length: BORROWERS }, (_, i) => new BorrowerJourney(i, (i + SEED) % PEOPLE, runId, ROUNDS, createPrng(SEED + 7_919 * (i + 1))));
  let journeysDone = false;
  let fatal: string | undefined;

  // The kills: at seeded fractions of the run's progress (turns answered of turns planned, which
  // shrinks as borrowers are declined). With --aim effects (the default) each waits, up to 3 s, for
  // a message whose turn has an effect to go on the wire and lands a seeded 0–150 ms into it; with
  // --aim anywhere a seeded 0–250 ms after its fraction, amid whatever is on the wire. At least
  // one answer per life.
  const thresholds = Array.from({ length: KILLS }, () => 0.04 + prng.next() * 0.88).sort((a, b) => a - b);
  const kills: Kill[] = [];
  const restart = async (record: Kill[], atMs: number, progress: number, inFlight: string[]) => {
    const entry: Kill = { atMs, progress, inFlight, backMs: NaN };
    record.push(entry); // first: a life started after an unplanned exit is no longer armed
    try {
      entry.backMs = await server.start(lifeEnv());
    } catch (e) {
      fatal = `the server did not come back after ${record === kills ? `kill ${kills.length}` : `unplanned exit ${crashes.length}`}: ${(e as Error).message}`;
      client.giveUp();
    }
  };
  const progressNow = () => {
    const answered = client.stats.answered;
    return answered / Math.max(1, answered + borrowers.reduce((s, b) => s + b.remainingTurns(), 0));
  };
  const killer = (async () => {
    let answeredAtStart = 0;
    while (!journeysDone && !fatal && Date.now() < deadline) {
      await sleep(20);
      if (!server.up) {
        // Died on its own (a crash point, or a crash): up again at once, as a supervisor would.
        await restart(crashes, performance.now() - started, progressNow(), [...client.inFlight.values()]);
        answeredAtStart = client.stats.answered;
        continue;
      }
      if (kills.length >= KILLS) continue;
      const answered = client.stats.answered;
      const progress = progressNow();
      if (progress < thresholds[kills.length]! || answered <= answeredAtStart) continue;
      if (AIM === 'effects') {
        // Up to 3 s for a message whose turn has an effect (money, OTP, submission) to go on the wire.
        const until = Date.now() + 3_000;
        while (Date.now() < until && !journeysDone && ![...client.inFlight.values()].some((label) => EFFECT_STEPS.has(label))) await sleep(5);
        await sleep(prng.next() * 150);
      } else {
        await sleep(prng.next() * 250);
      }
      if (journeysDone) break;
      const atMs = performance.now() - started;
      const inFlight = [...client.inFlight.values()];
      await server.kill();
      await restart(kills, atMs, progress, inFlight);
      answeredAtStart = client.stats.answered;
    }
  })();

  await Promise.all(borrowers.map((b) => b.run(client, THINK_MS)));
  journeysDone = true;
  await killer;
  const journeysMs = performance.now() - started;

  // A last restart, then time for the recovery job to finish what a kill left half done.
  let settleNote = '';
  if (!fatal) {
    await server.stop();
    try {
      await server.start();
      await sleep(SETTLE_MS);
      settleNote = `last life ran ${seconds(SETTLE_MS)} (RECOVERY_AFTER_MS ${RECOVERY_AFTER_MS}) before the check`;
    } catch (e) {
      fatal = `the server did not come back for the final restart: ${(e as Error).message}`;
    }
  }
  await server.stop();

  let checks: CheckResult[] = [];
  let checkError: string | undefined;
  try {
    const db = await openRunDatabase(database.target);
    try {
      checks = await checkDatabase(db, borrowers, `fault-${runId}-`);
    } finally {
      await db.close();
    }
  } catch (e) {
    checkError = (e as Error).message;
  }

  // The journeys themselves: every one should end where the script ends (completed, declined, in
  // manual review, or a payout or collection answered 处理中 or 暂未成功), and those two only where a
  // kill or outage intervened.
  const by = (o: BorrowerJourney['outcome']) => borrowers.filter((b) => b.outcome === o);
  const offScript = borrowers.filter((b) => b.outcome === 'derailed' || b.outcome === 'refused' || b.outcome === 'timed_out' || b.outcome === 'running');
  checks.unshift({
    name: 'every journey ended where the script ends',
    ok: offScript.length === 0,
    counts: `derailed ${by('derailed').length} · refused (4xx) ${by('refused').length} · timed out ${by('timed_out').length}`,
    examples: offScript.slice(0, 8).map((b) => `${b.userId} ${b.outcome}${b.derailment ? ` at ${b.derailment.step} (delivered ${b.derailment.deliveries}×): “${b.derailment.reply}”` : b.unanswered ? ` waiting for ${b.unanswered.label}` : ''}`),
  });
  const sum = (f: (b: BorrowerJourney) => number) => borrowers.reduce((t, b) => t + f(b), 0);
  const unprovoked = borrowers.filter((b) => b.interrupted.onFirstDelivery > 0);
  checks.splice(1, 0, {
    name: '处理中 or 暂未成功 only after a kill (the sandbox gateway always answers)',
    ok: unprovoked.length === 0,
    counts: `处理中 ${sum((b) => b.interrupted.processing.drawdowns + b.interrupted.processing.repayments)} · 暂未成功 ${sum((b) => b.interrupted.failed.drawdowns + b.interrupted.failed.repayments)} · on a first delivery ${unprovoked.length}`,
    examples: unprovoked.map((b) => `${b.userId}: a payout or collection answered without a receipt on its message's first delivery`),
  });

  const s = client.stats;
  const backs = kills.map((k) => k.backMs);
  const approved = borrowers.filter((b) => b.offered).length;
  console.log('Kuaidai fault run: REST borrowers while the server is killed (SIGKILL) at random and restarted on the same database');
  console.log(`machine   : ${os.cpus()[0]?.model ?? 'unknown'} · ${os.cpus().length} logical cores · Node ${process.version} · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`database  : ${database.where}${args.keep ? ' (kept)' : ' (dropped after the run)'}`);
  console.log(`run       : seed ${SEED} · ${BORROWERS} borrowers · kills aimed at ${AIM} · ${ROUNDS} draw/repay round(s) then payoff (${plannedTurns(ROUNDS)} turns if approved) · ${KILLS} kills planned · timeout ${TIMEOUT_S} s · journeys took ${seconds(journeysMs)}`);
  console.log(`server    : ${server.lives} lives; first ready in ${seconds(firstReadyMs)}${backs.length ? `, after a kill ready again in ${seconds(Math.min(...backs))}–${seconds(Math.max(...backs))}` : ''}; ${server.errorLogs} error log line(s); ${settleNote}`);
  console.log(
    `journeys  : ${by('completed').length} completed (approved, drew ${ROUNDS}×, repaid, paid off) · ${by('declined').length} declined · ${by('manual_review').length} manual review · ${by('interrupted').length} ended at 处理中/暂未成功 · ${offScript.length} off script · ${approved} with an offer`,
  );
  console.log(
    `money     : ${sum((b) => b.drawdownReceipts)} drawdown receipts · ${sum((b) => b.repaymentReceipts)} repayment receipts · ${sum((b) => b.repaymentsDeclined)} collections refused by the card`,
  );
  console.log(
    `wire      : ${s.answered} turns answered · ${s.requests} requests · ${s.redeliveries} redeliveries · ${s.connectionErrors} connection errors · ${[...s.byStatus].map(([k, n]) => `${k} ×${n}`).join(', ') || 'no non-200 answers'}`,
  );
  console.log(`kills     : ${kills.length} of ${KILLS}${kills.length < KILLS && !fatal ? ' (the journeys ended first)' : ''}`);
  const describe = (k: Kill, i: number, when: string) =>
    `  ${String(i + 1).padStart(2)}. ${when} ${seconds(k.atMs).padStart(7)}, ${(k.progress * 100).toFixed(0).padStart(2)} % through: ${k.inFlight.length} on the wire${k.inFlight.length ? ` (${tally(k.inFlight)})` : ''}; ${Number.isNaN(k.backMs) ? 'never ready again' : `ready again ${seconds(k.backMs)} later`}`;
  kills.forEach((k, i) => console.log(describe(k, i, 'at')));
  console.log(`unplanned : ${crashes.length} exit(s) without our SIGKILL${CRASH_AT ? ` (KUAIDAI_CRASH_AT=${CRASH_AT} armed until one fired)` : ''}`);
  crashes.forEach((k, i) => console.log(describe(k, i, 'noticed at')));
  if (fatal) console.log(`FATAL     : ${fatal}\n${server.lastLines()}`);
  else if (server.errorLogs) console.log(`server log: the last lines at warn or above\n${server.lastLines(5)}`);
  console.log(`checks    : ${checkError ? `could not read the database: ${checkError}` : 'the database read directly (bench/faultRun/checkDatabase.ts; the ledger by server/services/checkBooks.ts)'}`);
  for (const c of checks) {
    console.log(`  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.counts}`);
    for (const e of c.examples) console.log(`      ${e}`);
  }
  const failed = checks.filter((c) => !c.ok).length + (checkError ? 1 : 0) + (fatal ? 1 : 0);
  console.log(`result    : ${failed ? `FAIL (${failed} failed)` : 'PASS'}`);

  return failed ? 1 : 0;
}

process.exitCode = await main();
