import { addDays, type IsoDate } from '../../core/index.js';
import { Prisma } from '../db/generated/client.js';
import type { PrismaClient } from '../db/index.js';
import type { PortfolioFigures } from '../postLoan/index.js';
import { PERSONAL_CAMPAIGN_CHANNELS } from './contracts.js';
import { beijingDay, beijingMidnight, type FunnelPeriod } from './funnel.js';

/** An application funnel row: applications of a cohort and how many of them went on to each stage. */
export interface ApplicationFunnelRow {
  readonly key: string;
  readonly label: string;
  readonly applied: number;
  readonly authorised: number;
  readonly approved: number;
  readonly drawn: number;
}

export const APPLICATION_BREAKDOWNS = ['day', 'channel', 'product', 'manager'] as const;
export type ApplicationBreakdown = (typeof APPLICATION_BREAKDOWNS)[number];

/** The applications dashboard: the cohorts of the period by day, channel, product and manager. */
export type ApplicationDashboard = Readonly<Record<ApplicationBreakdown, readonly ApplicationFunnelRow[]>>;

/** Whose applications a person sees: everyone's, or (a manager) those attributed to them or their campaigns. */
export type DashboardSlice = { readonly kind: 'all' } | { readonly kind: 'manager'; readonly staffId: string };

const sliceSql = (slice: DashboardSlice, alias: string): Prisma.Sql =>
  slice.kind === 'all'
    ? Prisma.sql`TRUE`
    : Prisma.sql`(${Prisma.raw(`${alias}."attributedStaffId"`)} = ${slice.staffId}::uuid OR ${Prisma.raw(`${alias}."attributedCampaignId"`)} IN (SELECT id FROM "Campaign" WHERE "createdById" = ${slice.staffId}::uuid))`;

/**
 * Applications submitted in the period (Beijing dates), as cohorts: each counted once under the day
 * it was made, the channel of its conversation, its product and its manager (attributed, or the creator
 * of its attributed campaign), with how many
 * of them the borrower authorised (a consent granted in that conversation after applying), were
 * approved (an approved decision) and drawn (a disbursed drawdown on the line their decision opened).
 */
export async function applicationDashboard(prisma: PrismaClient, period: FunnelPeriod, slice: DashboardSlice): Promise<ApplicationDashboard> {
  const start = beijingMidnight(period.from);
  const end = beijingMidnight(addDays(period.to, 1));
  const rows = await prisma.$queryRaw<{ day: string; channel: string | null; product: string; managerId: string | null; manager: string | null; applied: number; authorised: number; approved: number; drawn: number }[]>`
    WITH apps AS (
      SELECT a.id, a."borrowerId", a."conversationId", a."createdAt", a."productId",
        COALESCE(a."attributedStaffId", (SELECT cp."createdById" FROM "Campaign" cp WHERE cp.id = a."attributedCampaignId")) AS "managerId" FROM "Application" a
      WHERE a."createdAt" >= ${start}::timestamptz AND a."createdAt" < ${end}::timestamptz AND ${sliceSql(slice, 'a')}
    ), reached AS (
      SELECT apps.*, cv.channel::text AS channel,
        EXISTS (SELECT 1 FROM "Consent" c WHERE c."borrowerId" = apps."borrowerId" AND c."grantedAt" >= apps."createdAt"
          AND (apps."conversationId" IS NULL OR c."conversationId" IS NULL OR c."conversationId" = apps."conversationId")) AS authorised,
        EXISTS (SELECT 1 FROM "Decision" dc WHERE dc."applicationId" = apps.id AND dc.outcome = 'approved') AS approved,
        EXISTS (SELECT 1 FROM "Decision" dc JOIN "CreditLine" l ON l."decisionId" = dc.id JOIN "Drawdown" dw ON dw."creditLineId" = l.id
          WHERE dc."applicationId" = apps.id AND dw.status IN ('active', 'settled')) AS drawn
      FROM apps LEFT JOIN "Conversation" cv ON cv.id = apps."conversationId"
    )
    SELECT ${beijingDay(Prisma.sql`r."createdAt"`)} AS day, r.channel, r."productId" AS product, r."managerId"::text AS "managerId", s."displayName" AS manager,
      count(*)::int AS applied, count(*) FILTER (WHERE r.authorised)::int AS authorised, count(*) FILTER (WHERE r.approved)::int AS approved, count(*) FILTER (WHERE r.drawn)::int AS drawn
    FROM reached r LEFT JOIN "StaffUser" s ON s.id = r."managerId"
    GROUP BY 1, 2, 3, 4, 5`;
  const group = (keyOf: (r: (typeof rows)[number]) => { key: string; label: string }, seed: readonly { key: string; label: string }[] = []): ApplicationFunnelRow[] => {
    const out = new Map<string, { key: string; label: string; applied: number; authorised: number; approved: number; drawn: number }>(seed.map((s) => [s.key, { ...s, applied: 0, authorised: 0, approved: 0, drawn: 0 }]));
    for (const r of rows) {
      const k = keyOf(r);
      const row = out.get(k.key) ?? { ...k, applied: 0, authorised: 0, approved: 0, drawn: 0 };
      row.applied += r.applied;
      row.authorised += r.authorised;
      row.approved += r.approved;
      row.drawn += r.drawn;
      out.set(k.key, row);
    }
    return [...out.values()];
  };
  const days: { key: string; label: string }[] = [];
  for (let d = period.from; d <= period.to; d = addDays(d, 1)) days.push({ key: d, label: d });
  const byCount = (a: ApplicationFunnelRow, b: ApplicationFunnelRow) => b.applied - a.applied || a.key.localeCompare(b.key);
  return {
    day: group((r) => ({ key: r.day, label: r.day }), days),
    channel: group((r) => ({ key: r.channel ?? 'unknown', label: r.channel ?? 'unknown' })).sort(byCount),
    product: group((r) => ({ key: r.product, label: r.product })).sort(byCount),
    manager: group((r) => ({ key: r.managerId ?? 'none', label: r.manager ?? '' })).sort(byCount),
  };
}

