// The end-of-day batch (日终) at scale: `npm run bench:eod` (embedded PGlite in a fresh directory,
// 100,000 active drawdowns) or `npm run bench:eod -- --db postgres --drawdowns 1000000` (a fresh
// database kuaidai_bench_eod_<pid> on DATABASE_URL's server, else 127.0.0.1:5432, dropped afterwards).
//   1. seeds a synthetic portfolio set-based (test/support/portfolioSeed.ts: 100 template lines built
//      with core, cloned by generate_series; a third of the lines have two drawdowns; 5 % are overdue
//      by 3–400 days; `--due-today` % fall due on the date, 3 by default);
//   2. runs the batch for the date, printing its progress line (counts, rate, ETA) every 2 s;
//   3. runs the same date again (a no-op), then the next date (a normal following day);
// and prints seconds, lines and drawdowns per second, the portfolio figures and the peak RSS.
// Not a test: it prints its figures.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { addDays } from '../core/index.js';
import { manualClock } from '../server/clock.js';
import { loadConfig } from '../server/config/index.js';
import { applyMigrations, openDatabase } from '../server/db/index.js';
import { createLogger } from '../server/logging/index.js';
import { progressLine, runEndOfDay, type EndOfDayResult } from '../server/postLoan/index.js';
import { benchTemplates, drawdownsOf, seedPortfolio } from '../test/support/portfolioSeed.js';
import { scratchDatabase } from './scratchDatabase.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    drawdowns: { type: 'string' },
    date: { type: 'string', default: '2026-03-02' },
    chunk: { type: 'string', default: '1000' },
    'due-today': { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:eod -- [--db pglite|postgres] [--drawdowns 100000] [--date 2026-03-02] [--chunk 1000] [--due-today 3] [--keep]');
  process.exit(0);
}
const onPostgres = args.db === 'postgres';
const WANTED = Number(args.drawdowns ?? (onPostgres ? 1_000_000 : 100_000));
const DATE = args.date;
const CHUNK = Number(args.chunk);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
sampler.unref();
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const { url, cleanup } = await scratchDatabase({ postgres: onPostgres, prefix: 'kuaidai_bench_eod', keep: !!args.keep });
  const config = loadConfig({ KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, EOD_CHUNK_SIZE: String(CHUNK) });
  if (config.database.kind === 'postgres') console.log(`PostgreSQL database ${new URL(url).pathname.slice(1)}`);
  const db = await openDatabase(config.database, { poolSize: 4 });
  try {
    await applyMigrations(db.adapterFactory);
    const templates = benchTemplates(DATE, { dueTodayPercent: Number(args['due-today']) });
    let lines = Math.ceil((WANTED * templates.length) / drawdownsOf(templates, templates.length));
    while (drawdownsOf(templates, lines) < WANTED) lines++;
    const drawdowns = drawdownsOf(templates, lines);
    console.log(`seeding ${lines.toLocaleString('en')} lines with ${drawdowns.toLocaleString('en')} active drawdowns on ${db.where} …`);
    const seedStart = performance.now();
    let lastPrint = seedStart;
    await seedPortfolio(db.prisma, templates, lines, {
      batch: onPostgres ? 20_000 : 5_000,
      onBatch: (done) => {
        if (performance.now() - lastPrint < 5_000) return;
        lastPrint = performance.now();
        console.log(`  seeded ${done.toLocaleString('en')} / ${lines.toLocaleString('en')} lines`);
      },
    });
    if (onPostgres) await db.prisma.$executeRawUnsafe('VACUUM ANALYZE');
    const seedMs = performance.now() - seedStart;
    console.log(`seeded in ${s(seedMs)}`);

    const ctx = { prisma: db.prisma, logger: createLogger('silent'), clock: manualClock(`${DATE}T16:30:00Z`), config };
    const rssBefore = process.memoryUsage().rss;
    peakRss = rssBefore;
    const run = async (date: string): Promise<{ result: EndOfDayResult; ms: number }> => {
      const started = performance.now();
      const result = await runEndOfDay(ctx, date, { progressEveryMs: 2_000, onProgress: (p) => console.log(`  ${progressLine(p)}`) });
      return { result, ms: performance.now() - started };
    };

    console.log(`end-of-day ${DATE} (chunks of ${CHUNK}):`);
    const first = await run(DATE);
    const eodPeak = peakRss;
    const again = await run(DATE);
    const next = addDays(DATE, 1);
    console.log(`end-of-day ${next}:`);
    const following = await run(next);
    clearInterval(sampler);

    const r = first.result;
    const snap = r.snapshot;
    const perSec = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en');
    console.log('');
    console.log(`database              ${onPostgres ? 'PostgreSQL' : 'PGlite'} (${os.cpus().length} cores)`);
    console.log(`portfolio             ${snap.lines.total.toLocaleString('en')} lines in scope, ${snap.drawdowns.count.toLocaleString('en')} active drawdowns, seeded in ${s(seedMs)}`);
    console.log(`end of day ${DATE}  ${s(first.ms)}: ${r.processed.toLocaleString('en')} lines evaluated (${r.changed.toLocaleString('en')} changed), ${perSec(snap.lines.total, first.ms)} lines/s and ${perSec(snap.drawdowns.count, first.ms)} drawdowns/s of the portfolio, ${perSec(r.processed, first.ms)} evaluated lines/s`);
    console.log(`                      ${r.ledgerEntries.toLocaleString('en')} ledger entries (interest ¥${(r.interestBookedFen / 100).toFixed(2)}, penalty ¥${(r.penaltyBookedFen / 100).toFixed(2)}), ${r.classChanges.toLocaleString('en')} class changes, ${r.frozen.toLocaleString('en')} lines frozen, ${r.failed} failed, ${r.busy} busy`);
    console.log(`snapshot              outstanding ¥${(snap.outstandingFen / 100).toLocaleString('en')}, utilisation ${(snap.utilisation * 100).toFixed(2)} %, NPL ratio ${(snap.nplRatio * 100).toFixed(2)} %, buckets ${Object.entries(snap.byBucket).map(([b, t]) => `${b} ${t.count.toLocaleString('en')}`).join(' · ')}`);
    console.log(`same date again       ${s(again.ms)} (already done: ${again.result.alreadyDone})`);
    console.log(`next date ${next}  ${s(following.ms)}: ${following.result.processed.toLocaleString('en')} lines evaluated, ${following.result.ledgerEntries.toLocaleString('en')} ledger entries`);
    console.log(`peak RSS              ${mb(eodPeak)} during the first run (${mb(rssBefore)} before it; ${mb(process.resourceUsage().maxRSS * 1024)} process peak, seeding included)`);
  } finally {
    await db.close();
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
