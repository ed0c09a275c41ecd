import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/support/testDatabase.js';
import { applyMigrations, readMigrations } from './migrations.js';
import { openDatabase } from './openDatabase.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe(`in-process migrations on ${testDatabaseKind()}`, () => {
  it('applies a script with a function body full of semicolons, whole', async () => {
    const database: TestDatabase = await createTestDatabase();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-migrations-'));
    cleanups.push(() => database.drop(), () => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, '20260101000000_fn'));
    await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    await writeFile(
      path.join(dir, '20260101000000_fn', 'migration.sql'),
      `CREATE TABLE "T" (n int);\nCREATE FUNCTION add_one(x int) RETURNS int LANGUAGE plpgsql AS $$\nDECLARE y int;\nBEGIN\n  y := x + 1;\n  RETURN y;\nEND\n$$;\nINSERT INTO "T" VALUES (add_one(41));\n`,
    );
    const db = await openDatabase(database.target);
    try {
      expect(await applyMigrations(db.adapterFactory, await readMigrations(dir))).toEqual(['20260101000000_fn']);
      expect(await db.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT n FROM "T"')).toEqual([{ n: 42 }]);
      expect(await applyMigrations(db.adapterFactory, await readMigrations(dir))).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
