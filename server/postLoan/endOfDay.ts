import { randomUUID } from 'node:crypto';
import { isIsoDate, type CreditLine, type IsoDate } from '../../core/index.js';
import { Prisma, type LedgerEntry, type LoanClassification } from '../db/generated/client.js';
import { AppError } from '../errors.js';
import { ledgerRows, saveLinesSql, type LineBatchItem } from '../services/creditLineStore.js';
import { jsonb, toDbDate } from '../services/persistence.js';
import { BatchProgressMeter, progressLine } from './batchProgress.js';
import { POST_LOAN_JOBS, type BatchProgress, type PostLoanContext } from './contracts.js';
import type { DailyJob } from './dailyJobs.js';
import { endOfDayLine, type EndOfDayPolicy } from './endOfDayLine.js';
import { portfolioSnapshot, type PortfolioFigures } from './portfolioSnapshot.js';

export const EOD_KIND = 'eod';

export interface EndOfDayOptions {
  /** Lines per chunk: read together, written in one statement. */
  readonly chunkSize?: number;
  readonly freezeAfterDpd?: number;
  readonly progressEveryMs?: number;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Called with a chunk's line ids after they are read and before they are written (tests change a line meanwhile here). */
  readonly beforeWrite?: (lineIds: readonly string[]) => void | Promise<void>;
  /** Called after each committed chunk (tests interrupt the batch here). */
  readonly afterChunk?: (chunk: number) => void | Promise<void>;
  /** How often a line another operation saved meanwhile is read and evaluated again. */
  readonly conflictRetries?: number;
}

export interface EndOfDayCounts {
  /** Lines evaluated (those with something due, past due, frozen for it, or expiring). */
  readonly processed: number;
  /** Lines whose state or post-loan columns changed. */
  readonly changed: number;
  readonly postings: number;
  readonly ledgerEntries: number;
  readonly penaltyBookedFen: number;
  readonly interestBookedFen: number;
  readonly classChanges: number;
  readonly frozen: number;
  readonly unfrozen: number;
  /** Lines core refused to evaluate (logged with their ids), or left busy after the retries. */
  readonly failed: number;
  readonly busy: number;
}

export interface EndOfDayResult extends EndOfDayCounts {
  readonly businessDate: IsoDate;
  /** True when the date had already been closed: nothing was done. */
  readonly alreadyDone: boolean;
  readonly snapshot: PortfolioFigures;
}

type Ctx = Pick<PostLoanContext, 'prisma' | 'logger' | 'clock' | 'config'>;

const ZERO: EndOfDayCounts = { processed: 0, changed: 0, postings: 0, ledgerEntries: 0, penaltyBookedFen: 0, interestBookedFen: 0, classChanges: 0, frozen: 0, unfrozen: 0, failed: 0, busy: 0 };
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** Lines the batch covers: open ones, and expired ones still owing (they go on accruing and ageing). */
const IN_SCOPE = Prisma.sql`(l.status IN ('active', 'frozen') OR (l.status = 'expired' AND l."availableFen" < l."limitFen"))`;

/**
 * Lines whose evaluation to `date` can change something, not yet evaluated for it. Any other line in
 * scope has nothing due on or before the date and is current: core would change only its `asOf`,
 * so it is not read at all (most of a portfolio, most days).
 */
const needsDay = (date: Date): Prisma.Sql => Prisma.sql`${IN_SCOPE} AND (l."evaluatedOn" IS NULL OR l."evaluatedOn" < ${date}::date) AND (
  l.dpd > 0 OR l."freezeReason" = 'overdue' OR (l.status <> 'expired' AND l."validUntil" < ${date}::date)
  OR EXISTS (SELECT 1 FROM "Drawdown" d JOIN "Installment" i ON i."drawdownId" = d.id
    WHERE d."creditLineId" = l.id AND d.status IN ('active', 'disbursing') AND i."dueDate" <= ${date}::date AND i.status <> 'paid'))`;

interface LineRead {
  readonly id: string;
  readonly borrowerId: string;
  readonly productId: string;
  readonly version: number;
  readonly state: CreditLine;
  readonly dpd: number;
  readonly bucket: string;
  readonly loanClass: string;
  readonly freezeReason: string | null;
  /** Five-tier class of each active Drawdown row, by id. */
  readonly classes: Record<string, string> | null;
}

const readColumns = Prisma.sql`l.id, l."borrowerId", l."productId", l.version, l.state, l.dpd, l.bucket, l."loanClass", l."freezeReason",
  (SELECT jsonb_object_agg(d.id, d."loanClass") FROM "Drawdown" d WHERE d."creditLineId" = l.id AND d.status = 'active') AS classes`;

