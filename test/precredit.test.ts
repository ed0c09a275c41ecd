import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../core/index.js';
import { manualClock } from '../server/clock.js';
import { applyMigrations, openDatabase, type Database } from '../server/db/index.js';
import { createFieldCipher } from '../server/security/fieldCipher.js';
import { runPrecredit, syntheticCustomerCsv, type PrecreditFile } from '../server/studio/precredit/index.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const run = promisify(execFile);
const cipher = createFieldCipher(Buffer.alloc(32, 7));
const clock = manualClock('2026-12-05T02:00:00Z');
const textFile = (text: string, fileName = 'customers.csv'): PrecreditFile => ({
  fileName,
  // Small pieces, so records and characters straddle chunk boundaries.
  chunks: async function* () {
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i += 4_093) yield bytes.subarray(i, i + 4_093);
  },
});
const csv = (count: number, seed = 11) => [...syntheticCustomerCsv(count, { asOf: '2026-12-01', seed })].join('');

let database: TestDatabase;
let db: Database;
beforeEach(async () => {
  database = await createTestDatabase();
  db = await openDatabase(database.target, { poolSize: 4 });
  await applyMigrations(db.adapterFactory);
});
afterEach(async () => {
  await db.close();
  await database.drop();
});

const deps = () => ({ db, cipher, clock, products: DEMO_PRODUCTS });
const entries = () => db.prisma.precreditEntry.findMany({ orderBy: { rowNo: 'asc' }, omit: { id: true, batchId: true } });

