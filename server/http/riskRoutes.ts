import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Database } from '../db/index.js';
import { RiskSignalService, type RiskReviewer } from '../postLoan/index.js';
import { clientOrigin } from './clientOrigin.js';
import { parseInput, queryInt } from './parseInput.js';
import type { StaffAuth } from './staffAuth.js';

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
  const service = new RiskSignalService({ prisma: deps.db.prisma, clock: deps.clock });
  const read = deps.auth.require('reviewer', 'supervisor', 'admin');
  const judge = deps.auth.require('reviewer', 'supervisor');
  const reviewer = (request: FastifyRequest): RiskReviewer => ({ staffId: request.staff!.staffId, username: request.staff!.username, origin: clientOrigin(app, request) });

  app.get('/api/v1/staff/risk-signals', { onRequest: read }, async (request) => service.list(parseInput(listQuery, request.query)));

  app.get('/api/v1/staff/risk-signals/:id', { onRequest: read }, async (request) => service.detail(parseInput(params, request.params).id));

  app.post('/api/v1/staff/risk-signals/:id/confirm', { onRequest: judge }, async (request) => {
    const { id } = parseInput(params, request.params);
    return service.confirm(id, parseInput(noteBody, request.body).note, reviewer(request));
  });

  app.post('/api/v1/staff/risk-signals/:id/clear', { onRequest: judge }, async (request) => {
    const { id } = parseInput(params, request.params);
    return service.clear(id, parseInput(noteBody, request.body).note, reviewer(request));
  });
}
