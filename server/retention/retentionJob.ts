import { BusinessClock } from '../jobs/index.js';
import type { DailyJob } from '../postLoan/index.js';
import { runRetention } from './runRetention.js';

export const RETENTION_JOB = 'retention.daily';

/**
 * The retention run once a day at 03:30 Shanghai time, after the night's batches and before the
 * morning's contacts; `demo:advance` runs it for each date it passes, at the demo clock's moment.
 */
export const retentionJob: DailyJob = {
  name: RETENTION_JOB,
  cron: '30 3 * * *',
  bulk: true,
  run: (ctx) => {
    const now = ctx.clock.now();
    // Sessions count in real time while the demo clock runs ahead: a session still valid now is not an old one.
    const sessionNow = ctx.clock instanceof BusinessClock ? new Date(now.getTime() - ctx.clock.offsetMs) : now;
    return runRetention({ prisma: ctx.prisma, logger: ctx.logger, retention: ctx.config.retention }, now, { sessionNow });
  },
};
