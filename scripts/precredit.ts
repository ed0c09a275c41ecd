// `npm run precredit -- customers.csv [--product <id>] [--expires-days 90]`: scores a customer file
// (docs/studio.md, "Batch pre-credit") through the core decision into a pre-credit whitelist, on
// the configured database. Resumable (rerun the same file after an interruption) and idempotent
// (a finished file is reported, nothing written twice).
//
// The embedded database (PGlite) has one writer: when the server is running on the same data
// directory this refuses (exit 3) — stop it, or upload the file in the console (预授信), which
// runs the same code inside the server. On PostgreSQL it runs beside the server.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../server/clock.js';
import { loadCatalog } from '../server/catalog/loadCatalog.js';
import { loadConfig } from '../server/config/index.js';
import { applyMigrations, openDatabase } from '../server/db/index.js';
import { createFieldCipher } from '../server/security/fieldCipher.js';
import { readCliToken } from '../server/staff/cliToken.js';
import { PrecreditFailure, runPrecredit, type PrecreditProgress, type PrecreditResult } from '../server/studio/precredit/index.js';

const USAGE = `usage: npm run precredit -- <customers.csv> [--product <id>] [--expires-days 90]

  <customers.csv>      the bank's customer file, UTF-8 (BOM or not), Chinese or English headers (docs/studio.md)
  --product <id>       the product to pre-approve for (default: the catalogue's first personal product)
  --expires-days <n>   pre-approved offers expire n days after the batch starts (1–365, default 90)

exit codes: 0 done (or already done), 1 failed (bad header, database error), 2 usage, 3 the server holds the embedded database`;

const fail = (message: string, code: number): never => {
  console.error(`precredit: ${message}`);
  process.exit(code);
};

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { product: { type: 'string' }, 'expires-days': { type: 'string', default: '90' }, help: { type: 'boolean', short: 'h' } } });
} catch (e) {
  fail(`${(e as Error).message}\n${USAGE}`, 2);
}
const { positionals, values } = parsed!;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) fail(`give one customer file\n${USAGE}`, 2);
const file = positionals[0] as string;
const expiresDays = Number(values['expires-days']);
if (!Number.isInteger(expiresDays) || expiresDays < 1 || expiresDays > 365) fail('--expires-days must be a whole number from 1 to 365', 2);
try {
  const s = await stat(file);
  if (!s.isFile()) fail(`${file} is not a file`, 2);
} catch {
  fail(`cannot read ${file}`, 2);
}

const config = loadConfig();
if (config.database.kind === 'pglite' && (await serverIsRunning())) {
  fail(`the server is running on the embedded database ${config.database.dataDir} (one process at a time): stop it first, or upload the file in the console (预授信 / Pre-credit) instead`, 3);
}

/** A server of this data directory answers on its port (it wrote the command-line token there when it started). */
async function serverIsRunning(): Promise<boolean> {
  if (!(await readCliToken(config.dataDir))) return false;
  try {
    const res = await fetch(`http://127.0.0.1:${config.port}/healthz`, { signal: AbortSignal.timeout(1_500) });
    return res.ok;
  } catch {
    return false;
  }
}

const tty = process.stderr.isTTY === true;
let started = performance.now();
let lastPlain = 0;
const bar = (p: PrecreditProgress): string => {
  const fraction = p.total ? Math.min(1, p.processed / p.total) : 1;
  const width = 30;
  const filled = Math.round(fraction * width);
  const seconds = Math.max(0.001, (performance.now() - started) / 1000);
  const rate = Math.round((p.processed - resumedFrom) / seconds);
  const eta = rate > 0 ? Math.round((p.total - p.processed) / rate) : null;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}% ${p.processed}/${p.total} rows, ${rate}/s, ETA ${eta ?? '?'} s`;
};
let resumedFrom = 0;
const onProgress = (p: PrecreditProgress) => {
  if (tty) process.stderr.write(`\r${bar(p)}\u001b[K`);
  else if (performance.now() - lastPlain >= 5_000 || p.processed === p.total) {
    lastPlain = performance.now();
    console.log(bar(p));
  }
};

const db = await openDatabase(config.database, { poolSize: 4 });
let result: PrecreditResult;
try {
  await applyMigrations(db.adapterFactory);
  const catalog = await loadCatalog(config);
  result = await runPrecredit(
    { db, cipher: createFieldCipher(config.dataKey, config.oldDataKeys), clock: systemClock, products: catalog.products },
    { fileName: path.basename(file), chunks: () => createReadStream(file, { highWaterMark: 1 << 20 }) },
    {
      productId: values.product,
      expiresDays,
      onProgress,
      onBatch: (_id, from) => {
        resumedFrom = from;
        started = performance.now();
      },
    },
  );
} catch (e) {
  if (tty) process.stderr.write('\n');
  await db.close();
  if (e instanceof PrecreditFailure) fail(e.message, e.code === 'BUSY' ? 3 : 1);
  throw e;
}
await db.close();
if (tty) process.stderr.write('\n');

const r = result;
if (!r.alreadyDone && r.resumedFrom > 0) console.log(`resumed an interrupted run after row ${r.resumedFrom}`);
if (r.alreadyDone) console.log(`this file was already scored (batch ${r.batchId}, ${r.status}): nothing written`);
if (r.status === 'failed') {
  console.error(`precredit: batch ${r.batchId} failed: ${r.errors.map((e) => `line ${e.line}: ${e.message}`).join('; ')}`);
  process.exit(1);
}
console.log(`batch ${r.batchId} · product ${r.productId} · ${r.processed} rows · offers expire ${r.expiresAt.toISOString().slice(0, 10)}`);
console.log(`  whitelisted 白名单  ${r.whitelisted}`);
console.log(`  excluded    排除    ${r.excluded}`);
for (const [reason, n] of Object.entries(r.excludedByReason)) console.log(`    ${reason.padEnd(28)} ${n}`);
console.log(`  rejected    无法读取 ${r.rejected}`);
for (const e of r.errors.slice(0, 10)) console.log(`    line ${e.line}: ${e.message}`);
if (r.errors.length > 10) console.log(`    … ${r.rejected - 10} more (the console lists up to ${r.errors.length})`);
console.log(`see it in the console: 预授信 / Pre-credit (/console/#/precredit/${r.batchId})`);