describe('runPrecredit', () => {
  it('stores each readable row in file order, rejects bad ones with their line numbers, and keeps no plaintext ID or mobile', async () => {
    const good = csv(50);
    const lines = good.split('\n');
    // Line 4 (data row 3) loses its ID number; line 8 has a bad check digit; line 12 a quote never closed at the end.
    lines[3] = lines[3]!.replace(/,\d{17}[\dX],/, ',,');
    lines[7] = lines[7]!.replace(/,(\d{17})([\dX]),/, (_m, a: string, c: string) => `,${a}${c === '1' ? '2' : '1'},`);
    const text = `\uFEFF${lines.slice(0, 51).join('\n')}\n"C-open,unterminated\n`;
    const r = await runPrecredit(deps(), textFile(text));
    expect(r).toMatchObject({ status: 'done', alreadyDone: false, processed: 51, rejected: 3 });
    expect(r.whitelisted + r.excluded).toBe(48);
    expect(r.errors.map((e) => e.line)).toEqual([4, 8, 52]);
    expect(r.errors[0]?.message).toBe('身份证号 (idNumber) is empty');
    expect(r.errors[1]?.message).toMatch(/^ID_/);
    const stored = await entries();
    expect(stored).toHaveLength(48);
    expect(stored.map((e) => e.rowNo)).not.toContain(3);
    const raw = JSON.stringify(stored, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const line of lines.slice(1, 51)) {
      const [, , id, mobile] = line.split(',');
      if (id) expect(raw).not.toContain(id);
      if (mobile) expect(raw).not.toContain(mobile);
    }
    const first = stored[0]!;
    expect(first.phoneHash).toBe(cipher.lookupHash(lines[1]!.split(',')[3]!));
    expect(first.nameMasked).not.toBe(lines[1]!.split(',')[1]);
    expect(Object.values(r.excludedByReason).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(r.excluded);
    const batch = await db.prisma.precreditBatch.findUniqueOrThrow({ where: { id: r.batchId } });
    expect(batch).toMatchObject({ status: 'done', total: 51, processed: 51, rejected: 3, whitelisted: r.whitelisted });
  });

  it('reports a finished file again without writing anything (same SHA-256)', async () => {
    const text = csv(30);
    const first = await runPrecredit(deps(), textFile(text));
    const before = await entries();
    const again = await runPrecredit(deps(), textFile(text, 'renamed.csv'));
    expect(again).toMatchObject({ batchId: first.batchId, alreadyDone: true, status: 'done', processed: 30, whitelisted: first.whitelisted });
    expect(await entries()).toEqual(before);
    expect(await db.prisma.precreditBatch.count()).toBe(1);
  });

  it('resumes an interrupted run where it stopped; the result equals an uninterrupted run', async () => {
    const text = csv(1_000, 23);
    const stopped = await runPrecredit(deps(), textFile(text), { chunkRows: 150, stopAfterRows: 400 });
    expect(stopped).toMatchObject({ status: 'running', processed: 450 });
    expect(await db.prisma.precreditEntry.count()).toBeLessThanOrEqual(450);
    const resumed = await runPrecredit(deps(), textFile(text), { chunkRows: 150 });
    expect(resumed).toMatchObject({ status: 'done', resumedFrom: 450, processed: 1_000 });
    const interrupted = await entries();

    await db.prisma.precreditBatch.deleteMany();
    const whole = await runPrecredit(deps(), textFile(text), { chunkRows: 1_000 });
    expect([whole.whitelisted, whole.excluded, whole.rejected]).toEqual([resumed.whitelisted, resumed.excluded, resumed.rejected]);
    expect(await entries()).toEqual(interrupted);
  });

  it('scores on a worker thread exactly as inline, bad rows included, interrupted and resumed there too', async () => {
    const lines = csv(900, 31).split('\n');
    lines.splice(300, 0, 'C-BAD,演示坏行,123,13800000000');
    const text = lines.join('\n');
    const inline = await runPrecredit(deps(), textFile(text), { chunkRows: 200, worker: false });
    const inlineEntries = await entries();
    await db.prisma.precreditBatch.deleteMany();

    const stopped = await runPrecredit(deps(), textFile(text), { chunkRows: 200, worker: true, stopAfterRows: 300 });
    expect(stopped.status).toBe('running');
    const onWorker = await runPrecredit(deps(), textFile(text), { chunkRows: 200, worker: true });
    expect(onWorker.scoredOn).toBe('worker');
    expect(inline.scoredOn).toBe('inline');
    expect([onWorker.processed, onWorker.whitelisted, onWorker.excluded, onWorker.rejected]).toEqual([inline.processed, inline.whitelisted, inline.excluded, inline.rejected]);
    expect(onWorker.rejected).toBeGreaterThan(0);
    expect(onWorker.errors).toEqual(inline.errors);
    expect(await entries()).toEqual(inlineEntries);
  });

  it('fails a file whose header lacks a required column, naming it', async () => {
    const r = await runPrecredit(deps(), textFile('客户号,姓名\nC1,演示\n'));
    expect(r.status).toBe('failed');
    expect(r.errors).toEqual([{ line: 1, message: 'the header lacks 身份证号 (idNumber), 手机号 (mobile)' }]);
  });
});

describe('npm run precredit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-precredit-cli-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const cli = async (args: string[]) => {
    const env = { ...process.env, KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent', KUAIDAI_DATA_DIR: dir, DATABASE_URL: database.target.kind === 'postgres' ? database.url : `pglite:${path.join(dir, 'db')}` };
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/precredit.ts', ...args], { env, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };

  it('scores the sample file, prints the summary, and reports it again on a rerun', async () => {
    // The test's own database is not used by the CLI on PGlite; on PostgreSQL it is, so close ours first.
    await db.close();
    db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
    const first = await cli(['samples/precredit-customers.csv']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/200 rows/);
    expect(first.stdout).toMatch(/whitelisted 白名单 +\d+/);
    expect(first.stdout).toMatch(/SCORE_BELOW_CUTOFF +\d+/);
    expect(first.stdout).toMatch(/预授信 \/ Pre-credit/);
    const again = await cli(['samples/precredit-customers.csv']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already scored .*nothing written/);
  }, 240_000);

  it('exits 2 on bad usage and 1 on a file it cannot use', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['nope.csv'])).stderr).toMatch(/cannot read nope.csv/);
    expect((await cli(['samples/precredit-customers.csv', '--expires-days', '0'])).code).toBe(2);
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'foo,bar\n1,2\n');
    const r = await cli([bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 1: the header lacks 客户号 \(customerRef\)/);
    expect(await readFile(bad, 'utf8')).toBe('foo,bar\n1,2\n');
  }, 240_000);
});
