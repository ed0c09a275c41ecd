import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/index.js';
import { applyMigrations, migrationNames, openDatabase, readMigrations, type Database } from './db/index.js';

export interface Server {
  readonly app: FastifyInstance;
  readonly db: Database;
  /** Migrations this boot applied (empty when the database was up to date). */
  readonly appliedMigrations: readonly string[];
}

/**
 * Opens the database, applies pending migrations in-process and builds the app. Closing the app
 * closes the database. Used by main.ts and by tests alike.
 */
export async function bootServer(config: Config, logger: Logger, options: { clock?: Clock } = {}): Promise<Server> {
  const db = await openDatabase(config.database);
  try {
    const migrations = await readMigrations();
    const appliedMigrations = await applyMigrations(db.adapterFactory, migrations);
    logger.info({ database: db.where, applied: appliedMigrations }, appliedMigrations.length ? 'migrations applied' : 'database schema up to date');
    if (config.dataKeyIsDevelopmentDefault) logger.warn('KUAIDAI_DATA_KEY is not set: using the public development key; never do this with real borrowers');
    const app = await buildApp({ config, db, logger, clock: options.clock ?? systemClock, expectedMigrations: migrationNames(migrations) });
    app.addHook('onClose', async () => {
      await db.close();
    });
    return { app, db, appliedMigrations };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}