/**
 * The end-of-day batch (日终) for business date `date` (Asia/Shanghai), idempotent and re-runnable:
 * for every line with something due or past due it evaluates the line with core (instalments
 * marked due/overdue, interest fallen due and penalty interest — contract rate × the line's penalty
 * multiplier — recognised and booked in the ledger exactly once, since the recognised amounts are
 * part of the state saved with them), sets days past due, bucket and five-tier class on the line and
 * its drawdowns with a LoanClassification row for each class change, freezes a line more than
 * `freezeAfterDpd` days past due and lifts that freeze once it is current; then writes the
 * portfolio snapshot of the date.
 *
 * Lines are read in keyset order (by id) in chunks, never all at once; a chunk is written in ONE
 * statement (the batched save of creditLineStore: version-checked per line, so a line a borrower
 * repaid meanwhile is not overwritten but read and evaluated again). BatchRun (kind `eod`, the date)
 * keeps the cursor of the last committed chunk: a run after a crash continues after it, and a run of
 * a date already closed does nothing.
 */
export async function runEndOfDay(ctx: Ctx, businessDate: IsoDate, options: EndOfDayOptions = {}): Promise<EndOfDayResult> {
  if (!isIsoDate(businessDate)) throw new AppError('VALIDATION_FAILED', { field: 'businessDate', reason: `not a date: ${String(businessDate)}` });
  const { prisma, logger, clock } = ctx;
  const settings = ctx.config.endOfDay;
  const chunkSize = options.chunkSize ?? settings.chunkSize;
  const policy: EndOfDayPolicy = { freezeAfterDpd: options.freezeAfterDpd ?? settings.freezeAfterDpd };
  const retries = options.conflictRetries ?? 5;
  const date = toDbDate(businessDate);

  await prisma.$executeRaw`INSERT INTO "BatchRun" (id, kind, "businessDate", status, processed, changed, "startedAt")
    VALUES (${randomUUID()}::uuid, ${EOD_KIND}, ${date}::date, 'running', 0, 0, ${clock.now()}::timestamptz) ON CONFLICT (kind, "businessDate") DO NOTHING`;
  const run = await prisma.batchRun.findUniqueOrThrow({ where: { kind_businessDate: { kind: EOD_KIND, businessDate: date } } });
  const stored = (run.summary ?? {}) as Partial<EndOfDayResult>;
  if (run.status === 'done') {
    logger.info({ businessDate }, 'end-of-day batch already done for this date; nothing to do');
    return { ...ZERO, ...stored, businessDate, alreadyDone: true, snapshot: stored.snapshot! };
  }
  if (run.status !== 'running') await prisma.batchRun.update({ where: { id: run.id }, data: { status: 'running', error: null } });

  let counts: EndOfDayCounts = { ...ZERO, ...pickCounts(stored) };
  let cursor = run.cursor ?? FIRST_ID;
  const [{ remaining }] = (await prisma.$queryRaw<{ remaining: number }[]>`SELECT count(*)::int AS remaining FROM "CreditLine" l WHERE l.id > ${cursor}::uuid AND ${needsDay(date)}`) as [{ remaining: number }];
  const meter = new BatchProgressMeter(
    { kind: EOD_KIND, businessDate, total: remaining },
    (p) => {
      logger.info({ progress: p }, progressLine(p));
      options.onProgress?.(p);
    },
    undefined,
    options.progressEveryMs,
  );
  if (run.cursor) logger.info({ businessDate, cursor, done: counts.processed, remaining }, 'end-of-day batch resumes after its last committed chunk');

  try {
    const readAfter = (after: string): Promise<LineRead[]> => {
      const read = prisma.$queryRaw<LineRead[]>`SELECT ${readColumns} FROM "CreditLine" l
        WHERE l.id > ${after}::uuid AND ${needsDay(date)} ORDER BY l.id LIMIT ${chunkSize}`;
      read.catch(() => {}); // awaited below; a batch that fails first must not leave it unhandled
      return read;
    };
    let next = readAfter(cursor);
    for (let chunk = 1; ; chunk++) {
      const rows = await next;
      if (rows.length === 0) break;
      // The next chunk is read while this one is evaluated and written (PostgreSQL overlaps the two;
      // its lines are later ones, and a line changed meanwhile fails its version check and is read again).
      next = readAfter(rows[rows.length - 1]!.id);
      let pending: readonly LineRead[] = rows;
      let chunkCounts = ZERO;
      for (let attempt = 0; pending.length > 0; attempt++) {
        await options.beforeWrite?.(pending.map((r) => r.id));
        const done = await writeChunk(ctx, businessDate, date, pending, policy);
        chunkCounts = add(chunkCounts, done.counts);
        if (done.conflicted.length === 0) break;
        if (attempt >= retries) {
          logger.warn({ businessDate, lineIds: done.conflicted }, 'end-of-day: lines kept changing under the batch; left for the next run');
          chunkCounts = add(chunkCounts, { ...ZERO, busy: done.conflicted.length });
          break;
        }
        // Saved by a borrower's operation meanwhile: read again and evaluate the line as it now is.
        pending = await prisma.$queryRaw<LineRead[]>`SELECT ${readColumns} FROM "CreditLine" l WHERE l.id = ANY(${done.conflicted}::uuid[]) ORDER BY l.id`;
      }
      counts = add(counts, chunkCounts);
      cursor = rows[rows.length - 1]!.id;
      await prisma.$executeRaw`UPDATE "BatchRun" SET cursor = ${cursor}, processed = ${counts.processed}, changed = ${counts.changed}, summary = ${jsonb(counts)} WHERE id = ${run.id}::uuid`;
      meter.add(rows.length, chunkCounts.changed);
      await options.afterChunk?.(chunk);
    }
    const snapshot = await portfolioSnapshot(prisma, businessDate);
    const summary = { ...counts, snapshot };
    await prisma.$transaction([
      prisma.$executeRaw`INSERT INTO "PortfolioSnapshot" ("businessDate", data, "createdAt") VALUES (${date}::date, ${jsonb(snapshot)}, ${clock.now()}::timestamptz)
        ON CONFLICT ("businessDate") DO UPDATE SET data = EXCLUDED.data, "createdAt" = EXCLUDED."createdAt"`,
      prisma.$executeRaw`UPDATE "BatchRun" SET status = 'done', summary = ${jsonb(summary)}, "finishedAt" = ${clock.now()}::timestamptz WHERE id = ${run.id}::uuid`,
    ]);
    meter.flush();
    logger.info({ businessDate, ...counts, npl: snapshot.nplRatio }, 'end-of-day batch done');
    return { ...summary, businessDate, alreadyDone: false };
  } catch (e) {
    await prisma.$executeRaw`UPDATE "BatchRun" SET status = 'failed', error = ${e instanceof Error ? e.message.slice(0, 2000) : String(e)} WHERE id = ${run.id}::uuid`.catch(() => {});
    throw e;
  }
}

