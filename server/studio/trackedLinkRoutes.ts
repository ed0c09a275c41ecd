import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { readCookie, sessionCookie } from '../channels/web/webSessions.js';
import { VISITOR_COOKIE } from './codeRoutes.js';
import { attributionRef } from './contracts.js';
import { trackedLinkUrl } from './renderCampaignMessage.js';
import type { StudioDeps } from './installStudio.js';
import { PUBLIC, doc } from '../http/apiSchemas.js';

const VISITOR_MAX_AGE_MS = 400 * 24 * 3600_000;
/** Tokens are 32 hex characters (renderCampaignMessage's links); anything else is unknown without a query. */
const TOKEN = /^[0-9a-f]{32}$/;

const UNKNOWN_PAGE =
  '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>链接无效 Link not valid</title>' +
  '<h1>链接无效</h1><p>这个活动链接已失效或不存在。</p><p lang="en">This campaign link is not valid or has expired.</p><p><a href="/">进入快贷助手 Open the assistant</a></p></html>';

/**
 * A campaign delivery's tracked link (contracts.ts): `GET /r/<token>` marks the delivery opened and
 * clicked (the first tap's time is kept), logs a LinkClick (code cmp_<code>, campaign, delivery,
 * the visitor cookie) and redirects to the web chat with `?ref=cmp_<code>`; `GET /r/<token>/qr.png`
 * draws the QR of that link. An unknown token gets a short page in both languages, not an error.
 */
export function trackedLinkRoutes(app: FastifyInstance, deps: StudioDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { config, db, clock } = deps.app;
  const unknown = (reply: FastifyReply) => reply.code(404).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(UNKNOWN_PAGE);
  const find = (token: string) =>
    TOKEN.test(token) ? db.prisma.campaignDelivery.findUnique({ where: { token }, select: { id: true, campaignId: true, campaign: { select: { code: true, branch: true, createdById: true } } } }) : Promise.resolve(null);

  api.get<{ Params: { token: string } }>('/r/:token', { schema: { ...doc('studio', 'A campaign message’s tracked link: counts the click and redirects · 活动链接', PUBLIC) } }, async (request, reply) => {
    const delivery = await find(request.params.token);
    if (!delivery) return unknown(reply);
    const now = clock.now();
    const ref = attributionRef('campaign', delivery.campaign.code);
    let visitorId = readCookie(request.headers.cookie, VISITOR_COOKIE);
    if (!visitorId || !/^[A-Za-z0-9_-]{16,64}$/.test(visitorId)) visitorId = randomBytes(16).toString('base64url');
    void reply.header('set-cookie', sessionCookie(VISITOR_COOKIE, visitorId, { maxAgeMs: VISITOR_MAX_AGE_MS, secure: config.env === 'production' || request.protocol === 'https', sameSite: 'Lax' }));
    // First tap only: later taps keep the first moment (the funnel counts people, not taps).
    await db.prisma.campaignDelivery.updateMany({ where: { id: delivery.id, clickedAt: null }, data: { clickedAt: now } });
    await db.prisma.campaignDelivery.updateMany({ where: { id: delivery.id, openedAt: null }, data: { openedAt: now } });
    await db.prisma.linkClick.create({
      data: { at: now, code: ref, campaignId: delivery.campaignId, deliveryId: delivery.id, staffId: delivery.campaign.createdById, branch: delivery.campaign.branch, source: 'link', visitorId },
    });
    return reply.header('cache-control', 'no-store').redirect(`/?ref=${encodeURIComponent(ref)}`, 302);
  });

  api.get<{ Params: { token: string } }>('/r/:token/qr.png', { schema: { ...doc('studio', 'The tracked link’s QR image · 活动二维码', PUBLIC) } }, async (request, reply) => {
    const delivery = await find(request.params.token);
    if (!delivery) return unknown(reply);
    const png = await QRCode.toBuffer(trackedLinkUrl(config.publicBaseUrl, request.params.token), { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 480 });
    return reply.type('image/png').header('cache-control', 'private, max-age=86400').send(png);
  });
}
