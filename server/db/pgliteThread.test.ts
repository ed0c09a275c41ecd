import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from './generated/client.js';
import { PgliteThread } from './pgliteThread.js';
import { sqlState } from '../runtime/sql.js';

describe('embedded PGlite on its own thread', () => {
  let db: PgliteThread;
  beforeAll(async () => {
    db = await PgliteThread.open('memory://');
    await db.exec('CREATE TABLE t (k text PRIMARY KEY, n int NOT NULL); CREATE TABLE big (x int)');
  }, 120_000);
  afterAll(() => db.close());

  it('answers queries with parsed rows, and errors with their SQLSTATE', async () => {
    await db.query('INSERT INTO t VALUES ($1, $2)', ['a', 1]);
    expect((await db.query<{ k: string; n: number }>('SELECT k, n FROM t WHERE k = $1', ['a'])).rows).toEqual([{ k: 'a', n: 1 }]);
    const dup = await db.query('INSERT INTO t VALUES ($1, $2)', ['a', 2]).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Error);
    expect(sqlState(dup)).toBe('23505');
  });

  it('commits a transaction that resolves and rolls back one that throws; statements outside wait for it', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> = Promise.resolve();
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1, $2)', ['b', 1]);
      // Sent while the transaction holds the database: it runs after the commit and sees the row.
      outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE k = $1', ['b']).then((r) => order.push(`outside saw ${r.rows[0]!.n}`));
      await tx.query('UPDATE t SET n = 2 WHERE k = $1', ['b']);
      order.push('tx done');
    });
    await outside;
    expect(order).toEqual(['tx done', 'outside saw 1']);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', ['c', 1]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await db.query('SELECT k FROM t WHERE k = $1', ['c'])).rows).toEqual([]);
    expect((await db.query<{ n: number }>('SELECT n FROM t WHERE k = $1', ['b'])).rows).toEqual([{ n: 2 }]);
  });

  it('keeps its prepared statements through VACUUM, ANALYZE and CHECKPOINT, and closes them after a schema change', async () => {
    const prepared = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0]!.n;
    await db.query('SELECT k FROM t WHERE n = $1', [1]);
    const before = await prepared();
    expect(before).toBeGreaterThan(1);
    for (const maintenance of ['VACUUM (ANALYZE) t', 'ANALYZE t', 'CHECKPOINT']) await db.exec(maintenance);
    expect(await prepared()).toBe(before);
    await db.exec('CREATE TABLE schema_probe (x int)');
    // Only the count's own statement, prepared again.
    expect(await prepared()).toBe(1);
  });

  it('loads COPY from a blob inside a transaction', async () => {
    await db.transaction((tx) => tx.query(`COPY t (k, n) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob(['x,7\ny,8\n']) }));
    expect((await db.query<{ s: number }>(`SELECT sum(n)::int AS s FROM t WHERE k IN ('x', 'y')`)).rows).toEqual([{ s: 15 }]);
  });

  it('keeps the calling thread free while the engine works', async () => {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = Date.now();
    await db.query('INSERT INTO big SELECT g FROM generate_series(1, 2000000) g');
    await db.query('SELECT count(*) FROM big a WHERE x % 7 = 3');
    const elapsed = Date.now() - started;
    clearInterval(timer);
    lag.disable();
    // On the calling thread this work would have held the event loop for all of `elapsed`.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(elapsed / 10 / 4);
    expect(lag.max / 1e6).toBeLessThan(elapsed / 2);
  }, 120_000);

  it("serves Prisma through the thread's driver adapter, transactions and unique violations included", async () => {
    await db.exec(`CREATE TABLE "Probe" (id text PRIMARY KEY)`);
    const prisma = new PrismaClient({ adapter: db.prismaAdapterFactory() });
    try {
      const rows = await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO "Probe" VALUES ('p1')`);
        return tx.$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM "Probe"`);
      });
      expect(rows).toEqual([{ id: 'p1' }]);
      const dup = await prisma.$executeRawUnsafe(`INSERT INTO "Probe" VALUES ('p1')`).catch((e: unknown) => e);
      expect(String((dup as Error).message)).toMatch(/23505|Unique constraint|unique/i);
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`INSERT INTO "Probe" VALUES ('p2')`);
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect(await prisma.$queryRawUnsafe(`SELECT id FROM "Probe" ORDER BY id`)).toEqual([{ id: 'p1' }]);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('creates a new directory in a throwaway thread and keeps what was written across a reopen', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-pglite-thread-'));
    try {
      const first = await PgliteThread.open(path.join(dir, 'db'));
      await first.exec(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`);
      await first.close();
      await expect(first.query('SELECT 1')).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
      const again = await PgliteThread.open(path.join(dir, 'db'));
      expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('starts an in-memory database from a dumped template, independent of it; refuses a template for a directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-pglite-template-'));
    try {
      await db.exec(`CREATE TABLE seeded (v text); INSERT INTO seeded VALUES ('from the template')`);
      const template = path.join(dir, 'template.tar');
      await writeFile(template, await db.dump());
      const [a, b] = await Promise.all([PgliteThread.open('memory://', { template }), PgliteThread.open('memory://', { template })]);
      try {
        await a.exec(`INSERT INTO seeded VALUES ('only in a')`);
        expect((await a.query('SELECT v FROM seeded ORDER BY v')).rows).toEqual([{ v: 'from the template' }, { v: 'only in a' }]);
        expect((await b.query('SELECT v FROM seeded')).rows).toEqual([{ v: 'from the template' }]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
      await expect(PgliteThread.open(path.join(dir, 'db'), { template })).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
