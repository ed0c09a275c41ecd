// Database fault run: `npm run bench:dbfaults -- [--borrowers 50] [--seconds 40] [--every 5]
// [--faults terminate,restart] [--down 3] [--pg own|main] [--idle]`. The server runs as its own
// process (`npm start`'s entry: the lending conversation, sandbox providers) with a second idle
// instance beside it (--idle, on by default), on PostgreSQL: by default a server of its own (initdb +
// pg_ctl on a spare port, in a temporary directory), which it may stop and start; with --pg main, a
// fresh database on DATABASE_URL's server (else 127.0.0.1:5432), dropped afterwards, where only
// backends are terminated (the shared server is never restarted). N borrowers walk the journey and
// keep chatting over REST, sending every message again with its same messageId until it is answered;
// every `--every` seconds a fault: all the app's connections terminated (pg_terminate_backend), or
// PostgreSQL stopped (fast) for `--down` seconds and started again, in turn. A server that dies is
// counted and started again, as a supervisor would. Afterwards every message is sent once more (it
// must come back with its first answer) and the database is checked. Prints the figures; exits 1
// when a crash, a 500, a duplicate effect or a lost message was seen. Loopback traffic only.
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { checkStoreWhenSettled, journey, logsMatching, resendAll, sleep, spawnServerProcess, terminateBackends, TrafficStats, type ServerProcess } from '../test/support/dbFaultHarness.js';
import { postgresBinDir, PostgresInstance } from '../test/support/postgresInstance.js';
import { BENCH_LIMITS } from './benchLimits.js';

const { values: args } = parseArgs({
  options: {
    borrowers: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '40' },
    every: { type: 'string', default: '5' },
    faults: { type: 'string', default: 'terminate,restart' },
    down: { type: 'string', default: '3' },
    pg: { type: 'string' },
    idle: { type: 'boolean', default: true },
    'no-idle': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:dbfaults -- [--borrowers 50] [--seconds 40] [--every 5] [--faults terminate,restart] [--down 3] [--pg own|main] [--no-idle]');
  process.exit(0);
}

const BORROWERS = Number(args.borrowers);
const SECONDS = Number(args.seconds);
const EVERY_MS = Number(args.every) * 1000;
const DOWN_MS = Number(args.down) * 1000;
const where = args.pg ?? (postgresBinDir() ? 'own' : 'main');
const faults = args.faults.split(',').map((f) => f.trim()).filter((f) => f === 'terminate' || (f === 'restart' && where === 'own'));
if (!faults.length) throw new Error(`no fault to run: --faults ${args.faults} with --pg ${where} (restart needs --pg own)`);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
};
const ms = (v: number) => (Number.isNaN(v) ? '–' : `${Math.round(v)} ms`);

/** What to undo however the run ends: servers stopped, the PostgreSQL instance removed, the database dropped. */
const cleanups: (() => Promise<unknown>)[] = [];

