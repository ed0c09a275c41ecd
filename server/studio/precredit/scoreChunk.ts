import { performance } from 'node:perf_hooks';
import { maskMobile, maskName, validateMobile, type IsoDate, type LoanRequest, type Product } from '../../../core/index.js';
import { lookupHashWith } from '../../security/fieldCipher.js';
import { UNTERMINATED } from './csvRecords.js';
import { entryPayload, type EntryRow, type PayloadFormat } from './entryStore.js';
import { readRow, type ColumnIndex, type PrecreditRow } from './precreditColumns.js';
import { scorePrecredit, type PrecreditScore } from './scorePrecredit.js';

/** One chunk of a customer file to score: plain data, so it can cross to a worker thread. */
export interface ScoreJob {
  readonly product: Product;
  readonly asOf: IsoDate;
  readonly request: LoanRequest;
  /** The field cipher's lookup-hash key (FieldCipher.lookupKey): hashes equal the chat's lookups. */
  readonly lookupKey: Uint8Array;
  readonly batchId: string;
  readonly header: ColumnIndex;
  /** 1-based row number of the chunk's first data row. */
  readonly firstRowNo: number;
  readonly lines: readonly number[];
  readonly records: readonly (readonly string[])[];
  /** How the stored rows are wanted (COPY CSV for PGlite, JSON for PostgreSQL). */
  readonly format: PayloadFormat;
}

export interface ScoredChunk {
  /** The entries to store, already in the store's format. */
  readonly payload: string;
  readonly entries: number;
  readonly whitelisted: number;
  readonly excluded: number;
  /** Rows that could not be read or that the core refused as malformed, with their line numbers. */
  readonly rejected: readonly { readonly line: number; readonly message: string }[];
  readonly decideMs: number;
  readonly protectMs: number;
}

/**
 * An entry's id: its batch's id with the row number as the last 12 hex digits. Unique (one batch,
 * one row number) and rising within a batch, so a million-row load appends to the primary-key index
 * instead of inserting at random places in it.
 */
export const entryId = (batchId: string, rowNo: number): string => `${batchId.slice(0, 24)}${rowNo.toString(16).padStart(12, '0')}`;

/** Scores a chunk: read the row, decide through core, hash and mask the identifiers, format for the store. */
export function scoreChunk(job: ScoreJob): ScoredChunk {
  const t0 = performance.now();
  const hash = (plain: string): string => lookupHashWith(job.lookupKey, plain);
  const rows: EntryRow[] = [];
  const rejected: { line: number; message: string }[] = [];
  let whitelisted = 0;
  let excluded = 0;
  // Three passes — read, decide, protect — so the decisions are timed as one block (no timer per row).
  const read: (PrecreditRow | string)[] = new Array(job.records.length);
  for (let i = 0; i < job.records.length; i++) {
    const fields = job.records[i] as readonly string[];
    if (fields[0] === UNTERMINATED) read[i] = 'a quoted field is never closed (a " missing)';
    else {
      const r = readRow(fields, job.header);
      read[i] = r.ok ? r.row : r.message;
    }
  }
  const d0 = performance.now();
  const scores: (PrecreditScore | null)[] = new Array(read.length);
  for (let i = 0; i < read.length; i++) {
    const r = read[i] as PrecreditRow | string;
    scores[i] = typeof r === 'string' ? null : scorePrecredit(job.product, r, job.asOf, job.request);
  }
  const decideMs = performance.now() - d0;
  for (let i = 0; i < read.length; i++) {
    const line = job.lines[i] as number;
    const r = read[i] as PrecreditRow | string;
    const s = scores[i] ?? null;
    if (typeof r === 'string' || s === null) {
      rejected.push({ line, message: typeof r === 'string' ? r : 'unreadable' });
      continue;
    }
    if (s.outcome === 'rejected') {
      rejected.push({ line, message: `${s.code}: ${s.message}` });
      continue;
    }
    const p = r.profile.person;
    // The decision accepted the mobile, so it reads; its bare 11 digits are what the chat hashes.
    const m = validateMobile(p.mobile);
    const mobile = m.ok ? m.value : p.mobile;
    const base = {
      id: entryId(job.batchId, job.firstRowNo + i), batchId: job.batchId, rowNo: job.firstRowNo + i, customerRef: r.customerRef, nameMasked: maskName(p.name),
      idNumberHash: hash(p.idNumber), phoneHash: hash(mobile), phoneMasked: maskMobile(mobile),
      branch: r.branch, managerCode: r.managerCode, outcome: s.outcome, score: s.score, grade: s.grade, reasons: s.reasons,
    };
    if (s.outcome === 'whitelisted') {
      whitelisted++;
      rows.push({ ...base, limitFen: s.limitFen, ratePpm: s.ratePpm });
    } else {
      excluded++;
      rows.push({ ...base, limitFen: null, ratePpm: null });
    }
  }
  const payload = entryPayload(rows, job.format);
  return { payload, entries: rows.length, whitelisted, excluded, rejected, decideMs, protectMs: performance.now() - t0 - decideMs };
}
