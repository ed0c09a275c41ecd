// Throwaway: commits one request each vs N commits in one request (one transaction), real PGlite thread.
import { randomUUID, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { openDatabase } from '../../server/db/openDatabase.js';
import { applyMigrations } from '../../server/db/migrations.js';
import { openSql } from '../../server/runtime/sql.js';
import { pgliteThreadStats } from '../../server/db/pgliteThread.js';

const dir = '/tmp/mb-batch';
await rm(dir, { recursive: true, force: true });
const db = await openDatabase({ kind: 'pglite', dataDir: dir });
await applyMigrations(db.adapterFactory);
const sql = await openSql(db);
await db.embedded!.exec(`CREATE FUNCTION kd_commit_many(ps jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r int[] := '{}'; e jsonb; BEGIN FOR e IN SELECT jsonb_array_elements(ps) LOOP r := r || kuaidai_turn_commit(e); END LOOP; RETURN array_to_string(r, ','); END $$`);
const FN = 'SELECT kuaidai_turn_commit($1::jsonb) AS "committed"';
const MANY = 'SELECT kd_commit_many($1::jsonb) AS "committed"';

const snapshot = JSON.stringify(`v2.k1.${randomBytes(12).toString('base64')}.${randomBytes(16).toString('base64')}.${randomBytes(2400).toString('base64')}`);
const conv: { id: string; version: number; seq: number }[] = [];
const now = () => new Date().toISOString();
const arg = (c: { id: string; version: number | null; seq: number }) =>
  `{"snapshot":${snapshot},` +
  JSON.stringify({
    id: c.id, channel: 'web', userId: c.id, chatId: '', expectedVersion: c.version, machineId: 'lending', machineVersion: 1, handoff: null, borrowerId: null,
    lastSeq: c.seq + 2, lastInboundAt: now(), locale: null, referral: null, now: now(),
    messages: [
      { id: randomUUID(), seq: c.seq + 1, direction: 'inbound', cmid: randomUUID(), author: 'borrower', text: '我已阅读并同意', payload: null, reply_to: null, status: 'none', delivered_at: null, next_attempt_at: null },
      { id: randomUUID(), seq: c.seq + 2, direction: 'outbound', cmid: null, author: 'bot', text: '好的，请确认以下信息：借款金额 50,000 元，期限 12 个月，年化利率 7.2%……', payload: { buttons: ['确认', '修改'], expects: 'choice' }, reply_to: null, status: 'delivered', delivered_at: now(), next_attempt_at: null },
    ],
    jobs: [], cancelledJobKeys: [], console: { step: 'offer' },
  }).slice(1);

for (let i = 0; i < 400; i++) {
  const c = { id: randomUUID(), version: 0, seq: 0 };
  const [r] = await sql.query(FN, [arg({ ...c, version: null })]);
  if (r!.committed !== 1) throw new Error('insert');
  c.version = 1; c.seq = 2;
  conv.push(c);
}
let next = 0;
const eng: Record<string, number[]> = { b1: [], b4: [], b16: [] };
const cpu: Record<string, number[]> = { b1: [], b4: [], b16: [] };
async function run(batch: number, n: number) {
  const t0 = performance.now();
  const a0 = pgliteThreadStats()!.activeSeconds;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i += batch) {
    const cs = Array.from({ length: batch }, () => conv[next++ % conv.length]!);
    if (batch === 0) throw new Error();
    if (batch === 1) {
      const [r] = await sql.query(FN, [arg(cs[0]!)]);
      if (r!.committed !== 1) throw new Error('nc');
    } else {
      const [r] = await sql.query(MANY, [`[${cs.map(arg).join(',')}]`]);
      if (r!.committed !== cs.map(() => '1').join(',')) throw new Error('nc many ' + String(r!.committed));
    }
    for (const c of cs) { c.version++; c.seq += 2; }
  }
  const c1 = process.cpuUsage(c0);
  eng[`b${batch}`]!.push(((pgliteThreadStats()!.activeSeconds - a0) * 1000) / n);
  cpu[`b${batch}`]!.push((c1.user + c1.system) / 1000 / n);
  return (performance.now() - t0) / n;
}
for (const b of [1, 4, 16]) await run(b, 320);
for (const k of Object.keys(eng)) { eng[k] = []; cpu[k] = []; }
const res: Record<string, number[]> = { b1: [], b4: [], b16: [] };
for (let k = 0; k < 5; k++) for (const b of [1, 4, 16]) res[`b${b}`]!.push(await run(b, 640));
console.log(Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.map((x) => x.toFixed(3)).join(' ')])));
const f = (o: Record<string, number[]>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.map((x) => x.toFixed(3)).join(' ')]));
console.log('engine ms/commit', f(eng)); console.log('process cpu ms/commit', f(cpu));
await sql.close(); await db.close();
process.exit(0);