async function main(): Promise<boolean> {
  // The database: a PostgreSQL of our own, or a fresh database on the shared one.
  let instance: PostgresInstance | undefined;
  let url: string;
  let adminUrl: string;
  if (where === 'own') {
    const created = await PostgresInstance.create();
    instance = created;
    cleanups.push(() => created.destroy());
    await instance.start();
    url = instance.url();
    adminUrl = url;
  } else {
    adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `kd_dbfaults_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    });
  }
  const database = new URL(url).pathname.slice(1);
  const leak = new RegExp(`${new URL(url).hostname.replace(/\./g, '\\.')}|:${new URL(url).port || 5432}\\b`);
  const env = { ...BENCH_LIMITS, DATABASE_URL: url, LOG_LEVEL: 'info', DB_START_WAIT_MS: '120000', DB_RETRY_MAX_MS: '2000', RECOVERY_AFTER_MS: '4000' };

  // The servers, restarted when they die (each death is a crash: nothing here stops them before the end).
  const crashes = { loaded: 0, idle: 0 };
  const lives: ServerProcess[] = [];
  let stopping = false;
  cleanups.unshift(async () => {
    stopping = true;
    for (const s of lives) if (!s.exited()) await s.stop();
  });
  const supervise = async (role: 'loaded' | 'idle') => {
    let server = await spawnServerProcess(env);
    await server.ready(120_000);
    const port = Number(new URL(server.url).port);
    const watch = (s: ServerProcess) => {
      lives.push(s);
      s.child.once('exit', () => {
        if (stopping) return;
        crashes[role]++;
        console.error(`${role} server died: ${s.stderr().trim().split('\n').slice(-3).join(' / ') || s.logs.filter((l) => l.level >= 50).slice(-1).map((l) => l.msg).join('')}`);
        void spawnServerProcess(env, port).then((next) => {
          server = next;
          watch(next);
        });
      });
    };
    watch(server);
    return { url: server.url, current: () => server };
  };
  const loaded = await supervise('loaded');
  const idle = args.idle && !args['no-idle'] ? await supervise('idle') : undefined;
  const base = loaded.url;

  // Borrowers: the journey, then chatter until the fault phase is over.
  const stats = new TrafficStats();
  let running = true;
  const t0 = Date.now();
  const chatting = Promise.all(
    Array.from({ length: BORROWERS }, async (_, i) => {
      await sleep((i * 1000) / BORROWERS);
      return journey(base, `dbf-${i}`, i, stats, { chatterWhile: () => running, leak, timeoutMs: 180_000 });
    }),
  );

  // Faults, in turn, every EVERY_MS; recovery = from the database being back to answers.
  const recoveries: { kind: string; firstMs: number; allMs: number; idleReadyMs: number }[] = [];
  // Borrowers answered in the 5 s before the fault were talking: each must be answered again after it.
  const measureRecovery = async (kind: string, faultAt: number, backAt: number) => {
    const active = new Set<string>();
    for (const { at, userId } of stats.okAt) if (at > faultAt - 5_000 && at <= faultAt) active.add(userId);
    let idleReadyMs = NaN;
    const idleProbe = idle
      ? (async () => {
          for (;;) {
            if ((await fetch(`${idle.url}/readyz`).catch(() => null))?.ok) return void (idleReadyMs = Date.now() - backAt);
            if (Date.now() - backAt > 30_000) return;
            await sleep(50);
          }
        })()
      : Promise.resolve();
    await sleep(Math.min(EVERY_MS - 200, 3_000));
    await idleProbe;
    const first = new Map<string, number>();
    for (const { at, userId } of stats.okAt) if (at >= backAt && !first.has(userId)) first.set(userId, at - backAt);
    const answered = [...active].map((u) => first.get(u) ?? Infinity);
    recoveries.push({ kind, firstMs: Math.min(...first.values()), allMs: Math.max(...answered, 0), idleReadyMs });
  };
  let round = 0;
  const faultLog: string[] = [];
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(EVERY_MS);
    const kind = faults[round++ % faults.length]!;
    if (kind === 'terminate') {
      const faultAt = Date.now();
      const killed = await terminateBackends(adminUrl, database);
      faultLog.push(`terminate ${Object.values(killed).reduce((a, b) => a + b, 0)}`);
      await measureRecovery('terminate', faultAt, Date.now());
    } else {
      const downAt = Date.now();
      await instance!.stop('fast');
      await sleep(DOWN_MS);
      await instance!.start();
      faultLog.push(`restart ${((Date.now() - downAt) / 1000).toFixed(1)} s`);
      await measureRecovery('restart', downAt, Date.now());
    }
  }
  running = false;
  const outcomes = await chatting;
  const phaseSeconds = (Date.now() - t0) / 1000;

  // Every message once more: it must come back with its first answer.
  const resent = stats.answers.size;
  const different = await resendAll(base, stats);
  const check = await checkStoreWhenSettled(url, stats, 30_000);

  const logs = lives.flatMap((s) => s.logs);
  const outageLines = (what: string) => logsMatching(logs, new RegExp(`^${what}.* failed`)).length;
  const byKind = (kind: string) => recoveries.filter((r) => r.kind === kind);
  const recoveryLine = (kind: string) => {
    const rs = byKind(kind);
    if (!rs.length) return undefined;
    const each = (values: number[]) => (values.length <= 5 ? values.map(ms).join(', ') : `p50 ${ms(percentile(values, 0.5))}, max ${ms(Math.max(...values))}`);
    return `after ${kind} (${rs.length}×): first answer ${each(rs.map((r) => r.firstMs))}; every active borrower answered ${each(rs.map((r) => r.allMs))}${idle ? `; idle instance ready again ${each(rs.map((r) => r.idleReadyMs))}` : ''}`;
  };

  console.log('Kuaidai database fault run (REST, lending conversation, sandbox providers)');
  console.log(`machine    : ${os.cpus()[0]?.model ?? 'unknown'} · ${os.cpus().length} logical cores · Node ${process.version}`);
  console.log(`database   : ${where === 'own' ? `own PostgreSQL (pg_ctl) on port ${instance!.port}` : `fresh database ${database} on ${new URL(adminUrl).host}`}; ${idle ? 'a loaded and an idle server' : 'one server'}, each its own process`);
  console.log(`load       : ${BORROWERS} borrowers for ${phaseSeconds.toFixed(0)} s; approved ${outcomes.filter((o) => o.approved).length}, drew ${outcomes.filter((o) => o.drew).length}, repaid ${outcomes.filter((o) => o.repaid).length}`);
  console.log(`faults     : ${faultLog.length} (${faultLog.join(', ')})`);
  console.log(`crashes    : ${crashes.loaded} loaded, ${crashes.idle} idle`);
  console.log(`answers    : ${stats.requests} requests: 200 ${stats.ok}, 503 ${stats.unavailable}, 500 ${stats.internal}, other ${[...stats.other.entries()].map(([s, n]) => `${s}×${n}`).join(' ') || 0}, no answer ${stats.noAnswer}; 503 bodies naming the database: ${stats.leakedAddress}`);
  console.log(`messages   : ${resent} answered; sent again with the same messageId: ${resent - different.length} got their first answer back, ${different.length} a different one; stored once: missing ${check.missingMessages}, extra ${check.extraMessages}`);
  console.log(`money      : drawdowns ${check.drawdowns}, repayments ${check.repayments}; duplicate effects ${check.duplicateEffects}; half-done ${check.halfDone}; ledger mismatches ${check.ledgerMismatches} (settled ${ms(check.settledInMs)} after the run)`);
  for (const kind of ['restart', 'terminate']) {
    const line = recoveryLine(kind);
    if (line) console.log(`recovery   : ${line}`);
  }
  console.log(`log lines  : outage warnings job runner ${outageLines('job runner')}, outbox ${outageLines('outbox poll')}, LISTEN ${outageLines('push signal')}; turns abandoned ${logsMatching(logs, /conversation turn abandoned/).length}; uncaught ${logsMatching(logs, /uncaught exception/).length}; INTERNAL ${logsMatching(logs, /request failed/).length}`);

  return crashes.loaded + crashes.idle + stats.internal + stats.noAnswer + stats.leakedAddress + different.length + check.duplicateEffects + check.missingMessages + check.extraMessages + check.halfDone + check.ledgerMismatches === 0;
}

let passed = false;
try {
  passed = await main();
} finally {
  for (const cleanup of cleanups) await cleanup().catch((e: unknown) => console.error(`cleaning up: ${(e as Error).message}`));
}
process.exit(passed ? 0 : 1);
