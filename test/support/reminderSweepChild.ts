// A server process that runs one reminder sweep at SWEEP_AT and exits (test/remindersCrash.test.ts):
// with SEED=n it first seeds n borrowers due the next day; KUAIDAI_CRASH_AT=contact.after_send kills
// it with SIGKILL right after a reminder was delivered and before its ContactLog row is marked sent.
import { bootServer } from '../../server/boot.js';
import { manualClock } from '../../server/clock.js';
import { loadConfig } from '../../server/config/index.js';
import { createContactService } from '../../server/contact/index.js';
import { createLendingConversation } from '../../server/lendingConversation.js';
import { createLogger } from '../../server/logging/index.js';
import { sweepReminders } from '../../server/postLoan/reminders.js';
import type { SandboxProviders } from '../../server/providers/index.js';
import { openSql } from '../../server/runtime/index.js';
import type { FieldCipher } from '../../server/security/fieldCipher.js';
import { seedReminderPortfolio } from './reminderSeed.js';

const config = loadConfig({ ...process.env, JOBS_POLL_MS: '0', LOG_LEVEL: 'silent' });
const logger = createLogger('silent');
const clock = manualClock(process.env.SWEEP_AT!);
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
const sql = await openSql(server.db);
if (process.env.SEED) await seedReminderPortfolio(sql, { from: 1, count: Number(process.env.SEED), baseDue: process.env.DUE!, spreadDays: 1, channel: 'rest' });
const contacts = createContactService({ config, db: server.db, sql, clock, logger, runtime: server.conversations!.runtime, sms: providers!.sms, cipher: cipher! });
const result = await sweepReminders({ prisma: server.db.prisma, sql, clock, config, logger, contacts }, { chunkSize: 7, concurrency: 4 });
process.stdout.write(`SWEEP ${JSON.stringify(result)}\n`);
await sql.close();
await server.app.close();
process.exit(0);
