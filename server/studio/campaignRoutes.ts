import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../http/parseInput.js';
import { CAMPAIGN_STATUSES, type CampaignStaffAction } from './campaignLifecycle.js';
import { CampaignService, campaignInputSchema, type CampaignStaff } from './campaignService.js';
import { CAMPAIGN_CHANNELS, audienceSpecSchema, type CampaignContent } from './contracts.js';
import type { StudioDeps } from './installStudio.js';
import { renderCampaignMessage } from './renderCampaignMessage.js';
import { countAudience } from './resolveAudience.js';

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

  app.get(BASE, { onRequest: read }, async (request) => {
    const q = parseInput(listQuery, request.query);
    return { campaigns: await service.list(q, staff(request)), robots: Object.keys(config.wecom.robots), rooms: await knownRooms() };
  });

  app.post(BASE, { onRequest: author }, async (request, reply) => {
    const created = await service.create(request.body as never, staff(request));
    return reply.code(201).send(created);
  });

  app.get(`${BASE}/audience-count`, { onRequest: read }, async (request) => {
    const q = parseInput(countQuery, request.query);
    return countAudience({ prisma: db.prisma, clock }, q.audience, q.channels);
  });

  app.get(`${BASE}/:id`, { onRequest: read }, async (request) => service.get(parseInput(params, request.params).id, staff(request)));

  app.put(`${BASE}/:id`, { onRequest: author }, async (request) => {
    const { id } = parseInput(params, request.params);
    const body = parseInput(updateBody, request.body);
    return service.update(id, body, staff(request));
  });

  app.post(`${BASE}/:id/preview`, { onRequest: read }, async (request) => ({ messages: await service.preview(parseInput(params, request.params).id, staff(request)) }));

  app.post(`${BASE}/:id/test-send`, { onRequest: read }, async (request) => service.testSend(parseInput(params, request.params).id, staff(request)));

  app.post(`${BASE}/:id/:action`, { onRequest: read }, async (request) => {
    const { id, action } = parseInput(actParams, request.params);
    const body = parseInput(actBody, request.body);
    const scheduledAt = action === 'schedule' && body.scheduledAt && !body.now ? new Date(body.scheduledAt) : undefined;
    return service.act(id, action as Exclude<CampaignStaffAction, 'edit'>, { version: body.version, note: body.note, scheduledAt }, staff(request));
  });

  /** WeChat rooms the wechaty channel has seen (group chats keep the room id in externalChatId). */
  async function knownRooms(): Promise<{ id: string }[]> {
    const rows = await db.prisma.conversation.findMany({ where: { channel: 'wechat', externalChatId: { not: '' } }, distinct: ['externalChatId'], select: { externalChatId: true }, take: 100 });
    return rows.map((r) => ({ id: r.externalChatId }));
  }
}
