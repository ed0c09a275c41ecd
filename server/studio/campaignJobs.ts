import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JobRunner } from '../jobs/index.js';
import type { CampaignSender } from './campaignSender.js';

export const CAMPAIGN_SWEEP_QUEUE = 'campaign.sweep';
export const CAMPAIGN_SEND_QUEUE = 'campaign.send';
/** Every minute (Shanghai time): starts due campaigns and makes sure each active one has its send job queued. */
export const CAMPAIGN_SWEEP_CRON = '* * * * *';
/** One send job runs batches for at most this long, then queues its successor (the runner stays fair to other queues). */
const SLICE_MS = 20_000;

/**
 * The sender on the job runner: the `campaign.sweep` cron starts due campaigns and queues one
 * `campaign.send` job per active campaign (a `short` queue keyed by the campaign: one waits at a
 * time). A send job runs batches while their channel rates allow, then queues its successor for the
 * batch's `nextAt` (rate, quiet hours, a robot's back-off) — the handler never sleeps.
 */
export function registerCampaignJobs(runner: JobRunner, sender: CampaignSender, clock: Clock, logger: Logger): void {
  const queueNext = async (campaignId: string, at: Date) => {
    const seconds = Math.max(0, Math.ceil((at.getTime() - clock.now().getTime()) / 1000));
    await runner.send(CAMPAIGN_SEND_QUEUE, { campaignId }, { singletonKey: campaignId, startAfter: seconds });
  };
  runner.work<{ campaignId?: unknown }>(
    CAMPAIGN_SEND_QUEUE,
    async (data) => {
      if (typeof data.campaignId !== 'string') return { skipped: 'no campaignId' };
      const campaignId = data.campaignId;
      const started = Date.now();
      let sent = 0;
      for (;;) {
        const r = await sender.sendBatch(campaignId);
        sent += r.sent;
        if (!r.nextAt) return { campaignId, sent, status: r.status };
        if (r.nextAt.getTime() > clock.now().getTime() || Date.now() - started > SLICE_MS) {
          await queueNext(campaignId, r.nextAt);
          return { campaignId, sent, status: r.status, nextAt: r.nextAt.toISOString() };
        }
      }
    },
    { policy: 'short', retryLimit: 5, retryDelaySeconds: 10, expireInSeconds: 600 },
  );
  runner.cron(
    CAMPAIGN_SWEEP_QUEUE,
    CAMPAIGN_SWEEP_CRON,
    async () => {
      const started = await sender.startDue();
      const active = await sender.active();
      for (const campaignId of active) await runner.send(CAMPAIGN_SEND_QUEUE, { campaignId }, { singletonKey: campaignId });
      if (started.length) logger.info({ started }, 'campaigns started');
      return { started: started.length, active: active.length };
    },
    { retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 300 },
  );
}
