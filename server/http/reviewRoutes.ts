import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { REVIEW_DECLINE_CODES } from '../../core/index.js';
import { loadCatalog } from '../catalog/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { ReviewService, type Reviewer } from '../review/index.js';
import type { ConversationRuntime } from '../runtime/index.js';
import type { FieldCipher } from '../security/fieldCipher.js';
import { clientOrigin } from './clientOrigin.js';
import { queryInt } from './parseInput.js';
import type { StaffAuth } from './staffAuth.js';
import { STAFF_SECURITY, doc } from './apiSchemas.js';

const params = z.object({ applicationId: z.uuid({ error: 'must be an application id (UUID)' }) });
const queueQuery = z.object({ limit: queryInt(1, 500).default(200) });
const words = (max: number) => z.string({ error: 'is required' }).trim().min(1, 'is required').max(max, `must be at most ${max} characters`);
const approveBody = z.object({
  limitFen: z.number({ error: 'must be a whole number of fen' }).int('must be a whole number of fen').positive('must be above 0').max(Number.MAX_SAFE_INTEGER),
  annualRate: z.number({ error: 'must be a decimal (6.48% = 0.0648)' }).positive('must be above 0').max(1, 'must be a decimal (6.48% = 0.0648)'),
  reason: words(500),
});
const confirmBody = z.object({ reason: z.string().trim().max(500, 'must be at most 500 characters').optional() }).default({});
const declineBody = z.object({
  reasonCode: z.enum(REVIEW_DECLINE_CODES, { error: `must be one of ${REVIEW_DECLINE_CODES.join(', ')}` }),
  explanation: words(500),
});
const askBody = z.object({ question: words(500) });

/**
 * The reviewers' API (人工审批): the queue of applications waiting for review, one application as a
 * reviewer reads it (opening it is audited), and approve, confirm (four eyes), decline and ask the
 * borrower for information. Reviewers and supervisors may read; only reviewers decide. The acting
 * reviewer is who the session says, and every act is audited with the address tag it came from.
 */
export function reviewRoutes(app: FastifyInstance, deps: { service: ReviewService; auth: StaffAuth }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const read = deps.auth.require('reviewer', 'supervisor');
  const decide = deps.auth.require('reviewer');
  const { service } = deps;
  const reviewer = (request: FastifyRequest): Reviewer => {
    const staff = request.staff!;
    return { staffId: staff.staffId, username: staff.username, displayName: staff.displayName, employeeNo: staff.employeeNo, origin: clientOrigin(app, request) };
  };

  api.get('/api/v1/staff/reviews', { onRequest: read, schema: { ...doc('reviews', 'Applications waiting for manual review · 人工审批队列', STAFF_SECURITY, 'Roles: reviewer, supervisor.'), querystring: queueQuery } }, async (request) => {
    const q = request.query;
    return { reviews: await service.queue(q.limit) };
  });

  api.get('/api/v1/staff/reviews/:applicationId', { onRequest: read, schema: { ...doc('reviews', 'One application under review · 审批详情', STAFF_SECURITY, 'Roles: reviewer, supervisor.'), params } }, async (request) => {
    const { applicationId } = request.params;
    return service.detail(applicationId, reviewer(request));
  });

  api.post('/api/v1/staff/reviews/:applicationId/approve', { onRequest: decide, schema: { ...doc('reviews', 'Approve an application with a limit and rate · 审批通过', STAFF_SECURITY, 'Roles: reviewer.'), params, body: approveBody } }, async (request) => {
    const { applicationId } = request.params;
    const body = request.body;
    return service.approve(applicationId, body, reviewer(request));
  });

  api.post('/api/v1/staff/reviews/:applicationId/confirm', { onRequest: decide, schema: { ...doc('reviews', 'Confirm another reviewer’s decision (four eyes) · 复核确认', STAFF_SECURITY, 'Roles: reviewer.'), params, body: confirmBody } }, async (request) => {
    const { applicationId } = request.params;
    const body = request.body;
    return service.confirm(applicationId, body, reviewer(request));
  });

  api.post('/api/v1/staff/reviews/:applicationId/decline', { onRequest: decide, schema: { ...doc('reviews', 'Decline an application · 拒绝', STAFF_SECURITY, 'Roles: reviewer.'), params, body: declineBody } }, async (request) => {
    const { applicationId } = request.params;
    const body = request.body;
    return service.decline(applicationId, body, reviewer(request));
  });

  api.post('/api/v1/staff/reviews/:applicationId/ask-info', { onRequest: decide, schema: { ...doc('reviews', 'Ask the borrower for more information · 补充材料', STAFF_SECURITY, 'Roles: reviewer.'), params, body: askBody } }, async (request) => {
    const { applicationId } = request.params;
    const body = request.body;
    return service.askInfo(applicationId, body, reviewer(request));
  });
}

/** The review service on this app's database, products and conversation runtime, and its routes. */
export async function installReviews(
  app: FastifyInstance,
  deps: { readonly config: Config; readonly db: Database; readonly cipher: FieldCipher; readonly clock: Clock; readonly logger: Logger; readonly runtime: ConversationRuntime; readonly auth: StaffAuth },
): Promise<ReviewService> {
  const { products } = await loadCatalog(deps.config);
  const service = new ReviewService({
    prisma: deps.db.prisma,
    cipher: deps.cipher,
    products,
    dataProviders: deps.config.providers,
    clock: deps.clock,
    logger: deps.logger,
    notify: (conversationId, event) => deps.runtime.dispatch(conversationId, event),
    changed: (applicationId, workItemId) => {
      app.consoleFeed.publish({ kind: 'review', id: applicationId });
      app.consoleFeed.publish({ kind: 'workOrder', id: workItemId });
    },
  });
  reviewRoutes(app, { service, auth: deps.auth });
  return service;
}
