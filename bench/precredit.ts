/**
 * Batch pre-credit end to end: a SYNTHETIC customer file (samples/generatePrecreditCustomers.ts's
 * generator, written to a temp file outside the timing) scored by runPrecredit into a scratch
 * database — the same code as `npm run precredit`. Prints the decision compute time (the core
 * decisions alone), reading, hashing + masking, storing, end-to-end time, rows/s and peak RSS.
 * Not a test. Run: `npm run bench:precredit -- --customers 1000000 [--db pglite|postgres] [--keep]`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEMO_PRODUCTS } from '../core/index.js';
import { manualClock } from '../server/clock.js';
import { loadConfig } from '../server/config/index.js';
import { applyMigrations, openDatabase } from '../server/db/index.js';
import { createFieldCipher } from '../server/security/fieldCipher.js';
import { runPrecredit, syntheticCustomerCsv } from '../server/studio/precredit/index.js';
import { scratchDatabase } from './scratchDatabase.js';

const { values: args } = parseArgs({ options: { customers: { type: 'string', default: '1000000' }, db: { type: 'string', default: 'pglite' }, keep: { type: 'boolean' } } });
const COUNT = Number(args.customers);
if (!Number.isInteger(COUNT) || COUNT < 1) throw new Error('--customers must be a positive whole number');
if (args.db !== 'pglite' && args.db !== 'postgres') throw new Error('--db must be pglite or postgres');

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
sampler.unref();
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-bench-precredit-'));
const file = path.join(dir, 'customers.csv');
const g0 = performance.now();
const out = createWriteStream(file);
for (const piece of syntheticCustomerCsv(COUNT, { asOf: '2026-12-01', linesPerPiece: 20_000 })) if (!out.write(piece)) await once(out, 'drain');
out.end();
await once(out, 'finish');
console.log(`generated ${COUNT.toLocaleString('en')} customers (${Math.round((await stat(file)).size / 1024 / 1024)} MB) in ${s(performance.now() - g0)} (not timed)`);

const { url, cleanup } = await scratchDatabase({ postgres: args.db === 'postgres', prefix: 'kuaidai_bench_precredit', keep: !!args.keep });
const config = loadConfig({ KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url });
const db = await openDatabase(config.database, { poolSize: 4 });
try {
  await applyMigrations(db.adapterFactory);
  console.log(`scoring on ${db.where} (${os.cpus().length} cores, load average ${os.loadavg()[0]?.toFixed(1)})`);
  peakRss = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let last = t0;
  const r = await runPrecredit(
    { db, cipher: createFieldCipher(Buffer.alloc(32, 9)), clock: manualClock('2026-12-05T02:00:00Z'), products: DEMO_PRODUCTS },
    { fileName: 'customers.csv', chunks: () => createReadStream(file, { highWaterMark: 1 << 20 }) },
    {
      onProgress: (p) => {
        if (performance.now() - last < 5_000) return;
        last = performance.now();
        console.log(`  ${p.processed.toLocaleString('en')}/${p.total.toLocaleString('en')} rows, ${Math.round(p.processed / ((last - t0) / 1000))}/s`);
      },
    },
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${r.processed.toLocaleString('en')} rows: ${r.whitelisted.toLocaleString('en')} whitelisted, ${r.excluded.toLocaleString('en')} excluded, ${r.rejected} rejected`);
  console.log(`scored on ${r.scoredOn === "worker" ? "a worker thread" : "the main thread"}`);
  console.log(`decision compute ${s(r.timings.decideMs)} (${Math.round(r.processed / (r.timings.decideMs / 1000)).toLocaleString('en')} decisions/s)`);
  console.log(`reading ${s(r.timings.readMs)} · hashing + masking ${s(r.timings.protectMs)} · storing ${s(r.timings.storeMs)} (reading and storing overlap)`);
  console.log(`end to end ${s(ms)} (${Math.round(r.processed / (ms / 1000)).toLocaleString('en')} rows/s), process CPU ${s((cpu.user + cpu.system) / 1000)}, peak RSS ${Math.round(peakRss / 1024 / 1024)} MB`);
  const entries = await db.prisma.precreditEntry.count();
  if (entries !== r.whitelisted + r.excluded) throw new Error(`stored ${entries} entries, expected ${r.whitelisted + r.excluded}`);
} finally {
  await db.close();
  await cleanup();
  await rm(dir, { recursive: true, force: true });
}
