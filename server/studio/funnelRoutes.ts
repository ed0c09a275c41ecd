import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { ATTRIBUTION_CODE, FUNNEL_STAGES, type FunnelReport, type FunnelStage } from './contracts.js';
import { attachment, csvOf } from '../http/csvFile.js';
import { funnelPeriod, funnelReport, type FunnelScope } from './funnel.js';
import type { StudioDeps } from './installStudio.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

/** A stage's name in the CSV header and on the charts: Chinese first, then English. */
export const FUNNEL_STAGE_NAMES: Readonly<Record<FunnelStage, { zh: string; en: string }>> = {
  sent: { zh: '发送', en: 'Sent' },
  delivered: { zh: '送达', en: 'Delivered' },
  clicked: { zh: '打开或点击', en: 'Opened or clicked' },
  applied: { zh: '申请', en: 'Applied' },
  authorised: { zh: '授权', en: 'Authorised' },
  approved: { zh: '批准', en: 'Approved' },
  drawn: { zh: '用信', en: 'Drawn' },
};

const query = z
  .object({
    campaignId: z.uuid({ error: 'must be a campaign id (UUID)' }).optional(),
    managerId: z.uuid({ error: 'must be a staff id (UUID)' }).optional(),
    branch: z.string().regex(ATTRIBUTION_CODE, 'must be a branch code').optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    format: z.enum(['json', 'csv'], { error: 'must be json or csv' }).default('json'),
  })
  .refine((q) => [q.campaignId, q.managerId, q.branch].filter((x) => x !== undefined).length === 1, { message: 'name exactly one of campaignId, managerId, branch', path: ['scope'] });

/** The funnel as a CSV file for Excel: BOM, Chinese-then-English headers, one Beijing date per row. */
export function funnelCsv(report: FunnelReport): string {
  return csvOf(
    ['日期 Date', ...FUNNEL_STAGES.map((s) => `${FUNNEL_STAGE_NAMES[s].zh} ${FUNNEL_STAGE_NAMES[s].en}`)],
    report.series.map((d) => [d.date, ...FUNNEL_STAGES.map((s) => d[s])]),
  );
}

/** Sends a CSV download. */
export function sendCsv(reply: FastifyReply, fileName: string, body: string): FastifyReply {
  return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', attachment(fileName)).header('cache-control', 'no-store').send(body);
}

/**
 * GET /api/v1/staff/studio/funnel: the funnel of a campaign, a manager or a branch over Beijing
 * dates (the last 30 by default), as JSON (FunnelReport) or CSV. Supervisors and admins see any;
 * a manager sees their own and the campaigns they created. Reading is not audited (aggregates, no
 * personal data).
 */
export function funnelRoutes(app: FastifyInstance, deps: StudioDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { prisma } = deps.app.db;
  const read = deps.auth.require('manager', 'supervisor', 'admin');

  /** Who may see a scope: anyone but a manager-only account sees all; a manager only their own. */
  async function checkScope(request: FastifyRequest, scope: FunnelScope): Promise<void> {
    const staff = request.staff!;
    if (scope.kind === 'campaign') {
      const campaign = await prisma.campaign.findUnique({ where: { id: scope.campaignId }, select: { createdById: true } });
      if (!campaign) throw new AppError('VALIDATION_FAILED', { field: 'campaignId', reason: 'no such campaign' });
      if (staff.roles.includes('supervisor') || staff.roles.includes('admin')) return;
      if (campaign.createdById !== staff.staffId) throw new AppError('FORBIDDEN', { reason: 'a manager sees the funnels of their own campaigns' });
      return;
    }
    if (staff.roles.includes('supervisor') || staff.roles.includes('admin')) return;
    if (scope.kind === 'manager' && scope.staffId === staff.staffId) return;
    throw new AppError('FORBIDDEN', { reason: 'a manager sees their own funnel and their campaigns’' });
  }

  api.get('/api/v1/staff/studio/funnel', { onRequest: read, schema: { ...doc('studio', 'The funnel from reached to drawn down, by campaign, branch or manager · 转化漏斗', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), querystring: query } }, async (request, reply) => {
    const q = request.query;
    const scope: FunnelScope = q.campaignId ? { kind: 'campaign', campaignId: q.campaignId } : q.managerId ? { kind: 'manager', staffId: q.managerId } : { kind: 'branch', branch: q.branch! };
    await checkScope(request, scope);
    const period = funnelPeriod(q.from, q.to, deps.app.clock.now().getTime());
    const report = await funnelReport(prisma, scope, period);
    if (q.format === 'csv') {
      const name = scope.kind === 'campaign' ? `campaign-${scope.campaignId.slice(0, 8)}` : scope.kind === 'manager' ? `manager-${scope.staffId.slice(0, 8)}` : `branch-${scope.branch}`;
      return sendCsv(reply, `funnel-${name}-${period.from}-${period.to}.csv`, funnelCsv(report));
    }
    return { scope, ...period, ...report };
  });
}