/** One business date's portfolio figures (PortfolioSnapshot.data, written by the end-of-day batch). */
export interface PortfolioPoint {
  readonly businessDate: IsoDate;
  readonly figures: PortfolioFigures;
}

/** The daily portfolio snapshots of the period, oldest first. */
export async function portfolioSeries(prisma: PrismaClient, period: FunnelPeriod): Promise<PortfolioPoint[]> {
  const rows = await prisma.portfolioSnapshot.findMany({ where: { businessDate: { gte: new Date(period.from), lte: new Date(period.to) } }, orderBy: { businessDate: 'asc' } });
  return rows.map((r) => ({ businessDate: r.businessDate.toISOString().slice(0, 10) as IsoDate, figures: r.data as unknown as PortfolioFigures }));
}

export const RISK_LEVELS = ['red', 'orange', 'yellow'] as const;
export const RISK_STATUSES = ['open', 'confirmed', 'cleared'] as const;

/** Early-warning signals counted by level and status, and the open ones by business date (the last 30 dates with any). */
export interface RiskSummary {
  readonly byLevel: readonly { readonly level: (typeof RISK_LEVELS)[number]; readonly open: number; readonly confirmed: number; readonly cleared: number }[];
  readonly openByDate: readonly { readonly businessDate: string; readonly red: number; readonly orange: number; readonly yellow: number }[];
}

export async function riskSummary(prisma: PrismaClient): Promise<RiskSummary> {
  const [counts, dates] = await Promise.all([
    prisma.$queryRaw<{ level: string; status: string; n: number }[]>`SELECT level, status, count(*)::int AS n FROM "RiskSignal" GROUP BY level, status`,
    prisma.$queryRaw<{ businessDate: string; level: string; n: number }[]>`
      SELECT to_char("businessDate", 'YYYY-MM-DD') AS "businessDate", level, count(*)::int AS n FROM "RiskSignal"
      WHERE status = 'open' AND "businessDate" IN (SELECT DISTINCT "businessDate" FROM "RiskSignal" WHERE status = 'open' ORDER BY "businessDate" DESC LIMIT 30)
      GROUP BY 1, 2 ORDER BY 1`,
  ]);
  const n = (level: string, status: string) => counts.find((c) => c.level === level && c.status === status)?.n ?? 0;
  const byDate = new Map<string, { businessDate: string; red: number; orange: number; yellow: number }>();
  for (const d of dates) {
    const row = byDate.get(d.businessDate) ?? { businessDate: d.businessDate, red: 0, orange: 0, yellow: 0 };
    if (d.level === 'red' || d.level === 'orange' || d.level === 'yellow') row[d.level] += d.n;
    byDate.set(d.businessDate, row);
  }
  return { byLevel: RISK_LEVELS.map((level) => ({ level, open: n(level, 'open'), confirmed: n(level, 'confirmed'), cleared: n(level, 'cleared') })), openByDate: [...byDate.values()] };
}

