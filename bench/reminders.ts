// The reminder sweep at scale: `npm run bench:reminders` (embedded PGlite in a fresh directory, 100,000
// active drawdowns) or `npm run bench:reminders -- --db postgres --drawdowns 1000000` (a fresh database
// kuaidai_bench_rem_<pid> on DATABASE_URL's server, else 127.0.0.1:5432, dropped afterwards).
//   1. seeds borrowers set-based (test/support/reminderSeed.ts): one active drawdown each, 3 unpaid
//      instalments, the first due from 2 days before the sweep's date to 29 days after (spread evenly),
//      and a private web-chat conversation each;
//   2. sweeps at 10:30 Shanghai on the date: keyset chunks of drawdowns, core planReminders, and for
//      every reminder due the real ContactService (channel lookup, contact rules on the ContactLog
//      history, the ContactLog row written before sending and marked sent after) — with the delivery
//      into the conversation replaced by a counter: the sweep is what is timed;
//   3. sweeps again at the same moment (nothing is sent twice);
//   4. delivery measured apart: `--deliver` (default 2,000) of those reminders dispatched through the
//      full conversation runtime (restore the conversation, tell the notice, store snapshot, messages
//      and outbox in one statement), at the sweep's concurrency; its rate is reported on its own.
// Prints a progress line (counts, rate, ETA) every 2 s and the totals: seconds, drawdowns, reminders
// planned and sent, peak RSS. Not a test: it prints its figures.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { addDays } from '../core/index.js';
import { bootServer } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { loadConfig } from '../server/config/index.js';
import { createContactService } from '../server/contact/index.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import type { BatchProgress } from '../server/postLoan/index.js';
import { sweepReminders } from '../server/postLoan/reminders.js';
import type { SandboxProviders } from '../server/providers/index.js';
import { openSql } from '../server/runtime/index.js';
import type { FieldCipher } from '../server/security/fieldCipher.js';
import { seedReminderPortfolio } from '../test/support/reminderSeed.js';
import { scratchDatabase } from './scratchDatabase.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    drawdowns: { type: 'string' },
    date: { type: 'string', default: '2026-03-10' },
    chunk: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    deliver: { type: 'string', default: '2000' },
    keep: { type: 'boolean', default: false },
    database: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('npm run bench:reminders -- [--db pglite|postgres] [--drawdowns 100000] [--date 2026-03-10] [--chunk 2000] [--concurrency 8] [--deliver 2000] [--keep] [--database <kept PostgreSQL database to sweep again>]');
  process.exit(0);
}
const onPostgres = args.db === 'postgres';
const WANTED = Number(args.drawdowns ?? (onPostgres ? 1_000_000 : 100_000));
const DATE = args.date;
const CHUNK = Number(args.chunk);
const CONCURRENCY = Number(args.concurrency);
const DELIVER = Number(args.deliver);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
sampler.unref();
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const n = (x: number) => x.toLocaleString('en');

