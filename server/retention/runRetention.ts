import type { Logger } from 'pino';
import { RETENTION_KINDS, type BorrowerHoldFacts, type RetentionKind } from '../../core/index.js';
import type { RetentionConfig } from '../config/index.js';
import type { PrismaClient } from '../db/generated/client.js';
import { ArchiveFile } from './archiveFile.js';
import { afterCursor, amongKeys, BORROWER_HOLDS, firstKey, RECORDS_GONE_ACTION, SWEEPS, type CandidateRow, type Sweep } from './retentionSweeps.js';

export interface RetentionCounts {
  /** Records past their period and removed (conversations, loan files by borrower, rows). */
  readonly records: number;
  /** Rows deleted for them, across their tables. */
  readonly rows: number;
  /** Rows written to the archive (0 for kinds deleted without archive). */
  readonly archived: number;
  /** Records past their period kept by a hold (open line or drawdown, open work order, records a consent authorised …). */
  readonly held: number;
}

export interface RetentionSummary {
  /** The moment the periods were counted back from. */
  readonly at: string;
  readonly kinds: Readonly<Record<RetentionKind, RetentionCounts>>;
  /** Archive files written by this run (none when nothing of an archived kind was due). */
  readonly files: readonly string[];
  readonly ms: number;
}

export interface RetentionDeps {
  readonly prisma: PrismaClient;
  readonly logger: Logger;
  readonly retention: RetentionConfig;
}

export interface RetentionOptions {
  /** Keys per batch for every sweep (tests make it small); each sweep's own size otherwise. */
  readonly batch?: number;
  /** The sessions' clock (staff and web sessions count in real time): `now` minus the sandbox demo clock's offset; `now` by default. */
  readonly sessionNow?: Date;
  /** Called after a batch is archived and fsynced, before its rows are deleted (tests crash here). */
  readonly afterArchive?: (kind: RetentionKind, file: string) => void | Promise<void>;
}

type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * The retention run (docs/retention.md): for each kind of record, in batches of locked rows, the pure
 * rules (core/retention) decide what has passed its period with nothing holding it; for an archived
 * kind those rows are appended to a gzip JSON Lines file and fsynced, and only then deleted, children
 * first, in the batch's transaction. A crash before the commit leaves the rows in the database and in
 * the file: the next run archives them again into a new file and deletes them (an archive may hold a
 * row twice, never lose one). Writes one `retention.run` audit row with the counts and files.
 */
export async function runRetention(deps: RetentionDeps, now: Date, options: RetentionOptions = {}): Promise<RetentionSummary> {
  const started = Date.now();
  const { prisma, retention } = deps;
  const kinds = Object.fromEntries(RETENTION_KINDS.map((k) => [k, { records: 0, rows: 0, archived: 0, held: 0 }])) as Record<RetentionKind, { records: number; rows: number; archived: number; held: number }>;
  const archives = new Map<RetentionKind, ArchiveFile>();
  try {
    for (const sweep of SWEEPS) {
      if (sweep.kind === 'consents') await markRecordsGone(prisma, now);
      const archive = retention.policy.modes[sweep.kind] === 'archive' ? archiveOf(archives, retention.archiveDir, sweep.kind, now) : undefined;
      const batch = options.batch ?? sweep.batch;
      let cursor = firstKey(sweep);
      for (;;) {
        const result = await sweepBatch(prisma, sweep, { cursor, batch, now, deps, archive, options });
        const counts = kinds[sweep.kind];
        counts.records += result.records;
        counts.rows += result.rows;
        counts.archived += result.archived;
        counts.held += result.held;
        if (result.seen < batch || result.last === undefined) break;
        cursor = result.last;
      }
    }
  } finally {
    for (const file of archives.values()) await file.close();
  }
  const files = [...archives.values()].filter((f) => f.written > 0).map((f) => f.path);
  const summary: RetentionSummary = { at: now.toISOString(), kinds, files, ms: Date.now() - started };
  await prisma.auditLog.create({ data: { at: now, actorType: 'system', action: 'retention.run', subjectType: 'Retention', detail: { kinds, files, ms: summary.ms } } });
  deps.logger.info({ kinds, files, ms: summary.ms }, 'retention run done');
  return summary;
}

function archiveOf(archives: Map<RetentionKind, ArchiveFile>, dir: string, kind: RetentionKind, now: Date): ArchiveFile {
  let file = archives.get(kind);
  if (!file) archives.set(kind, (file = ArchiveFile.at(dir, kind, now)));
  return file;
}

interface BatchResult {
  readonly seen: number;
  readonly last: string | undefined;
  readonly records: number;
  readonly rows: number;
  readonly archived: number;
  readonly held: number;
}

/**
 * One batch: the next window of keys is read and decided without locks (most rows are young or held);
 * only when some are due, one transaction locks them, decides again on what it reads under the lock,
 * archives (fsynced) and deletes them.
 */
