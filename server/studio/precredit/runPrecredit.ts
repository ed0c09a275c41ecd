import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { maskMobile, maskName, shanghaiDateOf, validateMobile, type Product } from '../../../core/index.js';
import type { Clock } from '../../clock.js';
import type { Prisma, PrismaClient } from '../../db/generated/client.js';
import type { Database } from '../../db/index.js';
import type { FieldCipher } from '../../security/fieldCipher.js';
import { chunkStore, type EntryRow } from './entryStore.js';
import { csvRecords, UNTERMINATED } from './csvRecords.js';
import { readHeader, readRow, type ColumnIndex, type PrecreditRow } from './precreditColumns.js';
import { precreditRequest, scorePrecredit, type PrecreditScore } from './scorePrecredit.js';

/** A customer file: its bytes can be read more than once (a hash pass, then the scoring pass). */
export interface PrecreditFile {
  readonly fileName: string;
  chunks(): AsyncIterable<Uint8Array | string>;
}

export interface PrecreditDeps {
  readonly db: Database;
  readonly cipher: FieldCipher;
  readonly clock: Clock;
  /** The catalogue's products (loadCatalog). */
  readonly products: readonly Product[];
}

export interface PrecreditProgress {
  readonly batchId: string;
  readonly processed: number;
  /** Data rows in the file, counted before scoring (exact unless quoted fields hold line breaks). */
  readonly total: number;
  readonly whitelisted: number;
  readonly excluded: number;
  readonly rejected: number;
}

export interface PrecreditOptions {
  /** Default: the catalogue's first individual product. */
  readonly productId?: string | undefined;
  /** Pre-approved offers expire this many days after the batch starts (default 90). */
  readonly expiresDays?: number | undefined;
  readonly createdById?: string | null | undefined;
  /** Rows per stored chunk (one statement each). */
  readonly chunkRows?: number | undefined;
  /** Called after each stored chunk. */
  readonly onProgress?: ((p: PrecreditProgress) => void) | undefined;
  /** Stop after storing at least this many rows, as an interruption would (tests of resuming). */
  readonly stopAfterRows?: number | undefined;
  /** Called once the batch row exists (the upload route answers with its id then). */
  readonly onBatch?: ((batchId: string, resumedFrom: number) => void) | undefined;
}

export interface PrecreditError {
  readonly line: number;
  readonly message: string;
}

export interface PrecreditResult {
  readonly batchId: string;
  readonly status: 'running' | 'done' | 'failed';
  /** The file was already scored completely before this run: nothing was written. */
  readonly alreadyDone: boolean;
  /** Rows already stored when this run started (an interrupted run's). */
  readonly resumedFrom: number;
  readonly productId: string;
  readonly processed: number;
  readonly whitelisted: number;
  readonly excluded: number;
  readonly rejected: number;
  readonly excludedByReason: Readonly<Record<string, number>>;
  readonly errors: readonly PrecreditError[];
  readonly expiresAt: Date;
  /** Milliseconds: reading + mapping rows, the decisions alone, hashing + masking, storing. */
  readonly timings: { readonly readMs: number; readonly decideMs: number; readonly protectMs: number; readonly storeMs: number };
}

/** Errors kept on the batch (the count of rejected rows is exact; the list stops here). */
export const MAX_ERRORS = 200;
const DEFAULT_CHUNK = 10_000;

export class PrecreditFailure extends Error {
  constructor(readonly code: 'PRODUCT_UNKNOWN' | 'PRODUCT_MISMATCH' | 'BUSY', message: string) {
    super(message);
  }
}

/** SHA-256 of the file and its data rows (newlines after the header; exact unless quoted fields break lines). */
export async function fingerprint(file: PrecreditFile): Promise<{ sha256: string; rows: number }> {
  const hash = createHash('sha256');
  let newlines = 0;
  let last = 10;
  for await (const chunk of file.chunks()) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    let i = -1;
    while ((i = bytes.indexOf(10, i + 1)) >= 0) newlines++;
    if (bytes.length) last = bytes[bytes.length - 1] as number;
  }
  const lines = newlines + (last === 10 ? 0 : 1);
  return { sha256: hash.digest('hex'), rows: Math.max(0, lines - 1) };
}

interface Tally {
  whitelisted: number;
  excluded: number;
  rejected: number;
  errors: PrecreditError[];
}

