import { randomUUID } from 'node:crypto';
import { manualClock, type Clock } from '../../server/clock.js';
import { loadConfig } from '../../server/config/index.js';
import { applyMigrations, openDatabase, type Database } from '../../server/db/index.js';
import { createLogger } from '../../server/logging/index.js';
import { CampaignSender, type CampaignSenderDeps } from '../../server/studio/campaignSender.js';
import type { CampaignDeliveryChannels } from '../../server/studio/deliveryChannels.js';
import { resolveAudience } from '../../server/studio/resolveAudience.js';
import type { AudienceSpec, CampaignChannel, CampaignContent, GroupTarget } from '../../server/studio/contracts.js';
import type { DatabaseTarget } from '../../server/config/index.js';

export interface CampaignRig {
  readonly db: Database;
  readonly clock: Clock & { set(t: Date | string): void; advance(ms: number): void };
  sender(options?: { channels?: CampaignDeliveryChannels; env?: Record<string, string>; leaseMs?: number; batchSize?: number }): CampaignSender;
  /** `count` web-chat users (web:u00001 …), each with a conversation; with `borrowers`, each also a borrower. Bulk SQL. */
  seedWebUsers(count: number, options?: { borrowers?: boolean; prefix?: string }): Promise<void>;
  /** A campaign row in the given state (scheduled for now by default). */
  campaign(input?: { status?: 'scheduled' | 'running' | 'draft'; channels?: CampaignChannel[]; audience?: AudienceSpec; groupTargets?: GroupTarget[]; content?: CampaignContent; scheduledAt?: Date; code?: string }): Promise<string>;
  close(): Promise<void>;
}

/** A bare database (migrated), a manual clock at 2026-03-02 10:00 Beijing (a Monday, inside the marketing window), and a sender on them. */
export async function openCampaignRig(target: DatabaseTarget, start = '2026-03-02T10:00:00+08:00'): Promise<CampaignRig> {
  const db = await openDatabase(target, { poolSize: 4 });
  await applyMigrations(db.adapterFactory);
  const clock = manualClock(start);
  const logger = createLogger('silent');
  let serial = 0;
  return {
    db,
    clock,
    sender(options = {}) {
      const config = loadConfig({ KUAIDAI_ENV: 'test', PUBLIC_BASE_URL: 'https://loans.example.cn', ...options.env });
      const deps: CampaignSenderDeps = {
        prisma: db.prisma,
        clock,
        logger,
        marketing: config.marketing,
        publicBaseUrl: config.publicBaseUrl,
        resolveAudience: resolveAudience({ prisma: db.prisma, clock }),
        channels: options.channels ?? {},
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      };
      return new CampaignSender(deps);
    },
    async seedWebUsers(count, options = {}) {
      const prefix = options.prefix ?? 'u';
      if (options.borrowers) {
        await db.prisma.$executeRawUnsafe(
          `INSERT INTO "Borrower" (id, name, "createdAt", "updatedAt") SELECT md5('${prefix}' || g)::uuid, 'B' || g, now(), now() FROM generate_series(1, $1::int) g`,
          count,
        );
      }
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO "Conversation" (id, channel, "externalUserId", "externalChatId", "borrowerId", "machineId", "machineVersion", version, "lastSeq", locale, "createdAt", "updatedAt")
         SELECT gen_random_uuid(), 'web', '${prefix}' || lpad(g::text, 6, '0'), '', ${options.borrowers ? `md5('${prefix}' || g)::uuid` : 'NULL'}, 'session', 1, 1, 0, 'zh', now(), now()
         FROM generate_series(1, $1::int) g`,
        count,
      );
    },
    async campaign(input = {}) {
      const id = randomUUID();
      await db.prisma.campaign.create({
        data: {
          id,
          code: input.code ?? `C${process.pid}${++serial}`,
          name: '春耕贷推广',
          status: input.status ?? 'scheduled',
          content: input.content ?? { text: '春耕贷款，利率优惠，欢迎咨询。', card: { title: '春耕贷', description: '最高20万' }, withQr: false },
          audience: input.audience ?? {},
          channels: input.channels ?? ['web'],
          groupTargets: input.groupTargets ?? [],
          scheduledAt: input.scheduledAt ?? clock.now(),
        },
      });
      return id;
    },
    close: () => db.close(),
  };
}

/** Runs batches of one campaign until it needs a later moment or is finished; the clock moves to each `nextAt` up to `until`. */
export async function drain(sender: CampaignSender, clock: { now(): Date; set(t: Date): void }, campaignId: string, until?: Date): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const r = await sender.sendBatch(campaignId);
    if (!r.nextAt) return;
    if (r.nextAt > clock.now()) {
      if (!until || r.nextAt > until) return;
      clock.set(r.nextAt);
    }
  }
  throw new Error('drain did not finish');
}
