import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, dbUnavailable } from '../errors.js';
import type { Database } from '../db/index.js';
import { doc, errorResponses, PUBLIC } from './apiSchemas.js';

const livenessSchema = {
  ...doc('health', 'The process is up (for restarts) · 存活检查', PUBLIC),
  response: { 200: z.object({ status: z.literal('ok') }) },
};

const readinessSchema = {
  ...doc('health', 'The database answers and every migration is applied (for routing traffic) · 就绪检查', PUBLIC),
  response: {
    200: z.object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']), migrations: z.number().int().describe('Migrations applied') }),
    ...errorResponses,
  },
};

/**
 * /healthz: the process is up (for restarts). /readyz: the database answers and every migration in
 * prisma/migrations is applied (for routing traffic).
 */
export function healthRoutes(app: FastifyInstance, deps: { db: Database; expectedMigrations: readonly string[] }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/healthz', { schema: livenessSchema }, async () => ({ status: 'ok' as const }));

  api.get('/readyz', { schema: readinessSchema }, async (_request, reply) => {
    let applied: Set<string>;
    try {
      const rows = await deps.db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      applied = new Set(rows.map((r) => r.migration_name));
    } catch (e) {
      const error = /_prisma_migrations/.test(String(e))
        ? new AppError('MIGRATIONS_PENDING', { pending: 'all (no migration table)' })
        : dbUnavailable(e);
      return reply.status(error.statusCode).send(error.toBody());
    }
    const pending = deps.expectedMigrations.filter((m) => !applied.has(m));
    if (pending.length) {
      const error = new AppError('MIGRATIONS_PENDING', { pending: pending.join(', ') });
      return reply.status(error.statusCode).send(error.toBody());
    }
    return { status: 'ready' as const, database: deps.db.kind, migrations: deps.expectedMigrations.length };
  });
}
