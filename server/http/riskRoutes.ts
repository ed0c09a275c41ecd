import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Database } from '../db/index.js';
import { RiskSignalService, type RiskReviewer } from '../postLoan/index.js';
import { clientOrigin } from './clientOrigin.js';
import { queryInt } from './parseInput.js';
import type { StaffAuth } from './staffAuth.js';
import { STAFF_SECURITY, doc } from './apiSchemas.js';

const params = z.object({ id: z.uuid({ error: 'must be a risk signal id (UUID)' }) });
const listQuery = z.object({
  level: z.enum(['red', 'orange', 'yellow'], { error: 'must be red, orange or yellow' }).optional(),
  status: z.enum(['open', 'confirmed', 'cleared'], { error: 'must be open, confirmed or cleared' }).optional(),
  branch: z.string().trim().min(1).max(64, 'must be at most 64 characters').optional(),
  managerId: z.uuid({ error: 'must be a staff id (UUID)' }).optional(),
  limit: queryInt(1, 500).default(200),
});
const noteBody = z.object({ note: z.string({ error: 'is required' }).trim().min(1, 'is required').max(500, 'must be at most 500 characters') });

/**
 * The risk view's API (风险预警): early-warning signals by level, status, branch and manager; one
 * signal; confirm or clear it with a note (audited; clearing a red signal may lift the warning's
 * freeze, see RiskSignalService). Reviewers, supervisors and admins read; reviewers and supervisors
 * judge. Roles are checked here on every call, whatever the page shows; non-GET calls of a console
 * session carry its CSRF token (staffAuth).
 */
export function riskRoutes(app: FastifyInstance, deps: { db: Pick<Database, 'prisma'>; clock: Clock; auth: StaffAuth }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const service = new RiskSignalService({ prisma: deps.db.prisma, clock: deps.clock });
  const read = deps.auth.require('reviewer', 'supervisor', 'admin');
  const judge = deps.auth.require('reviewer', 'supervisor');
  const reviewer = (request: FastifyRequest): RiskReviewer => ({ staffId: request.staff!.staffId, username: request.staff!.username, origin: clientOrigin(app, request) });

  api.get('/api/v1/staff/risk-signals', { onRequest: read, schema: { ...doc('risk', 'Early-warning signals by level, status, branch, manager · 预警列表', STAFF_SECURITY, 'Roles: reviewer, supervisor, admin.'), querystring: listQuery } }, async (request) => service.list(request.query));

  api.get('/api/v1/staff/risk-signals/:id', { onRequest: read, schema: { ...doc('risk', 'One early-warning signal · 预警详情', STAFF_SECURITY, 'Roles: reviewer, supervisor, admin.'), params } }, async (request) => service.detail(request.params.id));

  api.post('/api/v1/staff/risk-signals/:id/confirm', { onRequest: judge, schema: { ...doc('risk', 'Confirm a signal with a note · 确认预警', STAFF_SECURITY, 'Roles: reviewer, supervisor.'), params, body: noteBody } }, async (request) => {
    const { id } = request.params;
    return service.confirm(id, request.body.note, reviewer(request));
  });

  api.post('/api/v1/staff/risk-signals/:id/clear', { onRequest: judge, schema: { ...doc('risk', 'Clear a signal with a note (may lift the warning’s freeze) · 解除预警', STAFF_SECURITY, 'Roles: reviewer, supervisor.'), params, body: noteBody } }, async (request) => {
    const { id } = request.params;
    return service.clear(id, request.body.note, reviewer(request));
  });
}
