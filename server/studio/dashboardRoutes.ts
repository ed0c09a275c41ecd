import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LOAN_CLASS_NAMES_ZH, type LoanClass } from '../../core/index.js';
import { APPLICATION_BREAKDOWNS, applicationDashboard, campaignPerformance, collectionSummary, portfolioSeries, riskSummary, type DashboardSlice } from './dashboard.js';
import { csvOf } from '../http/csvFile.js';
import { funnelPeriod } from './funnel.js';
import { sendCsv } from './funnelRoutes.js';
import type { StudioDeps } from './installStudio.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

const period = { from: z.string().optional(), to: z.string().optional() };
const format = z.enum(['json', 'csv'], { error: 'must be json or csv' }).default('json');
const applicationsQuery = z.object({ ...period, format, table: z.enum(APPLICATION_BREAKDOWNS, { error: `must be one of ${APPLICATION_BREAKDOWNS.join(', ')}` }).default('day') });
const periodQuery = z.object({ ...period, format });

const CLASSES: readonly LoanClass[] = ['normal', 'special_mention', 'substandard', 'doubtful', 'loss'];
const CLASS_EN: Readonly<Record<LoanClass, string>> = { normal: 'Normal', special_mention: 'Special mention', substandard: 'Substandard', doubtful: 'Doubtful', loss: 'Loss' };
const BUCKETS = ['M0', 'M1', 'M2', 'M3', 'M3+'] as const;
const BREAKDOWN_HEADER: Readonly<Record<(typeof APPLICATION_BREAKDOWNS)[number], string>> = { day: '日期 Date', channel: '渠道 Channel', product: '产品 Product', manager: '客户经理 Manager' };
const LEVEL_HEADER = { red: '红色 Red', orange: '橙色 Orange', yellow: '黄色 Yellow' } as const;

/** Fen as yuan with two decimals, for a spreadsheet to add up (the page shows 万元 and 亿元). */
const yuan = (fen: number): string => (fen / 100).toFixed(2);
const percent = (share: number): string => `${(share * 100).toFixed(2)}%`;

/**
 * The dashboards' API (运营看板), JSON or `format=csv` (BOM, Chinese-then-English headers):
 * applications by day, channel, product and manager; the portfolio from the daily snapshots;
 * early-warning signals by level; the collection queue and lines by bucket; campaign performance.
 * Supervisors, admins and reviewers see the bank's figures; a manager sees the applications and
 * campaigns attributed to them (the portfolio, warnings and collection are refused). Reads are not
 * audited: aggregates, no personal data.
 */
const riskQuery = periodQuery.pick({ format: true });

