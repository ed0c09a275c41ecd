import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Product } from '../../core/index.js';
import { readCookie, sessionCookie } from '../channels/web/webSessions.js';
import { AppError } from '../errors.js';
import { parseInput } from '../http/parseInput.js';
import type { StaffAuth } from '../http/staffAuth.js';
import { assertMayUseCode, ATTRIBUTION_KINDS, findCodeTarget, notFoundReason, type CodeTarget } from './codeTargets.js';
import { ATTRIBUTION_CODE, type AttributionKind } from './contracts.js';
import { officialAccountQr } from './officialAccountQr.js';
import { parseAttributionRef } from './parseAttributionRef.js';
import { PUBLIC, STAFF_SECURITY, doc } from '../http/apiSchemas.js';

/** The long-lived cookie that lets funnels count people rather than taps (no personal data: a random id). */
export const VISITOR_COOKIE = 'kd_vid';
const VISITOR_MAX_AGE_MS = 400 * 24 * 3600_000;

const codeParams = z.object({
  kind: z.enum(ATTRIBUTION_KINDS as [AttributionKind, ...AttributionKind[]], { error: 'must be manager, branch, product or campaign' }),
  code: z.string().regex(ATTRIBUTION_CODE, 'must be 1–40 letters, digits, - or _'),
});
const qrQuery = z.object({ download: z.enum(['1', '0']).optional() });
const linkQuery = z.object({ src: z.string().max(16).optional() });

export interface CodeRoutesDeps {
  readonly auth: StaffAuth;
  readonly products: readonly Product[];
  readonly publicBaseUrl: string;
  /** Whether the visitor cookie is marked Secure. */
  readonly secureCookies: (request: FastifyRequest) => boolean;
}

/**
 * Codes and their links (contracts.ts): `GET /s/<ref>` logs a LinkClick and redirects to the web
 * chat with `?ref=`; staff fetch a code's link, its locally drawn QR code (PNG, SVG; the QR encodes
 * the link with `?src=qr` so scans count as such) and, when the official account is configured, its
 * permanent official-account QR code (created once).
 */
export function codeRoutes(app: FastifyInstance, deps: CodeRoutesDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const staff = deps.auth.require('manager', 'supervisor', 'admin');
  const base = deps.publicBaseUrl.replace(/\/+$/, '');
  const linkOf = (t: CodeTarget) => `${base}/s/${encodeURIComponent(t.ref)}`;
  const qrLinkOf = (t: CodeTarget) => `${linkOf(t)}?src=qr`;

  async function target(request: FastifyRequest): Promise<CodeTarget> {
    const { kind, code } = parseInput(codeParams, request.params);
    const found = await findCodeTarget(app.deps.db.prisma, deps.products, kind, code);
    if (!found) throw new AppError('STUDIO_CODE_NOT_FOUND', { kind, code, reason: notFoundReason(kind) });
    await assertMayUseCode(app.deps.db.prisma, request.staff!, found);
    return found;
  }

  api.get('/api/v1/staff/studio/codes/:kind/:code', { onRequest: staff, schema: { ...doc('studio', 'A manager’s or campaign’s code: its tracked link and counts · 推广码', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), params: codeParams } }, async (request) => {
    const t = await target(request);
    const path = `/api/v1/staff/studio/codes/${t.kind}/${encodeURIComponent(t.code)}`;
    return {
      kind: t.kind,
      code: t.code,
      ref: t.ref,
      label: t.label,
      branch: t.branch,
      link: linkOf(t),
      qrLink: qrLinkOf(t),
      qrPng: `${path}/qr.png`,
      qrSvg: `${path}/qr.svg`,
      officialAccount: await officialAccountQr(app.deps.db.prisma, app.officialAccount?.api, t.ref),
    };
  });

  api.get('/api/v1/staff/studio/codes/:kind/:code/qr.png', { onRequest: staff, schema: { ...doc('studio', 'The code’s QR image (PNG) · 二维码 PNG', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), params: codeParams, querystring: qrQuery } }, async (request, reply) => {
    const t = await target(request);
    const png = await QRCode.toBuffer(qrLinkOf(t), { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 480 });
    return download(reply.type('image/png'), request, `${t.ref}.png`).send(png);
  });

  api.get('/api/v1/staff/studio/codes/:kind/:code/qr.svg', { onRequest: staff, schema: { ...doc('studio', 'The code’s QR image (SVG) · 二维码 SVG', STAFF_SECURITY, 'Roles: manager, supervisor, admin.'), params: codeParams, querystring: qrQuery } }, async (request, reply) => {
    const t = await target(request);
    const svg = await QRCode.toString(qrLinkOf(t), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return download(reply.type('image/svg+xml; charset=utf-8'), request, `${t.ref}.svg`).send(svg);
  });

  const download = <R extends { header(name: string, value: string): R }>(reply: R, request: FastifyRequest, filename: string): R =>
    parseInput(qrQuery, request.query).download === '1' ? reply.header('content-disposition', `attachment; filename="${filename}"`) : reply;

  // The public link: anyone may tap it. An unknown code still reaches the chat, unattributed.
  api.get('/s/:ref', { schema: { ...doc('studio', 'A tracked link: counts the click and opens the web chat with the code · 推广链接', PUBLIC), querystring: linkQuery } }, async (request, reply) => {
    const raw = (request.params as { ref?: string }).ref ?? '';
    const { src } = request.query;
    const parsed = parseAttributionRef(raw);
    const prisma = app.deps.db.prisma;
    let t: CodeTarget | undefined;
    if (parsed?.kind === 'legacy') {
      // A bare code: a manager's first, else a campaign's (as the application service reads it).
      t = (await findCodeTarget(prisma, deps.products, 'manager', parsed.code)) ?? (await findCodeTarget(prisma, deps.products, 'campaign', parsed.code));
    } else if (parsed) {
      t = await findCodeTarget(prisma, deps.products, parsed.kind, parsed.code);
    }
    if (!t) {
      request.log.info({ ref: raw.slice(0, 64) }, 'link with an unknown code');
      return reply.code(404).type('text/html; charset=utf-8').send(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>链接无效</title><h1>链接无效</h1><p>这个推广链接已失效或不存在。This link is not valid.</p><p><a href="/">进入快贷助手 Open the assistant</a></p></html>',
      );
    }
    let visitorId = readCookie(request.headers.cookie, VISITOR_COOKIE);
    if (!visitorId || !/^[A-Za-z0-9_-]{16,64}$/.test(visitorId)) {
      visitorId = randomBytes(16).toString('base64url');
    }
    // Refreshed on every tap: a returning visitor keeps their id.
    void reply.header('set-cookie', sessionCookie(VISITOR_COOKIE, visitorId, { maxAgeMs: VISITOR_MAX_AGE_MS, secure: deps.secureCookies(request), sameSite: 'Lax' }));
    await prisma.linkClick.create({
      data: { at: app.deps.clock.now(), code: t.ref, staffId: t.staffId, campaignId: t.campaignId, branch: t.branch, source: src === 'qr' ? 'qr' : 'link', visitorId },
    });
    return reply.header('cache-control', 'no-store').redirect(`/?ref=${encodeURIComponent(t.ref)}`, 302);
  });
}