/**
 * Scores a customer file into a PrecreditBatch and its PrecreditEntry rows. The batch is keyed by
 * the file's SHA-256: a finished file is reported and nothing is written again; an interrupted one
 * resumes after its `processed` rows (rows are stored in file order, each chunk with the batch's
 * counters in ONE statement, so a crash leaves a consistent resume point). A row that cannot be
 * read is rejected with its line number; it never stops the run. ID numbers and mobiles are kept
 * only as the keyed lookup hash and masked.
 */
export async function runPrecredit(deps: PrecreditDeps, file: PrecreditFile, options: PrecreditOptions = {}): Promise<PrecreditResult> {
  const { sha256, rows } = await fingerprint(file);
  const now = deps.clock.now();
  const prisma = deps.db.prisma;
  let batch = await prisma.precreditBatch.findUnique({ where: { fileSha256: sha256 } });
  const wanted = options.productId ?? deps.products.find((p) => p.segment === 'individual')?.id ?? deps.products[0]?.id;
  if (batch && options.productId !== undefined && batch.productId !== options.productId) {
    throw new PrecreditFailure('PRODUCT_MISMATCH', `this file was already scored for product ${batch.productId} (batch ${batch.id}); a file is scored once`);
  }
  const product = deps.products.find((p) => p.id === (batch?.productId ?? wanted));
  if (!product) throw new PrecreditFailure('PRODUCT_UNKNOWN', `no product ${String(batch?.productId ?? wanted)} in the catalogue (products: ${deps.products.map((p) => p.id).join(', ')})`);
  if (!batch) {
    const expiresAt = new Date(now.getTime() + (options.expiresDays ?? 90) * 86_400_000);
    await prisma.$executeRaw`INSERT INTO "PrecreditBatch" (id, "fileSha256", "fileName", "productId", status, total, "createdById", "expiresAt", "startedAt", "updatedAt")
      VALUES (${randomUUID()}::uuid, ${sha256}, ${file.fileName.slice(0, 200)}, ${product.id}, 'running', ${rows}, ${options.createdById ?? null}::uuid, ${expiresAt}, ${now}, ${now})
      ON CONFLICT ("fileSha256") DO NOTHING`;
    batch = await prisma.precreditBatch.findUniqueOrThrow({ where: { fileSha256: sha256 } });
  }
  const found = batch;
  const batchId = found.id;
  const resumedFrom = batch.processed;
  options.onBatch?.(batchId, resumedFrom);
  const tally: Tally = { whitelisted: batch.whitelisted, excluded: batch.excluded, rejected: batch.rejected, errors: (batch.errors as unknown as PrecreditError[]) ?? [] };
  const timings = { readMs: 0, decideMs: 0, protectMs: 0, storeMs: 0 };
  const done = async (status: 'running' | 'done' | 'failed', alreadyDone: boolean, processed: number): Promise<PrecreditResult> => ({
    batchId, status, alreadyDone, resumedFrom, productId: product.id, processed,
    whitelisted: tally.whitelisted, excluded: tally.excluded, rejected: tally.rejected,
    excludedByReason: await excludedByReason(prisma, batchId), errors: tally.errors, expiresAt: found.expiresAt, timings,
  });
  if (batch.status !== 'running') return done(batch.status as 'done' | 'failed', true, batch.processed);

  const asOf = shanghaiDateOf(now.getTime());
  const request = precreditRequest(product);
  const store = chunkStore(deps.db);
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK;
  let processed = resumedFrom;
  let header: ColumnIndex | null = null;
  let rowNo = 0;
  let pending: Promise<void> | null = null;
  let stored = resumedFrom;
  // The chunk being filled: read rows (or their errors) in file order.
  let lines: number[] = [];
  let readRows: (PrecreditRow | string)[] = [];

  const flush = async (): Promise<void> => {
    if (!readRows.length) return;
    const t0 = performance.now();
    const scores: (PrecreditScore | null)[] = new Array(readRows.length);
    for (let i = 0; i < readRows.length; i++) {
      const r = readRows[i] as PrecreditRow | string;
      scores[i] = typeof r === 'string' ? null : scorePrecredit(product, r, asOf, request);
    }
    const t1 = performance.now();
    timings.decideMs += t1 - t0;
    const entries: EntryRow[] = [];
    const firstRow = processed + 1;
    for (let i = 0; i < readRows.length; i++) {
      const r = readRows[i] as PrecreditRow | string;
      const s = scores[i] ?? null;
      const no = firstRow + i;
      if (typeof r === 'string' || s === null || s.outcome === 'rejected') {
        tally.rejected++;
        if (tally.errors.length < MAX_ERRORS) tally.errors.push({ line: lines[i] as number, message: typeof r === 'string' ? r : s?.outcome === 'rejected' ? `${s.code}: ${s.message}` : 'unreadable' });
        continue;
      }
      const p = r.profile.person;
      // The decision accepted the mobile, so it reads; its bare 11 digits are what the chat hashes.
      const m = validateMobile(p.mobile);
      const mobile = m.ok ? m.value : p.mobile;
      const base = {
        id: randomUUID(), batchId, rowNo: no, customerRef: r.customerRef, nameMasked: maskName(p.name),
        idNumberHash: deps.cipher.lookupHash(p.idNumber), phoneHash: deps.cipher.lookupHash(mobile), phoneMasked: maskMobile(mobile),
        branch: r.branch, managerCode: r.managerCode, outcome: s.outcome, score: s.score, grade: s.grade, reasons: s.reasons,
      };
      if (s.outcome === 'whitelisted') {
        tally.whitelisted++;
        entries.push({ ...base, limitFen: s.limitFen, ratePpm: s.ratePpm });
      } else {
        tally.excluded++;
        entries.push({ ...base, limitFen: null, ratePpm: null });
      }
    }
    const before = processed;
    processed += readRows.length;
    timings.protectMs += performance.now() - t1;
    lines = [];
    readRows = [];
    // Store the previous chunk before this one (order is the resume point), overlapping the scoring above with its I/O.
    if (pending) await pending;
    const counters = { before, processed, whitelisted: tally.whitelisted, excluded: tally.excluded, rejected: tally.rejected, errorsJson: JSON.stringify(tally.errors), at: deps.clock.now() };
    pending = (async () => {
      const s0 = performance.now();
      const ok = await store(batchId, counters, entries);
      timings.storeMs += performance.now() - s0;
      if (!ok) throw new PrecreditFailure('BUSY', `batch ${batchId} moved on under this run (another run is scoring the same file)`);
      stored = counters.processed;
      options.onProgress?.({ batchId, processed: counters.processed, total: Math.max(rows, counters.processed), whitelisted: counters.whitelisted, excluded: counters.excluded, rejected: counters.rejected });
    })();
    // A failed store is reported when awaited; keep the rejection from going unhandled meanwhile.
    pending.catch(() => {});
  };

  let r0 = performance.now();
  let stopped = false;
  for await (const rec of csvRecords(file.chunks())) {
    if (header === null) {
      const h = readHeader(rec.fields);
      if (!h.ok) {
        tally.errors = [{ line: rec.line, message: h.message }];
        await prisma.precreditBatch.update({ where: { id: batchId }, data: { status: 'failed', errors: tally.errors as unknown as Prisma.InputJsonValue, finishedAt: deps.clock.now() } });
        return done('failed', false, processed);
      }
      header = h.index;
      continue;
    }
    rowNo++;
    if (rowNo <= resumedFrom) continue;
    lines.push(rec.line);
    if (rec.fields[0] === UNTERMINATED) readRows.push('a quoted field is never closed (a " missing)');
    else {
      const r = readRow(rec.fields, header);
      readRows.push(r.ok ? r.row : r.message);
    }
    if (readRows.length >= chunkRows) {
      timings.readMs += performance.now() - r0;
      await flush();
      r0 = performance.now();
      if (options.stopAfterRows !== undefined && processed >= options.stopAfterRows) {
        stopped = true;
        break;
      }
    }
  }
  if (header === null) {
    tally.errors = [{ line: 1, message: 'the file is empty: it needs a header row and customers' }];
    await prisma.precreditBatch.update({ where: { id: batchId }, data: { status: 'failed', errors: tally.errors as unknown as Prisma.InputJsonValue, finishedAt: deps.clock.now() } });
    return done('failed', false, processed);
  }
  if (!stopped) {
    timings.readMs += performance.now() - r0;
    await flush();
  }
  if (pending) await pending;
  if (stopped) return done('running', false, stored);
  await prisma.precreditBatch.update({ where: { id: batchId }, data: { status: 'done', total: processed, finishedAt: deps.clock.now() } });
  return done('done', false, processed);
}

/** Excluded entries of a batch counted by reason code (an entry with two reasons counts under both). */
export async function excludedByReason(prisma: PrismaClient, batchId: string): Promise<Record<string, number>> {
  const rows = await prisma.$queryRaw<{ reason: string; n: number }[]>`
    SELECT reason, count(*)::int AS n FROM "PrecreditEntry", unnest(reasons) AS reason
    WHERE "batchId" = ${batchId}::uuid AND outcome = 'excluded' GROUP BY reason ORDER BY n DESC, reason`;
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}
