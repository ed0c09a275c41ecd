import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CAMPAIGN_STATUSES, type CampaignStaffAction } from './campaignLifecycle.js';
import { CampaignService, campaignInputSchema, type CampaignStaff } from './campaignService.js';
import { CAMPAIGN_CHANNELS, audienceSpecSchema, type CampaignContent } from './contracts.js';
import type { StudioDeps } from './installStudio.js';
import { renderCampaignMessage } from './renderCampaignMessage.js';
import { countAudience } from './resolveAudience.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

const BASE = '/api/v1/staff/studio/campaigns';
/** The preview's and test send's stand-in for a delivery's tracking token (real ones are made at sending). */
export const PREVIEW_TOKEN = 'preview';

const params = z.object({ id: z.uuid({ error: 'must be a campaign id (UUID)' }) });
const actParams = params.extend({ action: z.enum(['submit', 'approve', 'return', 'schedule', 'pause', 'resume', 'cancel'], { error: 'must be submit, approve, return, schedule, pause, resume or cancel' }) });
const listQuery = z.object({
  status: z.enum(CAMPAIGN_STATUSES, { error: `must be one of ${CAMPAIGN_STATUSES.join(', ')}` }).optional(),
  mine: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1').optional(),
});
const version = z.number({ error: 'is required: the version the page loaded' }).int('must be a whole number').min(0, 'must be at least 0');
const updateBody = campaignInputSchema.extend({ version });
const actBody = z.object({
  version,
  note: z.string().trim().max(500, 'must be at most 500 characters').optional(),
  /** schedule: an ISO time with its offset; absent or `now: true` is "send now". */
  scheduledAt: z.iso.datetime({ offset: true, error: 'must be an ISO time with its offset, e.g. 2026-12-08T10:00:00+08:00' }).optional(),
  now: z.boolean().optional(),
});
const countQuery = z.object({
  channels: z
    .string({ error: 'is required: comma-separated channels' })
    .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
    .pipe(z.array(z.enum(CAMPAIGN_CHANNELS, { error: `must be among ${CAMPAIGN_CHANNELS.join(', ')}` })).min(1, 'name at least one channel')),
  /** The audience spec as JSON (the editor's state). */
  audience: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(audienceSpecSchema),
});

/**
 * Campaign authoring and approval (营销活动): list, create, read, edit a draft, the lifecycle acts,
 * the per-channel preview, a test send to oneself and the audience count. Managers create and see
 * their own; supervisors and admins see all and approve (never their own: four eyes). The service
 * checks the acts; roles here only decide who reaches the routes.
 */
export function campaignRoutes(app: FastifyInstance, deps: StudioDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { config, db, clock } = deps.app;
  const service = new CampaignService({
    prisma: db.prisma,
    clock,
    robots: Object.keys(config.wecom.robots),
    render: (campaign, channel) =>
      renderCampaignMessage({ content: campaign.content as CampaignContent, channel, token: PREVIEW_TOKEN, publicBaseUrl: config.publicBaseUrl, bankName: config.marketing.bankName }),
  });
  const read = deps.auth.require('manager', 'supervisor', 'admin');
  const author = deps.auth.require('manager', 'admin');
  const staff = (request: FastifyRequest): CampaignStaff => ({ staffId: request.staff!.staffId, username: request.staff!.username, roles: request.staff!.roles });

  api.get(BASE, { onRequest: read, schema: { ...doc('studio', 'Campaigns, with the configured robots and known rooms · 营销活动列表', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), querystring: listQuery } }, async (request) => {
    const q = request.query;
    return { campaigns: await service.list(q, staff(request)), robots: Object.keys(config.wecom.robots), rooms: await knownRooms() };
  });

  api.post(BASE, { onRequest: author, schema: { ...doc('studio', 'Write a campaign (a draft) · 新建营销活动', STAFF_SECURITY, 'Roles: manager, admin.'), body: campaignInputSchema } }, async (request, reply) => {
    const created = await service.create(request.body, staff(request));
    return reply.code(201).send(created);
  });

  api.get(`${BASE}/audience-count`, { onRequest: read, schema: { ...doc('studio', 'How many borrowers an audience reaches · 受众人数', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), querystring: countQuery } }, async (request) => {
    const q = request.query;
    return countAudience({ prisma: db.prisma, clock }, q.audience, q.channels);
  });

  api.get(`${BASE}/:id`, { onRequest: read, schema: { ...doc('studio', 'One campaign with its funnel · 活动详情', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), params } }, async (request) => service.get(request.params.id, staff(request)));

  api.put(`${BASE}/:id`, { onRequest: author, schema: { ...doc('studio', 'Edit a draft campaign · 修改活动', STAFF_SECURITY, 'Roles: manager, admin.'), params, body: updateBody } }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    return service.update(id, body, staff(request));
  });

  api.post(`${BASE}/:id/preview`, { onRequest: read, schema: { ...doc('studio', 'The messages each channel would send · 预览', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), params } }, async (request) => ({ messages: await service.preview(request.params.id, staff(request)) }));

  api.post(`${BASE}/:id/test-send`, { onRequest: read, schema: { ...doc('studio', 'Send the campaign to the author only · 测试发送', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), params } }, async (request) => service.testSend(request.params.id, staff(request)));

  api.post(`${BASE}/:id/:action`, { onRequest: read, schema: { ...doc('studio', 'Submit, approve, return, schedule (or send now), pause, resume or cancel a campaign · 活动审批与发送', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), params: actParams, body: actBody } }, async (request) => {
    const { id, action } = request.params;
    const body = request.body;
    const scheduledAt = action === 'schedule' && body.scheduledAt && !body.now ? new Date(body.scheduledAt) : undefined;
    return service.act(id, action as Exclude<CampaignStaffAction, 'edit'>, { version: body.version, note: body.note, scheduledAt }, staff(request));
  });

  /** WeChat rooms the wechaty channel has seen (group chats keep the room id in externalChatId). */
  async function knownRooms(): Promise<{ id: string }[]> {
    const rows = await db.prisma.conversation.findMany({ where: { channel: 'wechat', externalChatId: { not: '' } }, distinct: ['externalChatId'], select: { externalChatId: true }, take: 100 });
    return rows.map((r) => ({ id: r.externalChatId }));
  }
}
