// A server process that sends one web-chat campaign and exits (test/campaignSendCrash.test.ts): with
// SEED=n it first seeds n web-chat users and a campaign scheduled for START; it prints `SENT <n>`
// after every batch, so the test can SIGKILL it half-way, and `DONE <json>` when the campaign is done.
import { loadConfig } from '../../server/config/index.js';
import { openCampaignRig } from './campaignRig.js';

const config = loadConfig({ ...process.env, JOBS_POLL_MS: '0', LOG_LEVEL: 'silent' });
const rig = await openCampaignRig(config.database, process.env.START!);
if (process.env.SEED) {
  await rig.seedWebUsers(Number(process.env.SEED));
  await rig.campaign({ code: 'CRASH' });
}
const sender = rig.sender({ batchSize: 500 });
await sender.startDue();
const campaign = await rig.db.prisma.campaign.findUniqueOrThrow({ where: { code: 'CRASH' } });
let sent = await rig.db.prisma.campaignDelivery.count({ where: { campaignId: campaign.id, status: 'sent' } });
for (;;) {
  const r = await sender.sendBatch(campaign.id);
  sent += r.sent;
  process.stdout.write(`SENT ${sent}\n`);
  if (!r.nextAt) break;
  if (r.nextAt > rig.clock.now()) rig.clock.set(r.nextAt);
}
const done = await rig.db.prisma.campaign.findUniqueOrThrow({ where: { id: campaign.id } });
process.stdout.write(`DONE ${JSON.stringify({ status: done.status })}\n`);
await rig.close();
process.exit(0);
