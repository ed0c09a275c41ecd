import type { FastifyInstance } from 'fastify';
import { AppError, dbUnavailable } from '../errors.js';
import type { Database } from '../db/index.js';

/**
 * /healthz: the process is up (for restarts). /readyz: the database answers and every migration in
 * prisma/migrations is applied (for routing traffic).
 */
export function healthRoutes(app: FastifyInstance, deps: { db: Database; expectedMigrations: readonly string[] }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
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
    return { status: 'ready', database: deps.db.kind, migrations: deps.expectedMigrations.length };
  });
}
