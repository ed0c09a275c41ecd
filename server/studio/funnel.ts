import { addDays, daysBetween, isIsoDate, shanghaiDateOf, type IsoDate } from '../../core/index.js';
import { Prisma } from '../db/generated/client.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import { FUNNEL_STAGES, PERSONAL_CAMPAIGN_CHANNELS, type FunnelReport, type FunnelStage } from './contracts.js';

/** Whose funnel: one campaign, one manager (their own links and the campaigns they created), or one branch (its links, campaigns and attributed applications). */
export type FunnelScope = { readonly kind: 'campaign'; readonly campaignId: string } | { readonly kind: 'manager'; readonly staffId: string } | { readonly kind: 'branch'; readonly branch: string };

/** Beijing dates, both included. */
export interface FunnelPeriod {
  readonly from: IsoDate;
  readonly to: IsoDate;
}

/** The longest period one report covers (a year and a day: a leap year and today). */
export const MAX_FUNNEL_DAYS = 367;
/** The default period: the last 30 Beijing dates, today included. */
export const DEFAULT_FUNNEL_DAYS = 30;

/** The period asked for, or the last 30 days ending today (Beijing); refuses a reversed or over-long one. */
export function funnelPeriod(from: string | undefined, to: string | undefined, nowMs: number): FunnelPeriod {
  for (const [field, value] of [['from', from], ['to', to]] as const) {
    if (value !== undefined && !isIsoDate(value)) throw new AppError('VALIDATION_FAILED', { field, reason: 'must be a date YYYY-MM-DD' });
  }
  const end = (to ?? shanghaiDateOf(nowMs)) as IsoDate;
  const start = (from ?? addDays(end, -(DEFAULT_FUNNEL_DAYS - 1))) as IsoDate;
  const days = daysBetween(start, end) + 1;
  if (days < 1) throw new AppError('VALIDATION_FAILED', { field: 'from', reason: 'must not be after to' });
  if (days > MAX_FUNNEL_DAYS) throw new AppError('VALIDATION_FAILED', { field: 'from', reason: `the period is at most ${MAX_FUNNEL_DAYS} days` });
  return { from: start, to: end };
}

/** Midnight in Beijing of a date, as a moment. */
export const beijingMidnight = (date: IsoDate): Date => new Date(`${date}T00:00:00+08:00`);

