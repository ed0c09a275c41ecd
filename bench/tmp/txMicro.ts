import { rm } from 'node:fs/promises';
import { openDatabase } from '../../server/db/openDatabase.js';
import { openSql } from '../../server/runtime/sql.js';
import { pgliteThreadStats } from '../../server/db/pgliteThread.js';
const dir = '/tmp/mb-tx';
await rm(dir, { recursive: true, force: true });
const db = await openDatabase({ kind: 'pglite', dataDir: dir });
const sql = await openSql(db);
await db.embedded!.exec(`CREATE TABLE t (id serial primary key, v int); CREATE UNLOGGED TABLE u (id serial primary key, v int);`);
const V: Record<string, string> = {
  select1: 'SELECT $1::int AS x',
  insLogged: 'INSERT INTO t (v) VALUES ($1::int) RETURNING id',
  insUnlogged: 'INSERT INTO u (v) VALUES ($1::int) RETURNING id',
  ins4Logged: 'INSERT INTO t (v) SELECT $1::int FROM generate_series(1,4) RETURNING id',
};
const eng: Record<string, number[]> = Object.fromEntries(Object.keys(V).map((k) => [k, []]));
async function run(k: string, n: number) {
  const a0 = pgliteThreadStats()!.activeSeconds;
  for (let i = 0; i < n; i++) await sql.query(V[k]!, [i]);
  eng[k]!.push(((pgliteThreadStats()!.activeSeconds - a0) * 1000) / n);
}
for (const k of Object.keys(V)) await run(k, 500);
for (const k of Object.keys(V)) eng[k] = [];
for (let r = 0; r < 4; r++) for (const k of Object.keys(V)) await run(k, 2000);
console.log(Object.fromEntries(Object.entries(eng).map(([k, v]) => [k, v.map((x) => x.toFixed(3)).join(' ')])));
process.exit(0);
