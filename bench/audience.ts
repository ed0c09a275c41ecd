/**
 * The campaign audience at scale: N borrowers with a web chat (half also on the official account,
 * a fifth tagged 商户), paged through with resolveAudience (keyset pages in recipientKey order) and
 * counted with countAudience, on PGlite or PostgreSQL.
 *
 *   npm run bench:audience -- [--db pglite|postgres] [--people 100000] [--page 1000]
 */
import { parseArgs } from 'node:util';
import { manualClock } from '../server/clock.js';
import { loadConfig } from '../server/config/index.js';
import { applyMigrations, openDatabase } from '../server/db/index.js';
import type { AudienceSpec, Recipient } from '../server/studio/contracts.js';
import { countAudience, resolveAudience } from '../server/studio/resolveAudience.js';
import { scratchDatabase } from './scratchDatabase.js';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'pglite' }, people: { type: 'string', default: '100000' }, page: { type: 'string', default: '1000' }, keep: { type: 'boolean', default: false } } });
const PEOPLE = Number(args.people);
const PAGE = Number(args.page);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const { url, cleanup } = await scratchDatabase({ postgres: args.db === 'postgres', prefix: 'kuaidai_bench_aud', keep: !!args.keep });
  const config = loadConfig({ KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url });
  const db = await openDatabase(config.database, { poolSize: 4 });
  try {
    await applyMigrations(db.adapterFactory);
    const prisma = db.prisma;
    let t = Date.now();
    await prisma.$executeRawUnsafe(`
      WITH b AS (INSERT INTO "Borrower" (id, tags, "updatedAt") SELECT gen_random_uuid(), CASE WHEN n % 5 = 0 THEN ARRAY['商户'] ELSE ARRAY['农户'] END, now() FROM generate_series(1, ${PEOPLE}) n RETURNING id)
      INSERT INTO "Conversation" (id, channel, "externalUserId", "borrowerId", "machineId", "machineVersion", "lastInboundAt", "updatedAt")
      SELECT gen_random_uuid(), 'web', 'w-' || b.id::text, b.id, 'lending', 1, now(), now() FROM b`);
    await prisma.$executeRawUnsafe(`
      INSERT INTO "Conversation" (id, channel, "externalUserId", "borrowerId", "machineId", "machineVersion", "lastInboundAt", "updatedAt")
      SELECT gen_random_uuid(), 'official_account', 'oa-' || c."borrowerId"::text, c."borrowerId", 'lending', 1, now() + interval '1 hour', now()
      FROM "Conversation" c WHERE c.channel = 'web' AND get_byte(uuid_send(c."borrowerId"), 15) % 2 = 0`);
    await prisma.$executeRawUnsafe(`ANALYZE`);
    console.log(`seeded ${PEOPLE.toLocaleString('en')} borrowers with chats in ${s(Date.now() - t)}`);
    const deps = { prisma, clock: manualClock('2026-12-07T02:00:00Z') };
    for (const [label, spec] of [['everyone', {}], ['tag 商户', { tags: ['商户'] }]] as [string, AudienceSpec][]) {
      t = Date.now();
      const counted = await countAudience(deps, spec, ['web', 'official_account']);
      const countMs = Date.now() - t;
      t = Date.now();
      let pages = 0;
      let total = 0;
      let slowest = 0;
      for (let after: string | undefined; ; pages++) {
        const started = Date.now();
        const page: Recipient[] = await resolveAudience(deps)(spec, { channels: ['web', 'official_account'], after, limit: PAGE });
        slowest = Math.max(slowest, Date.now() - started);
        total += page.length;
        if (page.length < PAGE) break;
        after = page.at(-1)!.recipientKey;
      }
      console.log(`${label}: count ${counted.total.toLocaleString('en')} in ${s(countMs)}; resolved ${total.toLocaleString('en')} in ${pages + 1} pages of ${PAGE} in ${s(Date.now() - t)} (slowest page ${slowest} ms)`);
      if (total !== counted.total) throw new Error(`resolved ${total} but counted ${counted.total}`);
    }
  } finally {
    await db.close();
    await cleanup();
  }
}

await main();