async function main(): Promise<void> {
  // A kept database (--keep, then --database) is swept again without seeding: its contact log and messages are emptied first.
  const { url, cleanup } = await scratchDatabase({ postgres: onPostgres, prefix: 'kuaidai_bench_rem', keep: !!args.keep, existing: args.database });
  const config = loadConfig({ KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, JOBS_POLL_MS: '0' });
  const logger = createLogger('silent');
  const clock = manualClock(new Date(`${DATE}T10:30:00+08:00`));
  let providers: SandboxProviders | undefined;
  let cipher: FieldCipher | undefined;
  const server = await bootServer(config, logger, {
    clock,
    spec: (c) => {
      providers = c.providers as SandboxProviders;
      cipher = c.cipher;
      return createLendingConversation(c);
    },
  });
  const sql = await openSql(server.db, config.database.kind === 'postgres' ? { postgresUrl: config.database.url, poolSize: CONCURRENCY + 2 } : {});
  try {
    const seeded = Number((await sql.query(`SELECT count(*)::int AS c FROM "Drawdown" WHERE status = 'active'`))[0]!.c);
    if (seeded > 0) {
      console.log(`reusing ${n(seeded)} active drawdowns; emptying the contact log and messages`);
      await sql.query(`TRUNCATE "ContactLog", "Message"`);
      await sql.query(`UPDATE "Conversation" SET snapshot = NULL, "lastSeq" = 0, version = 0`);
    }
    console.log(`seeding ${n(WANTED)} borrowers with an active drawdown and a web chat each on ${server.db.where} …`);
    const seedStart = performance.now();
    const batch = onPostgres ? 50_000 : 10_000;
    let lastPrint = seedStart;
    for (let from = seeded + 1; from <= WANTED; from += batch) {
      await seedReminderPortfolio(sql, { from, count: Math.min(batch, WANTED - from + 1), baseDue: addDays(DATE, -2), spreadDays: 32, channel: 'web' });
      if (performance.now() - lastPrint > 5_000) {
        lastPrint = performance.now();
        console.log(`  seeded ${n(Math.min(WANTED, from + batch - 1))} / ${n(WANTED)}`);
      }
    }
    if (onPostgres) await sql.query('VACUUM ANALYZE');
    else await sql.query('ANALYZE');
    const seedMs = performance.now() - seedStart;
    console.log(`seeded in ${s(seedMs)}`);

    // The sweep with delivery counted, not performed (measured apart below).
    let delivered = 0;
    const contacts = createContactService({ config, db: server.db, sql, clock, logger, runtime: { dispatch: async () => void delivered++ }, sms: providers!.sms, cipher: cipher! });
    const ctx = { prisma: server.db.prisma, sql, clock, config, logger, contacts };
    const rssBefore = process.memoryUsage().rss;
    peakRss = rssBefore;
    console.log(`reminder sweep ${DATE} 10:30 Shanghai (chunks of ${n(CHUNK)}, ${CONCURRENCY} borrowers at once):`);
    const line = (p: BatchProgress) =>
      `${p.businessDate}: ${n(p.processed)}/${n(p.total)} drawdowns (${p.total ? ((100 * p.processed) / p.total).toFixed(1) : '100.0'}%), ${n(p.changed)} reminders, ${n(p.ratePerSecond)} drawdowns/s, ETA ${p.etaSeconds ?? '?'} s`;
    const sweep = (label: string) => sweepReminders(ctx, { chunkSize: CHUNK, concurrency: CONCURRENCY, progressEveryMs: 2_000, onProgress: (p) => console.log(`  ${label} ${line(p)}`) });
    const first = await sweep('first');
    const sweepPeak = peakRss;
    const again = await sweep('again');

    // Delivery through the full runtime, on a sample of the reminders just sent.
    const sample = await sql.query(`SELECT key, "conversationId"::text AS "conversationId", template, params::text AS params FROM "ContactLog" WHERE status = 'sent' ORDER BY key LIMIT $1`, [DELIVER]);
    const runtime = server.conversations!.runtime;
    const deliverStart = performance.now();
    const queue = [...sample];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          await runtime.dispatch(r.conversationId as string, { type: 'postloan.notice', noticeId: r.key as string, template: r.template as string, params: JSON.parse(r.params as string) as Record<string, string | number>, at: clock.now().getTime() });
        }
      }),
    );
    const deliverMs = performance.now() - deliverStart;
    const stored = Number((await sql.query(`SELECT count(*)::int AS c FROM "Message" WHERE direction = 'outbound'`))[0]!.c);
    clearInterval(sampler);

    const o = first.outcomes;
    const deliverRate = sample.length / (deliverMs / 1000);
    console.log('');
    console.log(`database              ${onPostgres ? 'PostgreSQL' : 'PGlite'} (${os.cpus().length} cores), seeded in ${s(seedMs)}`);
    console.log(`sweep                 ${first.seconds.toFixed(1)} s: ${n(first.drawdowns)} active drawdowns read (${n(Math.round(first.drawdowns / first.seconds))}/s), ${n(first.planned)} reminders planned, ${n(o.sent)} sent (ContactLog written, delivery counted: ${n(delivered)}), ${n(o.deferred)} deferred, ${n(o.suppressed)} suppressed, ${n(o.failed)} failed — ${n(Math.round(o.sent / first.seconds))} contacts/s`);
    console.log(`same moment again     ${again.seconds.toFixed(1)} s: ${n(again.planned)} planned, ${n(again.outcomes.sent)} sent`);
    console.log(`delivery (runtime)    ${n(sample.length)} notices told in their conversations in ${s(deliverMs)} (${n(Math.round(deliverRate))}/s, ${n(stored)} messages stored); all ${n(o.sent)} would take ~${s((o.sent / deliverRate) * 1000)} more`);
    console.log(`peak RSS              ${mb(sweepPeak)} during the first sweep (${mb(rssBefore)} before it; ${mb(process.resourceUsage().maxRSS * 1024)} process peak, seeding included)`);
  } finally {
    await sql.close();
    await server.app.close();
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