/** The collection queue: its work orders by status (overdue = past their deadline, not yet resolved), and the lines in each delinquency bucket. */
export interface CollectionSummary {
  readonly workOrders: { readonly open: number; readonly assigned: number; readonly inProgress: number; readonly overdue: number; readonly resolvedInPeriod: number };
  readonly buckets: readonly { readonly bucket: string; readonly lines: number; readonly outstandingFen: number }[];
}

const BUCKETS = ['M0', 'M1', 'M2', 'M3', 'M3+'] as const;

export async function collectionSummary(prisma: PrismaClient, now: Date, period: FunnelPeriod): Promise<CollectionSummary> {
  const [orders, buckets] = await Promise.all([
    prisma.$queryRaw<{ open: number; assigned: number; inProgress: number; overdue: number; resolved: number }[]>`
      SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'assigned')::int AS assigned,
        count(*) FILTER (WHERE status = 'in_progress')::int AS "inProgress",
        count(*) FILTER (WHERE status IN ('open', 'assigned', 'in_progress') AND "dueAt" < ${now}::timestamptz)::int AS overdue,
        count(*) FILTER (WHERE status IN ('resolved', 'closed') AND "doneAt" >= ${beijingMidnight(period.from)}::timestamptz AND "doneAt" < ${beijingMidnight(addDays(period.to, 1))}::timestamptz)::int AS resolved
      FROM "WorkItem" WHERE kind = 'collection'`,
    prisma.$queryRaw<{ bucket: string; lines: number; outstanding: string }[]>`
      SELECT bucket, count(*)::int AS lines, COALESCE(sum("limitFen" - "availableFen"), 0)::text AS outstanding FROM "CreditLine"
      WHERE status IN ('active', 'frozen') OR (status = 'expired' AND "availableFen" < "limitFen") GROUP BY bucket`,
  ]);
  const o = orders[0]!;
  return {
    workOrders: { open: o.open, assigned: o.assigned, inProgress: o.inProgress, overdue: o.overdue, resolvedInPeriod: o.resolved },
    buckets: BUCKETS.map((bucket) => {
      const b = buckets.find((x) => x.bucket === bucket);
      return { bucket, lines: b?.lines ?? 0, outstandingFen: Number(b?.outstanding ?? 0) };
    }),
  };
}

/** One campaign's performance over the period. Rates are shares of the stage before (0–1; 0 when nothing came before). */
export interface CampaignPerformance {
  readonly campaignId: string;
  readonly code: string;
  readonly name: string;
  readonly status: string;
  readonly sent: number;
  readonly delivered: number;
  readonly clicked: number;
  readonly applied: number;
  readonly approved: number;
  readonly drawn: number;
  readonly deliveryRate: number;
  readonly clickRate: number;
  readonly applyRate: number;
  readonly approvalRate: number;
  readonly drawRate: number;
}

const rate = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);

/**
 * Every campaign that started (or was created) by the end of the period, newest first (at most 200),
 * with the funnel of the period counted as the campaign funnel counts it (server/studio/funnel.ts),
 * in one grouped query.
 */
