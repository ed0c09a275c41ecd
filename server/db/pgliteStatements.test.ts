import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteStatements } from './pgliteStatements.js';

describe('PGlite queries through prepared statements', () => {
  let pg: PGlite;
  beforeAll(async () => {
    pg = await PGlite.create();
    await pg.exec(`CREATE TABLE t (k text PRIMARY KEY, n int NOT NULL, j jsonb, at timestamptz, b bytea);
      INSERT INTO t VALUES ('a', 1, '{"x": [1, 2]}', '2026-12-06T01:02:03.456Z', '\\x0102'), ('b', 2, NULL, NULL, NULL)`);
  }, 60_000);
  afterAll(() => pg.close());

  const prepared = async () => (await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0]!.n;

  it('answers what PGlite’s own query answers, in both row modes, and prepares each text once', async () => {
    const statements = new PgliteStatements(pg);
    const before = await prepared();
    const sql = 'SELECT k, n, j, at, b FROM t WHERE n >= $1 AND k <> $2 ORDER BY k';
    const parsers = { 23: (x: string) => `int ${x}` };
    for (const options of [{ rowMode: 'object' as const }, { rowMode: 'array' as const }, { rowMode: 'array' as const, parsers }]) {
      for (const params of [[1, 'z'], [2, 'a'], [1, 'b']]) {
        const theirs = await pg.query(sql, params, options);
        const ours = await statements.query(sql, params, options);
        expect(ours).toEqual(theirs);
      }
    }
    expect((await statements.query(sql, [1, 'z'], { rowMode: 'array', parsers })).rows[0]).toContain('int 1');
    const update = 'UPDATE t SET j = $1, at = $2 WHERE k = $3';
    const ours = await statements.query(update, [{ y: 'z' }, new Date('2026-01-01T00:00:00Z'), 'b']);
    expect(ours).toMatchObject({ affectedRows: 1, rows: [], fields: [] });
    expect((await pg.query('SELECT j, at FROM t WHERE k = $1', ['b'])).rows).toEqual([{ j: { y: 'z' }, at: new Date('2026-01-01T00:00:00Z') }]);
    expect(await prepared()).toBe(before + 2);
  });

  it('gives database errors with their SQLSTATE and the query, and keeps serving', async () => {
    const statements = new PgliteStatements(pg);
    const dup = await statements.query('INSERT INTO t (k, n) VALUES ($1, $2)', ['a', 9]).catch((e: unknown) => e);
    expect(dup).toMatchObject({ code: '23505', query: 'INSERT INTO t (k, n) VALUES ($1, $2)' });
    const bad = await statements.query('SELEC 1').catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: '42601' });
    expect((await statements.query<{ n: number }>('SELECT n FROM t WHERE k = $1', ['a'])).rows).toEqual([{ n: 1 }]);
  });

  it('prepares again after the schema changes under a statement', async () => {
    const statements = new PgliteStatements(pg);
    await pg.exec('CREATE TABLE s (k text)');
    await statements.query('INSERT INTO s VALUES ($1)', ['one']);
    expect((await statements.query('SELECT * FROM s')).fields.map((f) => f.name)).toEqual(['k']);
    await pg.exec('ALTER TABLE s ADD COLUMN m int');
    expect((await statements.query('SELECT * FROM s')).fields.map((f) => f.name)).toEqual(['k', 'm']);
  });

  it('runs inside a transaction, keeps its statements across a rollback, and closes the oldest beyond its limit', async () => {
    const statements = new PgliteStatements(pg, 3);
    const before = await prepared();
    await pg.transaction(async (tx) => {
      await statements.queryInTransaction(tx, 'INSERT INTO t (k, n) VALUES ($1, $2)', ['r', 1]);
      expect((await statements.queryInTransaction<{ n: number }>(tx, 'SELECT count(*)::int AS n FROM t WHERE k = $1', ['r'])).rows).toEqual([{ n: 1 }]);
      await tx.rollback();
    });
    expect((await statements.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE k = $1', ['r'])).rows).toEqual([{ n: 0 }]);
    expect(await prepared()).toBe(before + 2);
    for (const i of [1, 2, 3, 4]) await statements.query(`SELECT $1::int + ${i} AS x`, [1]);
    expect(await prepared()).toBe(before + 3);
    await statements.clear();
    expect(await prepared()).toBe(before);
  });
});
