import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { shanghaiDateOf, type Product } from '../../../core/index.js';
import type { Clock } from '../../clock.js';
import type { Prisma, PrismaClient } from '../../db/generated/client.js';
import type { Database } from '../../db/index.js';
import type { FieldCipher } from '../../security/fieldCipher.js';
import { createChunkScorer } from './chunkScorer.js';
import { chunkStore, payloadFormatOf } from './entryStore.js';
import { csvRecords } from './csvRecords.js';
import { readHeader, type ColumnIndex } from './precreditColumns.js';
import { precreditRequest } from './scorePrecredit.js';

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
  /** Score on a worker thread (default: for files of WORKER_MIN_ROWS rows or more). */
  readonly worker?: boolean | undefined;
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
  /** Where this run scored its rows: a worker thread, or inline (small files, or the worker could not start). */
  readonly scoredOn: 'worker' | 'inline';
  /** Milliseconds: reading + mapping rows, the decisions alone, hashing + masking, storing. */
  readonly timings: { readonly readMs: number; readonly decideMs: number; readonly protectMs: number; readonly storeMs: number };
}

/** Errors kept on the batch (the count of rejected rows is exact; the list stops here). */
export const MAX_ERRORS = 200;
const DEFAULT_CHUNK = 10_000;
/** From this many rows a file is scored on a worker thread (starting one costs ~100 ms). */
export const WORKER_MIN_ROWS = 20_000;

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
  let scoredOn: 'worker' | 'inline' = 'inline';
  const done = async (status: 'running' | 'done' | 'failed', alreadyDone: boolean, processed: number): Promise<PrecreditResult> => ({
    batchId, status, alreadyDone, resumedFrom, productId: product.id, processed,
    whitelisted: tally.whitelisted, excluded: tally.excluded, rejected: tally.rejected,
    excludedByReason: await excludedByReason(prisma, batchId), errors: tally.errors, expiresAt: found.expiresAt, scoredOn, timings,
  });
  if (batch.status !== 'running') return done(batch.status as 'done' | 'failed', true, batch.processed);

  const asOf = shanghaiDateOf(now.getTime());
  const request = precreditRequest(product);
  const store = chunkStore(deps.db);
  const format = payloadFormatOf(deps.db);
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK;
  // A second thread scores while this one reads and stores (PGlite's engine runs here); small files score inline.
  const scorer = createChunkScorer({ worker: options.worker ?? rows >= WORKER_MIN_ROWS });
  let processed = resumedFrom;
  let queued = resumedFrom;
  let header: ColumnIndex | null = null;
  let rowNo = 0;
  // The chunk being filled: raw records in file order with their line numbers.
  let lines: number[] = [];
  let records: (readonly string[])[] = [];
  // Chunks scored or being scored, stored strictly in file order (the resume point) by this chain.
  let stored: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];

  const flush = async (): Promise<void> => {
    if (!records.length) return;
    const job = { product, asOf, request, lookupKey: deps.cipher.lookupKey, batchId, header: header as ColumnIndex, firstRowNo: queued + 1, lines, records, format };
    queued += records.length;
    lines = [];
    records = [];
    const scored = scorer.score(job);
    scored.catch(() => {});
    stored = stored.then(async () => {
      const chunk = await scored;
      scoredOn = scorer.where();
      timings.decideMs += chunk.decideMs;
      timings.protectMs += chunk.protectMs;
      tally.whitelisted += chunk.whitelisted;
      tally.excluded += chunk.excluded;
      tally.rejected += chunk.rejected.length;
      for (const e of chunk.rejected) if (tally.errors.length < MAX_ERRORS) tally.errors.push(e);
      const before = processed;
      const after = before + job.records.length;
      const counters = { before, processed: after, whitelisted: tally.whitelisted, excluded: tally.excluded, rejected: tally.rejected, errorsJson: JSON.stringify(tally.errors), at: deps.clock.now() };
      const s0 = performance.now();
      const ok = await store(batchId, counters, chunk.payload, chunk.entries);
      timings.storeMs += performance.now() - s0;
      if (!ok) throw new PrecreditFailure('BUSY', `batch ${batchId} moved on under this run (another run is scoring the same file)`);
      processed = after;
      options.onProgress?.({ batchId, processed, total: Math.max(rows, processed), whitelisted: tally.whitelisted, excluded: tally.excluded, rejected: tally.rejected });
    });
    // A failed store is reported when awaited; keep the rejection from going unhandled meanwhile.
    stored.catch(() => {});
    inFlight.push(stored);
    // At most two chunks ahead of the store: memory stays bounded whatever the file's size.
    if (inFlight.length > 2) await inFlight.shift();
  };

  try {
    let r0 = performance.now();
    let stopped = false;
    for await (const rec of csvRecords(file.chunks())) {
      if (header === null) {
        const h = readHeader(rec.fields);
        if (!h.ok) {
          tally.errors = [{ line: rec.line, message: h.message }];
          await prisma.precreditBatch.update({ where: { id: batchId }, data: { status: 'failed', errors: tally.errors as unknown as Prisma.InputJsonValue, finishedAt: deps.clock.now() } });
          return await done('failed', false, processed);
        }
        header = h.index;
        continue;
      }
      rowNo++;
      if (rowNo <= resumedFrom) continue;
      lines.push(rec.line);
      records.push(rec.fields);
      if (records.length >= chunkRows) {
        timings.readMs += performance.now() - r0;
        await flush();
        r0 = performance.now();
        if (options.stopAfterRows !== undefined && queued >= options.stopAfterRows) {
          stopped = true;
          break;
        }
      }
    }
    if (header === null) {
      tally.errors = [{ line: 1, message: 'the file is empty: it needs a header row and customers' }];
      await prisma.precreditBatch.update({ where: { id: batchId }, data: { status: 'failed', errors: tally.errors as unknown as Prisma.InputJsonValue, finishedAt: deps.clock.now() } });
      return await done('failed', false, processed);
    }
    if (!stopped) {
      timings.readMs += performance.now() - r0;
      await flush();
    }
    await stored;
    if (stopped) return await done('running', false, processed);
    await prisma.precreditBatch.update({ where: { id: batchId }, data: { status: 'done', total: processed, finishedAt: deps.clock.now() } });
    return await done('done', false, processed);
  } finally {
    await scorer.close();
  }
}

/** Excluded entries of a batch counted by reason code (an entry with two reasons counts under both). */
export async function excludedByReason(prisma: PrismaClient, batchId: string): Promise<Record<string, number>> {
  const rows = await prisma.$queryRaw<{ reason: string; n: number }[]>`
    SELECT reason, count(*)::int AS n FROM "PrecreditEntry", unnest(reasons) AS reason
    WHERE "batchId" = ${batchId}::uuid AND outcome = 'excluded' GROUP BY reason ORDER BY n DESC, reason`;
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}
