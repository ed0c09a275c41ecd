export { openDatabase, redactUrl } from './openDatabase.js';
export { newPgPool, pgPoolStats } from './pgPool.js';
export { pgliteThreadStats, type PgliteThreadStats } from './pgliteThread.js';
export { StatementNames, STALE_STATEMENT } from './statementNames.js';
export type { Database } from './openDatabase.js';
export type { RawStatements } from './rawStatements.js';
export { applyMigrations, migrationStatus, createMigration, readMigrations, migrationNames, MIGRATIONS_DIR } from './migrations.js';
export type { PrismaClient } from './generated/client.js';
export type { EmbeddedDatabase, EmbeddedQueryable, EmbeddedResult } from './embeddedDatabase.js';