async function sweepBatch(
  prisma: PrismaClient,
  sweep: Sweep,
  at: { cursor: string; batch: number; now: Date; deps: RetentionDeps; archive: ArchiveFile | undefined; options: RetentionOptions },
): Promise<BatchResult> {
  const { policy } = at.deps.retention;
  const decide = async (db: Tx, rows: readonly CandidateRow[]) => {
    const holds = sweep.needsBorrower ? await borrowerHolds(db, rows) : new Map<string, BorrowerHoldFacts>();
    const verdicts = rows.map((r) => ({ key: r.key, verdict: sweep.decide(r, r.borrowerId ? holds.get(r.borrowerId) : undefined, policy, at.now, at.options.sessionNow ?? at.now) }));
    return { due: verdicts.filter((v) => v.verdict.due).map((v) => v.key), held: verdicts.filter((v) => !v.verdict.due && v.verdict.hold).length };
  };
  const window = await prisma.$queryRawUnsafe<CandidateRow[]>(sweep.select(afterCursor(sweep), false), at.cursor, at.batch);
  const last = window.at(-1)?.key;
  const first = await decide(prisma, window);
  const none = { seen: window.length, last, records: 0, rows: 0, archived: 0, held: first.held };
  if (!first.due.length) return none;
  return prisma.$transaction(
    async (tx) => {
      // The facts again under the lock: what changed meanwhile (a turn, a new application) counts.
      const rechecked = await decide(tx, await tx.$queryRawUnsafe<CandidateRow[]>(sweep.select(amongKeys(sweep), true), JSON.stringify(first.due), first.due.length));
      const due = rechecked.due;
      const held = first.held + rechecked.held;
      if (!due.length) return { ...none, held };
      const keys = JSON.stringify(due);
      let archived = 0;
      if (at.archive) {
        const lines: string[] = [];
        for (const { table, where } of sweep.tables) {
          const rows = await tx.$queryRawUnsafe<{ row: string }[]>(`SELECT to_jsonb(x)::text AS row FROM "${table}" x WHERE ${where}`, keys);
          const prefix = `{"kind":"${sweep.kind}","table":"${table}","row":`;
          for (const r of rows) lines.push(`${prefix}${r.row}}`);
        }
        await at.archive.append(lines);
        archived = lines.length;
        await at.options.afterArchive?.(sweep.kind, at.archive.path);
      }
      let deleted = 0;
      for (const { table, where } of [...sweep.tables].reverse()) deleted += await tx.$executeRawUnsafe(`DELETE FROM "${table}" WHERE ${where}`, keys);
      return { seen: window.length, last, records: due.length, rows: deleted, archived, held };
    },
    { maxWait: 60_000, timeout: 300_000 },
  );
}

async function borrowerHolds(tx: Tx, rows: readonly CandidateRow[]): Promise<Map<string, BorrowerHoldFacts>> {
  const ids = [...new Set(rows.map((r) => r.borrowerId).filter((id): id is string => typeof id === 'string'))];
  if (!ids.length) return new Map();
  const found = await tx.$queryRawUnsafe<{ id: string; openLines: number; openDrawdowns: number; openWorkOrders: number }[]>(BORROWER_HOLDS, JSON.stringify(ids));
  return new Map(found.map((b) => [b.id, { openLines: Number(b.openLines), openDrawdowns: Number(b.openDrawdowns), openWorkOrders: Number(b.openWorkOrders) }]));
}

/**
 * Records, as an audit row, the moment a borrower with consents is first found with no loan records
 * left (the records those consents authorised): their period counts from it. A consent granted after
 * the last such row (the borrower applied again) needs a new one. Borrowers are looked at 1,000 at a
 * time by id, so no statement reads more however few are marked.
 */
async function markRecordsGone(prisma: PrismaClient, now: Date): Promise<number> {
  let marked = 0;
  let cursor = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const [window] = await prisma.$queryRawUnsafe<{ last: string | null; n: number }[]>(
      `WITH w AS (SELECT id FROM "Borrower" WHERE id > $1::uuid ORDER BY id LIMIT ${BORROWER_WINDOW}) SELECT (SELECT id::text FROM w ORDER BY id DESC LIMIT 1) AS last, (SELECT count(*) FROM w)::int AS n`,
      cursor,
    );
    if (!window?.last) return marked;
    marked += await prisma.$executeRawUnsafe(
      `INSERT INTO "AuditLog" (id, at, "actorType", action, "subjectType", "subjectId", detail)
       SELECT gen_random_uuid(), $3::timestamptz, 'system', '${RECORDS_GONE_ACTION}', 'Borrower', b.id::text, '{}'::jsonb FROM "Borrower" b
       WHERE b.id > $1::uuid AND b.id <= $2::uuid
         AND EXISTS (SELECT 1 FROM "Consent" c WHERE c."borrowerId" = b.id)
         AND NOT EXISTS (SELECT 1 FROM "Application" a WHERE a."borrowerId" = b.id)
         AND NOT EXISTS (SELECT 1 FROM "CreditLine" l WHERE l."borrowerId" = b.id)
         AND NOT EXISTS (SELECT 1 FROM "AuditLog" g WHERE g.action = '${RECORDS_GONE_ACTION}' AND g."subjectId" = b.id::text
           AND g.at >= (SELECT max(c."grantedAt") FROM "Consent" c WHERE c."borrowerId" = b.id))`,
      cursor,
      window.last,
      now.toISOString(),
    );
    if (Number(window.n) < BORROWER_WINDOW) return marked;
    cursor = window.last;
  }
}

const BORROWER_WINDOW = 1000;
