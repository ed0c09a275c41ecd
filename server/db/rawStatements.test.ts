import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/support/testDatabase.js';
import { databaseFault } from '../errors.js';
import { isUniqueViolation } from '../services/persistence.js';
import { Prisma } from './generated/client.js';
import { applyMigrations } from './migrations.js';
import { openDatabase, type Database } from './openDatabase.js';

/**
 * RawStatements answers what Prisma's `$queryRaw` answers for the same statement: the services read
 * BigInt money, Decimal, Date, parsed JSON and booleans from it and must not see a difference.
 */
describe(`raw statements below Prisma's client on ${testDatabaseKind()}`, () => {
  let target: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    target = await createTestDatabase();
    db = await openDatabase(target.target);
    await applyMigrations(db.adapterFactory);
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
  });

  const at = new Date('2026-03-01T08:09:10.123Z');
  const statement = () =>
    Prisma.sql`SELECT ${'文本'}::text AS text, ${42}::int AS int4, ${2.5}::float8 AS float8, ${123456789012345n}::bigint AS int8,
      ${'12.3400'}::numeric(10, 4) AS numeric, ${at}::timestamptz AS "timestamptz", ${'2026-03-01'}::date AS date,
      ${{ a: 1, b: [true, null, '中'] }}::jsonb AS jsonb, ${true}::boolean AS bool, NULL::bigint AS "nullInt8",
      gen_random_uuid() IS NOT NULL AS "hasUuid", '7c9e6679-7425-40de-944b-e07fc1f90ae7'::uuid AS uuid,
      ${['x', 'y']}::text[] AS texts, ARRAY[1, 2]::bigint[] AS int8s, ARRAY[3, 4]::int[] AS int4s, count(*) AS "count",
      'bot'::"HandoffStatus" AS "enum", ${null}::text AS "nullText"`;

  it('answers the same values and types as $queryRaw', async () => {
    const viaClient = await db.prisma.$queryRaw<Record<string, unknown>[]>(statement());
    const raw = await db.raw.query<Record<string, unknown>>(statement());
    expect(raw).toEqual(viaClient);
    const [row] = raw;
    expect(Object.keys(row!)).toEqual(Object.keys(viaClient[0]!));
    expect(row).toMatchObject({ text: '文本', int4: 42, float8: 2.5, int8: 123456789012345n, jsonb: { a: 1, b: [true, null, '中'] }, bool: true, nullInt8: null, texts: ['x', 'y'], int8s: [1n, 2n], int4s: [3, 4], count: 1n, enum: 'bot', nullText: null });
    expect(row!.timestamptz).toEqual(at);
    expect(row!.numeric).toBeInstanceOf(Prisma.Decimal);
    expect(String(row!.numeric)).toBe('12.34');
  });

  it('counts the rows a statement changed, as $executeRaw does', async () => {
    const insert = (n: number) => Prisma.sql`INSERT INTO "Branch" (id, code, name, active, "createdAt", "updatedAt") SELECT gen_random_uuid(), 'RAW' || g, '网点' || g, true, now(), now() FROM generate_series(1, ${n}::int) g`;
    expect(await db.raw.execute(insert(3))).toBe(3);
    const deleted = Prisma.sql`DELETE FROM "Branch" WHERE code LIKE 'RAW%'`;
    expect(await db.raw.execute(deleted)).toBe(3);
    expect(await db.prisma.$executeRaw(deleted)).toBe(0);
  });

  it("throws the adapter's error, which the services and the fault classifier read", async () => {
    const insert = Prisma.sql`INSERT INTO "Branch" (id, code, name, active, "createdAt", "updatedAt") VALUES (gen_random_uuid(), 'RAWDUP', '网点', true, now(), now())`;
    await db.raw.execute(insert);
    const viaClient = await db.prisma.$executeRaw(insert).catch((e: unknown) => e);
    const raw = await db.raw.execute(insert).catch((e: unknown) => e);
    expect(isUniqueViolation(viaClient)).toBe(true);
    expect(isUniqueViolation(raw)).toBe(true);
    expect(databaseFault(raw)).toBeUndefined();
    const bad = await db.raw.query(Prisma.sql`SELECT 1 / ${0}::int`).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(isUniqueViolation(bad)).toBe(false);
  });
});