export async function campaignPerformance(prisma: PrismaClient, period: FunnelPeriod, slice: DashboardSlice): Promise<CampaignPerformance[]> {
  const start = beijingMidnight(period.from);
  const end = beijingMidnight(addDays(period.to, 1));
  const personal = [...PERSONAL_CAMPAIGN_CHANNELS];
  const within = (c: string) => Prisma.sql`${Prisma.raw(c)} >= ${start}::timestamptz AND ${Prisma.raw(c)} < ${end}::timestamptz`;
  const rows = await prisma.$queryRaw<{ id: string; code: string; name: string; status: string; sent: number; delivered: number; clicked: number; applied: number; approved: number; drawn: number }[]>`
    WITH sc AS (
      SELECT id, code, name, status::text AS status, "createdAt" FROM "Campaign"
      WHERE "createdAt" < ${end}::timestamptz ${slice.kind === 'manager' ? Prisma.sql`AND "createdById" = ${slice.staffId}::uuid` : Prisma.empty}
      ORDER BY COALESCE("startedAt", "createdAt") DESC LIMIT 200
    ), dl AS (
      SELECT d."campaignId" AS id, count(*) FILTER (WHERE ${within('d."sentAt"')})::int AS sent, count(*) FILTER (WHERE ${within('d."deliveredAt"')})::int AS delivered
      FROM "CampaignDelivery" d WHERE d."campaignId" IN (SELECT id FROM sc) GROUP BY 1
    ), firsts AS (
      SELECT id, min(at) AS at FROM (
        SELECT d."campaignId" AS id, 'd:' || d.id::text AS who, LEAST(d."openedAt", d."clickedAt") AS at FROM "CampaignDelivery" d
          WHERE d."campaignId" IN (SELECT id FROM sc) AND d.channel = ANY(${personal}::text[]) AND (d."openedAt" IS NOT NULL OR d."clickedAt" IS NOT NULL)
        UNION ALL
        SELECT lc."campaignId", 'v:' || COALESCE(lc."visitorId", lc.id::text), lc.at FROM "LinkClick" lc
          LEFT JOIN "CampaignDelivery" pd ON pd.id = lc."deliveryId" AND pd.channel = ANY(${personal}::text[])
          WHERE lc."campaignId" IN (SELECT id FROM sc) AND pd.id IS NULL AND lc.at < ${end}::timestamptz
      ) t GROUP BY id, who
    ), ck AS (SELECT id, count(*) FILTER (WHERE ${within('at')})::int AS clicked FROM firsts GROUP BY id),
    ap AS (
      SELECT a."attributedCampaignId" AS id, count(*) FILTER (WHERE ${within('a."createdAt"')})::int AS applied,
        count(*) FILTER (WHERE (SELECT min(dc."createdAt") FROM "Decision" dc WHERE dc."applicationId" = a.id AND dc.outcome = 'approved') >= ${start}::timestamptz
          AND (SELECT min(dc."createdAt") FROM "Decision" dc WHERE dc."applicationId" = a.id AND dc.outcome = 'approved') < ${end}::timestamptz)::int AS approved
      FROM "Application" a WHERE a."attributedCampaignId" IN (SELECT id FROM sc) AND a."createdAt" < ${end}::timestamptz GROUP BY 1
    ), dr AS (
      SELECT l."attributedCampaignId" AS id, count(*)::int AS drawn FROM "CreditLine" l
      WHERE l."attributedCampaignId" IN (SELECT id FROM sc)
        AND (SELECT min(dw."disbursedAt") FROM "Drawdown" dw WHERE dw."creditLineId" = l.id AND dw.status IN ('active', 'settled')) >= ${start}::timestamptz
        AND (SELECT min(dw."disbursedAt") FROM "Drawdown" dw WHERE dw."creditLineId" = l.id AND dw.status IN ('active', 'settled')) < ${end}::timestamptz
      GROUP BY 1
    )
    SELECT sc.id::text, sc.code, sc.name, sc.status, COALESCE(dl.sent, 0) AS sent, COALESCE(dl.delivered, 0) AS delivered, COALESCE(ck.clicked, 0) AS clicked,
      COALESCE(ap.applied, 0) AS applied, COALESCE(ap.approved, 0) AS approved, COALESCE(dr.drawn, 0) AS drawn
    FROM sc LEFT JOIN dl ON dl.id = sc.id LEFT JOIN ck ON ck.id = sc.id LEFT JOIN ap ON ap.id = sc.id LEFT JOIN dr ON dr.id = sc.id
    ORDER BY sc."createdAt" DESC`;
  return rows.map((r) => ({
    campaignId: r.id,
    code: r.code,
    name: r.name,
    status: r.status,
    sent: r.sent,
    delivered: r.delivered,
    clicked: r.clicked,
    applied: r.applied,
    approved: r.approved,
    drawn: r.drawn,
    deliveryRate: rate(r.delivered, r.sent),
    clickRate: rate(r.clicked, r.delivered),
    applyRate: rate(r.applied, r.clicked),
    approvalRate: rate(r.approved, r.applied),
    drawRate: rate(r.drawn, r.approved),
  }));
}