export function dashboardRoutes(app: FastifyInstance, deps: StudioDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { prisma } = deps.app.db;
  const bank = deps.auth.require('supervisor', 'admin', 'reviewer');
  const anyone = deps.auth.require('supervisor', 'admin', 'reviewer', 'manager');
  const now = () => deps.app.clock.now();
  const sliceOf = (request: FastifyRequest): DashboardSlice => {
    const roles = request.staff!.roles;
    return roles.includes('supervisor') || roles.includes('admin') || roles.includes('reviewer') ? { kind: 'all' } : { kind: 'manager', staffId: request.staff!.staffId };
  };
  const base = '/api/v1/staff/studio/dashboard';

  api.get(`${base}/applications`, { onRequest: anyone, schema: { ...doc('studio', 'Dashboard: applications by day, branch and outcome · 申请看板', STAFF_SECURITY, 'Roles: supervisor, admin, reviewer, manager.'), querystring: applicationsQuery } }, async (request, reply) => {
    const q = request.query;
    const p = funnelPeriod(q.from, q.to, now().getTime());
    const slice = sliceOf(request);
    const figures = await applicationDashboard(prisma, p, slice);
    if (q.format === 'csv') {
      return sendCsv(reply, `applications-by-${q.table}-${p.from}-${p.to}.csv`, csvOf(
        [BREAKDOWN_HEADER[q.table], '申请 Applied', '授权 Authorised', '批准 Approved', '用信 Drawn', '批准率 Approval rate'],
        figures[q.table].map((r) => [q.table === 'manager' && r.key === 'none' ? '未归属 Unattributed' : r.label || r.key, r.applied, r.authorised, r.approved, r.drawn, percent(r.applied ? r.approved / r.applied : 0)]),
      ));
    }
    return { ...p, slice: slice.kind, ...figures };
  });

  api.get(`${base}/portfolio`, { onRequest: bank, schema: { ...doc('studio', 'Dashboard: the loan book · 贷款余额看板', STAFF_SECURITY, 'Roles: supervisor, admin, reviewer.'), querystring: periodQuery } }, async (request, reply) => {
    const q = request.query;
    const p = funnelPeriod(q.from, q.to, now().getTime());
    const points = await portfolioSeries(prisma, p);
    if (q.format === 'csv') {
      return sendCsv(reply, `portfolio-${p.from}-${p.to}.csv`, csvOf(
        ['营业日 Business date', '授信额度(元) Limits (yuan)', '贷款余额(元) Outstanding (yuan)', '额度使用率 Utilisation', '授信户数 Lines', '在贷笔数 Drawdowns', ...BUCKETS.map((b) => `${b}余额(元) ${b} balance (yuan)`), ...CLASSES.map((c) => `${LOAN_CLASS_NAMES_ZH[c]}(元) ${CLASS_EN[c]} (yuan)`), '不良率 NPL ratio'],
        points.map(({ businessDate, figures: f }) => [
          businessDate, yuan(f.limitFen), yuan(f.outstandingFen), percent(f.utilisation), f.lines.total, f.drawdowns.count,
          ...BUCKETS.map((b) => yuan(f.byBucket[b]?.balanceFen ?? 0)), ...CLASSES.map((c) => yuan(f.byClass[c]?.balanceFen ?? 0)), percent(f.nplRatio),
        ]),
      ));
    }
    return { ...p, points };
  });

  api.get(`${base}/risk`, { onRequest: bank, schema: { ...doc('studio', 'Dashboard: early warnings and overdue · 风险看板', STAFF_SECURITY, 'Roles: supervisor, admin, reviewer.'), querystring: riskQuery } }, async (request, reply) => {
    const q = request.query;
    const summary = await riskSummary(prisma);
    if (q.format === 'csv') {
      return sendCsv(reply, 'risk-signals.csv', csvOf(['级别 Level', '待处理 Open', '已确认 Confirmed', '已排除 Cleared'], summary.byLevel.map((r) => [LEVEL_HEADER[r.level], r.open, r.confirmed, r.cleared])));
    }
    return summary;
  });

  api.get(`${base}/collection`, { onRequest: bank, schema: { ...doc('studio', 'Dashboard: collection · 催收看板', STAFF_SECURITY, 'Roles: supervisor, admin, reviewer.'), querystring: periodQuery } }, async (request, reply) => {
    const q = request.query;
    const p = funnelPeriod(q.from, q.to, now().getTime());
    const summary = await collectionSummary(prisma, now(), p);
    if (q.format === 'csv') {
      return sendCsv(reply, `collection-${p.from}-${p.to}.csv`, csvOf(['逾期档 Bucket', '授信户数 Lines', '贷款余额(元) Outstanding (yuan)'], summary.buckets.map((b) => [b.bucket, b.lines, yuan(b.outstandingFen)])));
    }
    return { ...p, ...summary };
  });

  api.get(`${base}/campaigns`, { onRequest: anyone, schema: { ...doc('studio', 'Dashboard: campaigns · 营销看板', STAFF_SECURITY, 'Roles: supervisor, admin, reviewer, manager.'), querystring: periodQuery } }, async (request, reply) => {
    const q = request.query;
    const p = funnelPeriod(q.from, q.to, now().getTime());
    const slice = sliceOf(request);
    const campaigns = await campaignPerformance(prisma, p, slice);
    if (q.format === 'csv') {
      return sendCsv(reply, `campaigns-${p.from}-${p.to}.csv`, csvOf(
        ['活动编码 Code', '活动名称 Name', '状态 Status', '发送 Sent', '送达 Delivered', '打开或点击 Opened or clicked', '申请 Applied', '批准 Approved', '用信 Drawn', '送达率 Delivery rate', '点击率 Click rate', '申请转化率 Apply rate', '批准率 Approval rate', '用信率 Draw rate'],
        campaigns.map((c) => [c.code, c.name, c.status, c.sent, c.delivered, c.clicked, c.applied, c.approved, c.drawn, percent(c.deliveryRate), percent(c.clickRate), percent(c.applyRate), percent(c.approvalRate), percent(c.drawRate)]),
      ));
    }
    return { ...p, slice: slice.kind, campaigns };
  });
}
