import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../server/db/index.js';
import { openSql, type Sql } from '../server/runtime/index.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

// The hot path's SQL prepares each statement once per connection (PostgreSQL) or once (PGlite's
// thread); a schema change under a prepared statement must not leave it failing.
describe(`raw SQL through prepared statements on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let db: Database;
  let sql: Sql;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase(database.target);
    sql = await openSql(db, { postgresUrl: database.url });
  }, 120_000);
  afterAll(async () => {
    await sql.close();
    await db.close();
    await database.drop();
  });

  it('answers the same text many times, and again after the table under a SELECT * changed', async () => {
    await sql.query('CREATE TABLE prepared_probe (k text PRIMARY KEY, n int)');
    for (let i = 0; i < 5; i++) await sql.query('INSERT INTO prepared_probe VALUES ($1, $2)', [`k${i}`, i]);
    for (let i = 0; i < 3; i++) expect(await sql.query('SELECT * FROM prepared_probe WHERE k = $1', ['k1'])).toEqual([{ k: 'k1', n: 1 }]);
    await sql.query('ALTER TABLE prepared_probe ADD COLUMN m text');
    await sql.query(`UPDATE prepared_probe SET m = 'x'`);
    for (let i = 0; i < 3; i++) expect(await sql.query('SELECT * FROM prepared_probe WHERE k = $1', ['k1'])).toEqual([{ k: 'k1', n: 1, m: 'x' }]);
    expect(await db.prisma.$queryRawUnsafe('SELECT count(*)::int AS n FROM prepared_probe')).toEqual([{ n: 5 }]);
  });
});