const pickCounts = (s: Partial<EndOfDayCounts>): Partial<EndOfDayCounts> =>
  Object.fromEntries(Object.keys(ZERO).filter((k) => typeof (s as Record<string, unknown>)[k] === 'number').map((k) => [k, (s as Record<string, number>)[k]]));

const add = (a: EndOfDayCounts, b: EndOfDayCounts): EndOfDayCounts =>
  Object.fromEntries(Object.keys(ZERO).map((k) => [k, a[k as keyof EndOfDayCounts] + b[k as keyof EndOfDayCounts]])) as unknown as EndOfDayCounts;

/**
 * Evaluates the lines and writes them in one statement: the batched line save (guard), the
 * drawdowns' DPD/bucket/class/penalty, class-change history and the accrual postings, each only for
 * a line its guard saved. Answers the counts of what was saved and the lines that had moved on.
 */
async function writeChunk(ctx: Ctx, businessDate: IsoDate, date: Date, rows: readonly LineRead[], policy: EndOfDayPolicy): Promise<{ counts: EndOfDayCounts; conflicted: string[] }> {
  const now = ctx.clock.now();
  const items: LineBatchItem[] = [];
  const drawdowns: { id: string; lineId: string; dpd: number; bucket: string; loanClass: string; penalty: number }[] = [];
  const history: LoanClassification[] = [];
  const ledger: (LedgerEntry & { lineId: string })[] = [];
  const perLine = new Map<string, EndOfDayCounts>();
  let failed = 0;
  for (const row of rows) {
    const ended = endOfDayLine(row.state, businessDate, row.freezeReason, policy);
    if (!ended.ok) {
      failed++;
      ctx.logger.error({ lineId: row.id, businessDate, code: ended.error.code, reason: ended.error.message }, 'end-of-day: core cannot evaluate this line; skipped');
      continue;
    }
    const day = ended.value;
    const classes = row.classes ?? {};
    let classChanges = 0;
    for (const d of day.drawdowns) {
      const previous = classes[d.id];
      const after = day.after.drawdowns.find((x) => x.id === d.id);
      // Rows still disbursing, settled ones and those settled now keep their columns.
      if (previous === undefined || after?.status !== 'active') continue;
      drawdowns.push({ id: d.id, lineId: row.id, dpd: d.dpd, bucket: d.bucket, loanClass: d.loanClass, penalty: d.penaltyFen });
      if (previous !== d.loanClass) {
        classChanges++;
        history.push({ id: randomUUID(), drawdownId: d.id, creditLineId: row.id, businessDate: date, dpd: d.dpd, bucket: d.bucket, loanClass: d.loanClass, previousClass: previous, createdAt: now });
      }
    }
    const entries = ledgerRows(day.postings, row.id, now);
    for (const e of entries) ledger.push({ ...e, lineId: row.id });
    const freeze = day.freeze === 'freeze' ? { reason: 'overdue', at: now } : day.freeze === 'unfreeze' ? { reason: null, at: null } : undefined;
    const stateChanged = JSON.stringify({ ...day.after, asOf: row.state.asOf }) !== JSON.stringify(row.state);
    const changed = stateChanged || day.dpd !== row.dpd || day.bucket !== row.bucket || day.loanClass !== row.loanClass;
    items.push({
      loaded: { row: { id: row.id, borrowerId: row.borrowerId, productId: row.productId, version: row.version }, line: row.state },
      after: day.after,
      columns: { dpd: day.dpd, bucket: day.bucket, loanClass: day.loanClass, evaluatedOn: businessDate, ...(freeze ? { freeze } : {}) },
    });
    perLine.set(row.id, {
      ...ZERO,
      processed: 1,
      changed: changed ? 1 : 0,
      postings: day.postings.length,
      ledgerEntries: entries.length,
      penaltyBookedFen: sumKind(day.postings, 'penalty_accrual'),
      interestBookedFen: sumKind(day.postings, 'interest_accrual'),
      classChanges,
      frozen: day.freeze === 'freeze' ? 1 : 0,
      unfrozen: day.freeze === 'unfreeze' ? 1 : 0,
    });
  }
  let counts: EndOfDayCounts = { ...ZERO, failed };
  if (items.length === 0) return { counts, conflicted: [] };
  const saved = await ctx.prisma.$queryRaw<{ id: string }[]>`WITH ${saveLinesSql(items, now)},
    marked AS (UPDATE "Drawdown" d SET dpd = x.dpd, bucket = x.bucket, "loanClass" = x."loanClass", "penaltyFen" = x.penalty, "updatedAt" = ${now}::timestamptz
      FROM jsonb_to_recordset(${jsonb(drawdowns)}) AS x(id uuid, "lineId" uuid, dpd int, bucket text, "loanClass" text, penalty bigint)
      WHERE d.id = x.id AND x."lineId" IN (SELECT id FROM guard)),
    classified AS (INSERT INTO "LoanClassification" SELECT r.* FROM jsonb_populate_recordset(NULL::"LoanClassification", ${jsonb(history)}) AS r
      WHERE r."creditLineId" IN (SELECT id FROM guard) ON CONFLICT ("drawdownId", "businessDate") DO NOTHING),
    booked AS (INSERT INTO "LedgerEntry" SELECT r.* FROM jsonb_array_elements(${jsonb(ledger)}) AS e, jsonb_populate_record(NULL::"LedgerEntry", e) AS r
      WHERE (e->>'lineId')::uuid IN (SELECT id FROM guard))
    SELECT id::text FROM guard`;
  const savedIds = new Set(saved.map((r) => r.id));
  const conflicted: string[] = [];
  for (const item of items) {
    const id = item.loaded.row.id;
    if (savedIds.has(id)) counts = add(counts, perLine.get(id)!);
    else conflicted.push(id);
  }
  return { counts, conflicted };
}

const sumKind = (postings: readonly { kind: string; entries: readonly { debit: number }[] }[], kind: string): number =>
  postings.filter((p) => p.kind === kind).reduce((s, p) => s + p.entries.reduce((t, e) => t + e.debit, 0), 0);

/**
 * The end-of-day batch as a daily job. Fired at 00:30 Shanghai for the date just begun (and by
 * `demo:advance` for each date it enters), it brings every line to that date: what fell due before
 * it and is unpaid is overdue, days past due are counted to it, and the snapshot of the date is the
 * portfolio as the previous day closed.
 */
export const endOfDayJob: DailyJob = {
  name: POST_LOAN_JOBS.endOfDay,
  cron: '30 0 * * *',
  bulk: true,
  run: (ctx, businessDate) => runEndOfDay(ctx, businessDate),
};
