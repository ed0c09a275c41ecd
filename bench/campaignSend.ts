/**
 * Sending a web-chat campaign at scale: N web-chat users, one campaign to all of them, materialised
 * and sent by CampaignSender in batches (claim, suppression, one statement writing the messages and
 * marking them sent), on PGlite or PostgreSQL. The channel rate is lifted (CAMPAIGN_RATE_WEB) and
 * the clock moved to each batch's `nextAt`, so this measures the database work, not the throttle.
 *
 *   npm run bench:campaign -- [--db pglite|postgres] [--people 100000] [--batch 500]
 */
import { parseArgs } from 'node:util';
import { manualClock } from '../server/clock.js';
import { loadConfig } from '../server/config/index.js';
import { applyMigrations, openDatabase } from '../server/db/index.js';
import { createLogger } from '../server/logging/index.js';
import { CampaignSender } from '../server/studio/campaignSender.js';
import { resolveAudience } from '../server/studio/resolveAudience.js';
import { scratchDatabase } from './scratchDatabase.js';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'pglite' }, people: { type: 'string', default: '100000' }, batch: { type: 'string', default: '500' }, keep: { type: 'boolean', default: false } } });
const PEOPLE = Number(args.people);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const { url, cleanup } = await scratchDatabase({ postgres: args.db === 'postgres', prefix: 'kuaidai_bench_cmp', keep: !!args.keep });
  const config = loadConfig({ KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, CAMPAIGN_RATE_WEB: '10000' });
  const db = await openDatabase(config.database, { poolSize: 4 });
  try {
    await applyMigrations(db.adapterFactory);
    const prisma = db.prisma;
    let t = Date.now();
    await prisma.$executeRawUnsafe(`
      INSERT INTO "Conversation" (id, channel, "externalUserId", "machineId", "machineVersion", version, "lastSeq", "updatedAt")
      SELECT gen_random_uuid(), 'web', 'u' || lpad(n::text, 7, '0'), 'session', 1, 1, 0, now() FROM generate_series(1, ${PEOPLE}) n`);
    await prisma.$executeRawUnsafe('ANALYZE');
    console.log(`seeded ${PEOPLE.toLocaleString('en')} web-chat users in ${s(Date.now() - t)}`);
    const clock = manualClock('2026-03-02T10:00:00+08:00');
    const campaign = await prisma.campaign.create({ data: { code: 'BENCH', name: 'bench', status: 'scheduled', scheduledAt: clock.now(), channels: ['web'], content: { text: '春耕贷款，利率优惠。', card: { title: '春耕贷' }, withQr: true } } });
    const sender = new CampaignSender({
      prisma, clock, logger: createLogger('silent'), marketing: config.marketing, publicBaseUrl: config.publicBaseUrl,
      resolveAudience: resolveAudience({ prisma, clock }), channels: {}, batchSize: Number(args.batch),
    });
    await sender.startDue();
    t = Date.now();
    const added = await sender.materialise(campaign.id);
    const materialiseMs = Date.now() - t;
    console.log(`materialised ${added.toLocaleString('en')} deliveries in ${s(materialiseMs)} (${Math.round(added / (materialiseMs / 1000)).toLocaleString('en')}/s)`);
    t = Date.now();
    let sent = 0;
    let batches = 0;
    for (;;) {
      const r = await sender.sendBatch(campaign.id);
      sent += r.sent;
      batches++;
      if (batches % 20 === 0) process.stdout.write(`  ${sent.toLocaleString('en')} sent, ${Math.round(sent / ((Date.now() - t) / 1000)).toLocaleString('en')}/s\n`);
      if (!r.nextAt) break;
      if (r.nextAt > clock.now()) clock.set(r.nextAt);
    }
    const sendMs = Date.now() - t;
    const messages = await prisma.message.count({ where: { author: 'campaign:BENCH' } });
    if (messages !== PEOPLE || sent !== PEOPLE) throw new Error(`sent ${sent}, messages ${messages}, expected ${PEOPLE}`);
    console.log(`sent ${sent.toLocaleString('en')} web-chat messages in ${batches} batches in ${s(sendMs)}: ${Math.round(sent / (sendMs / 1000)).toLocaleString('en')} recipients/s (${config.database.kind}); end to end ${Math.round(sent / ((sendMs + materialiseMs) / 1000)).toLocaleString('en')}/s`);
  } finally {
    await db.close();
    await cleanup();
  }
}

await main();
