import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, openDatabase, type Database } from '../db/index.js';
import { createLogger } from '../logging/index.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/support/testDatabase.js';
import { DatabaseMaintenance } from './databaseMaintenance.js';

const logger = createLogger('silent');
const opened: { database: TestDatabase; db: Database }[] = [];
afterAll(async () => {
  for (const o of opened.reverse()) {
    await o.db.close();
    await o.database.drop();
  }
});

async function open(): Promise<Database> {
  const database = await createTestDatabase({ persistent: true });
  const db = await openDatabase(database.target);
  opened.push({ database, db });
  await applyMigrations(db.adapterFactory);
  return db;
}

const CONVERSATIONS = 200;
/** A sealed snapshot is ~8 KB of base64 that does not compress: stored out of line, a dead copy per update. */
const sealed = () => JSON.stringify(randomBytes(6_000).toString('base64'));

async function updateAll(db: Database, rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < CONVERSATIONS; i += 50) {
      const values = Array.from({ length: 50 }, (_, k) => `('u${i + k}', ${`'${sealed().replace(/'/g, "''")}'`}::jsonb)`).join(', ');
      await db.embedded!.exec(`UPDATE "Conversation" c SET snapshot = v.s, version = c.version + 1 FROM (VALUES ${values}) AS v(u, s) WHERE c."externalUserId" = v.u`);
    }
  }
}

const conversationBytes = async (db: Database): Promise<number> =>
  Number((await db.embedded!.query<{ n: string }>(`SELECT pg_total_relation_size('"Conversation"')::text AS n`)).rows[0]!.n);
const walSinceCheckpoint = async (db: Database): Promise<number> =>
  Number((await db.embedded!.query<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), (pg_control_checkpoint()).redo_lsn)::text AS n')).rows[0]!.n);

// One database per run (DATABASE_URL): each describes what maintenance does there.
if (testDatabaseKind() === 'pglite') describe('embedded database maintenance (PGlite)', () => {
  it('checkpoints once the log passes its threshold, and vacuums so that rewritten snapshots reuse their dead space', async () => {
    const db = await open();
    for (let i = 0; i < CONVERSATIONS; i++) {
      await db.embedded!.query(
        `INSERT INTO "Conversation" (id, channel, "externalUserId", "externalChatId", "machineId", "machineVersion", snapshot, version, "updatedAt") VALUES ($1::uuid, 'web', $2, '', 'loan', 1, $3::jsonb, 1, now())`,
        [randomUUID(), `u${i}`, sealed()],
      );
    }
    const MB = 2 ** 20;
    const maintenance = new DatabaseMaintenance({ db, logger, thresholds: { checkpointWalBytes: 1 * MB, vacuumWalBytes: 1 * MB, quietBusyShare: 1 } });

    // First run after start: statistics only; the log written so far is checkpointed.
    await updateAll(db, 2);
    expect(await walSinceCheckpoint(db)).toBeGreaterThan(MB);
    const first = await maintenance.run();
    expect(first.plan).toMatchObject({ vacuum: 'none', analyze: true, checkpoint: true });
    expect(await walSinceCheckpoint(db)).toBeLessThan(MB);
    const planned = (await db.embedded!.query<{ n: string }>(`SELECT reltuples::text AS n FROM pg_class WHERE relname = 'Conversation'`)).rows[0]!.n;
    expect(Number(planned)).toBe(CONVERSATIONS);

    // Without a vacuum every rewrite of a snapshot leaves its old copy behind: the table grows.
    const before = await conversationBytes(db);
    await updateAll(db, 3);
    const grown = await conversationBytes(db);
    expect(grown).toBeGreaterThan(before + 3 * CONVERSATIONS * 6_000);

    const second = await maintenance.run();
    expect(second.plan).toMatchObject({ vacuum: 'hot', checkpoint: true });
    expect(await walSinceCheckpoint(db)).toBeLessThan(MB);
    // After it the same rewrites fit in the space the dead copies left.
    await updateAll(db, 3);
    expect(await conversationBytes(db)).toBeLessThan(grown * 1.15);

    // Bulk work asks for a full pass at the next run.
    maintenance.afterBulk('a test import');
    expect((await maintenance.run()).plan).toMatchObject({ vacuum: 'all', checkpoint: true });
    expect((await maintenance.run()).plan?.vacuum).toBe('none');
  }, 120_000);
});

else describe('database maintenance on PostgreSQL', () => {
  it('leaves the work to autovacuum and the checkpointer', async () => {
    const db = await open();
    const run = await new DatabaseMaintenance({ db, logger, thresholds: { checkpointWalBytes: 1, vacuumWalBytes: 1, quietBusyShare: 1 } }).run({ full: true });
    expect(run).toMatchObject({ database: 'postgres', skipped: expect.stringContaining('autovacuum') });
  });
});
