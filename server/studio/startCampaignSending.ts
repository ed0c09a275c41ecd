import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createWecomRobot } from '../channels/wecom/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { JobRunner } from '../jobs/index.js';
import { registerCampaignJobs } from './campaignJobs.js';
import { CampaignSender } from './campaignSender.js';
import { CampaignService } from './campaignService.js';
import { resolveAudience } from './resolveAudience.js';

/**
 * The server's campaign sender on its channels — the WeCom robots of WECOM_ROBOTS (a client of its
 * own that refuses instead of waiting for a slot, so a job reschedules rather than sleeps), the
 * official account when configured, wechaty rooms once its bot logs in (`useRooms`) — with the
 * campaign service's audited lifecycle moves, and its jobs registered on the runner.
 */
export function startCampaignSending(deps: { app: FastifyInstance; config: Config; db: Database; clock: Clock; logger: Logger; runner: JobRunner }): CampaignSender {
  const { app, config, db, clock, logger, runner } = deps;
  const robotNames = Object.keys(config.wecom.robots);
  const robot = robotNames.length ? createWecomRobot({ ...config.wecom, logger, clock, maxWaitMs: 0, publicBaseUrl: config.publicBaseUrl }) : undefined;
  const sender = new CampaignSender({
    prisma: db.prisma,
    clock,
    logger,
    marketing: config.marketing,
    publicBaseUrl: config.publicBaseUrl,
    resolveAudience: resolveAudience({ prisma: db.prisma, clock }),
    channels: { robot, officialAccount: app.officialAccount?.api },
    lifecycle: new CampaignService({ prisma: db.prisma, clock, robots: robotNames }),
  });
  registerCampaignJobs(runner, sender, clock, logger);
  return sender;
}