/** The Beijing date of a timestamptz column, in SQL (UTC+8 all year, so a fixed offset is exact and needs no time-zone data). */
export const beijingDay = (column: Prisma.Sql): Prisma.Sql => Prisma.sql`to_char((${column} AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;

/**
 * The scope as SQL pieces: the campaigns it covers, and what else marks a link click, an
 * application or a line as its own (a manager's attributedStaffId, a branch's attributedBranch).
 */
function scopeSql(scope: FunnelScope): { campaigns: Prisma.Sql; click: (lc: string) => Prisma.Sql; attributed: (t: string) => Prisma.Sql } {
  const col = (alias: string, name: string) => Prisma.raw(`${alias}."${name}"`);
  switch (scope.kind) {
    case 'campaign':
      return { campaigns: Prisma.sql`SELECT id FROM "Campaign" WHERE id = ${scope.campaignId}::uuid`, click: () => Prisma.sql`FALSE`, attributed: () => Prisma.sql`FALSE` };
    case 'manager':
      return {
        campaigns: Prisma.sql`SELECT id FROM "Campaign" WHERE "createdById" = ${scope.staffId}::uuid`,
        click: (lc) => Prisma.sql`${col(lc, 'staffId')} = ${scope.staffId}::uuid`,
        attributed: (t) => Prisma.sql`${col(t, 'attributedStaffId')} = ${scope.staffId}::uuid`,
      };
    case 'branch':
      return {
        campaigns: Prisma.sql`SELECT id FROM "Campaign" WHERE branch = ${scope.branch}`,
        click: (lc) => Prisma.sql`${col(lc, 'branch')} = ${scope.branch}`,
        attributed: (t) => Prisma.sql`${col(t, 'attributedBranch')} = ${scope.branch}`,
      };
  }
}

/**
 * The funnel of a scope over a period: each stage counted on the Beijing date it was reached, so a
 * stage's total is the sum of its series.
 * - sent, delivered: campaign deliveries (a group counts once) by sentAt, deliveredAt;
 * - clicked: people who first opened or tapped — a personal delivery by the earlier of openedAt and
 *   clickedAt; any other tap (a group's link, a QR code, a manager's or branch's own link) by
 *   LinkClick, one per visitorId (one per row without a visitor id);
 * - applied: applications attributed (first touch) to the scope, by createdAt;
 * - authorised: those applications by the first data-authorisation consent the borrower granted
 *   in the application's conversation after applying (Consent has no application id; recordConsent
 *   writes it for the application in that conversation);
 * - approved: those applications by their first approved decision;
 * - drawn: lines attributed to the scope by their first disbursed drawdown.
 * Every source is read through an index on its scope column and time.
 */
export async function funnelReport(prisma: PrismaClient, scope: FunnelScope, period: FunnelPeriod): Promise<FunnelReport> {
  const start = beijingMidnight(period.from);
  const end = beijingMidnight(addDays(period.to, 1));
  const s = scopeSql(scope);
  const personal = [...PERSONAL_CAMPAIGN_CHANNELS];
  const inWindow = (c: Prisma.Sql) => Prisma.sql`${c} >= ${start}::timestamptz AND ${c} < ${end}::timestamptz`;
  const rows = await prisma.$queryRaw<{ stage: FunnelStage; day: string; n: number }[]>`
    WITH sc AS (${s.campaigns}),
    apps AS (
      SELECT a.id, a."borrowerId", a."conversationId", a."createdAt" FROM "Application" a
      WHERE (a."attributedCampaignId" IN (SELECT id FROM sc) OR ${s.attributed('a')}) AND a."createdAt" < ${end}::timestamptz
    ),
    clicks AS (
      SELECT min(at) AS at FROM (
        SELECT 'd:' || d.id::text AS who, LEAST(d."openedAt", d."clickedAt") AS at FROM "CampaignDelivery" d
          WHERE d."campaignId" IN (SELECT id FROM sc) AND d.channel = ANY(${personal}::text[]) AND (d."openedAt" IS NOT NULL OR d."clickedAt" IS NOT NULL)
        UNION ALL
        SELECT 'v:' || COALESCE(lc."visitorId", lc.id::text), lc.at FROM "LinkClick" lc
          LEFT JOIN "CampaignDelivery" pd ON pd.id = lc."deliveryId" AND pd.channel = ANY(${personal}::text[])
          WHERE (lc."campaignId" IN (SELECT id FROM sc) OR ${s.click('lc')}) AND pd.id IS NULL AND lc.at < ${end}::timestamptz
      ) t GROUP BY who
    ),
    events AS (
      SELECT 'sent' AS stage, d."sentAt" AS at FROM "CampaignDelivery" d WHERE d."campaignId" IN (SELECT id FROM sc) AND ${inWindow(Prisma.sql`d."sentAt"`)}
      UNION ALL SELECT 'delivered', d."deliveredAt" FROM "CampaignDelivery" d WHERE d."campaignId" IN (SELECT id FROM sc) AND ${inWindow(Prisma.sql`d."deliveredAt"`)}
      UNION ALL SELECT 'clicked', at FROM clicks
      UNION ALL SELECT 'applied', "createdAt" FROM apps
      UNION ALL SELECT 'authorised', (SELECT min(c."grantedAt") FROM "Consent" c WHERE c."borrowerId" = apps."borrowerId" AND c."grantedAt" >= apps."createdAt"
          AND (apps."conversationId" IS NULL OR c."conversationId" IS NULL OR c."conversationId" = apps."conversationId")) FROM apps
      UNION ALL SELECT 'approved', (SELECT min(dc."createdAt") FROM "Decision" dc WHERE dc."applicationId" = apps.id AND dc.outcome = 'approved') FROM apps
      UNION ALL SELECT 'drawn', (SELECT min(dw."disbursedAt") FROM "Drawdown" dw WHERE dw."creditLineId" = l.id AND dw.status IN ('active', 'settled'))
        FROM "CreditLine" l WHERE l."attributedCampaignId" IN (SELECT id FROM sc) OR ${s.attributed('l')}
    )
    SELECT stage, ${beijingDay(Prisma.sql`at`)} AS day, count(*)::int AS n FROM events WHERE ${inWindow(Prisma.sql`at`)} GROUP BY stage, day`;
  return assemble(period, rows);
}

/** Totals and one row per date of the period (dates without events are zeros, so charts have no gaps). */
export function assemble(period: FunnelPeriod, rows: readonly { stage: FunnelStage; day: string; n: number }[]): FunnelReport {
  const zero = (): Record<FunnelStage, number> => Object.fromEntries(FUNNEL_STAGES.map((st) => [st, 0])) as Record<FunnelStage, number>;
  const byDay = new Map<string, Record<FunnelStage, number>>();
  for (let d = period.from; d <= period.to; d = addDays(d, 1)) byDay.set(d, zero());
  const totals = zero();
  for (const r of rows) {
    const day = byDay.get(r.day);
    if (!day) continue;
    day[r.stage] += r.n;
    totals[r.stage] += r.n;
  }
  return { stages: FUNNEL_STAGES.map((stage) => ({ stage, count: totals[stage] })), series: [...byDay].map(([date, counts]) => ({ date, ...counts })) };
}
