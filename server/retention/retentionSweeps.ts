import {
  auditDue,
  consentDue,
  contactLogDue,
  conversationDue,
  jobRowDue,
  loanRecordsDue,
  pastPeriod,
  type BorrowerHoldFacts,
  type RetentionKind,
  type RetentionPolicy,
  type RetentionVerdict,
} from '../../core/index.js';

/** The keys of a batch, as the statements' `$1` (a JSON array of text). */
export const KEYS = `(SELECT jsonb_array_elements_text($1::jsonb))`;
const UUID_KEYS = `(SELECT jsonb_array_elements_text($1::jsonb)::uuid)`;

export type CandidateRow = Record<string, unknown> & { readonly key: string; readonly borrowerId?: string | null };

/**
 * One sweep of the retention job: how to find the records of a kind that may be past their period,
 * how the pure rule decides each, and the tables a due record spans, parents first (archived in
 * this order, deleted in the reverse), each with the rows of the batch's due keys (`$1`).
 */
export interface Sweep {
  readonly kind: RetentionKind;
  /** uuid keys (the cursor starts at the nil uuid) or text keys (it starts at ''). */
  readonly uuidKeys: boolean;
  /** Keys per batch (records with many rows under them take fewer). */
  readonly batch: number;
  /**
   * The records matching `filter` (the keyset cursor `$1`: the next window of keys, whatever their
   * age, so one statement reads at most `$2` rows however few are due; or the due keys `$1`, rechecked
   * and locked with `lock` for the batch's transaction), first `$2` by key, with the facts the rule needs.
   */
  readonly select: (filter: string, lock: boolean) => string;
  /** Whether the candidates carry a borrowerId whose holds the rule needs. */
  readonly needsBorrower: boolean;
  /** `sessionNow`: the sessions' own clock (real time; behind `now` while the sandbox's demo clock is moved ahead). */
  readonly decide: (row: CandidateRow, borrower: BorrowerHoldFacts | undefined, policy: RetentionPolicy, now: Date, sessionNow: Date) => RetentionVerdict;
  readonly tables: readonly { readonly table: string; readonly where: string }[];
}

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const num = (v: unknown): number => Number(v ?? 0);
const IDLE: BorrowerHoldFacts = { openLines: 0, openDrawdowns: 0, openWorkOrders: 0 };

/** Open work orders, by their status index (few rows are open at any time). */
const OPEN_WORK_ORDER = `w.status IN ('open', 'assigned', 'in_progress')`;

/** Holds of the batch's borrowers (`$1`): open lines (expired ones still owing count), drawdowns, work orders. */
export const BORROWER_HOLDS = `SELECT b.id::text AS id,
  (SELECT count(*) FROM "CreditLine" l WHERE l."borrowerId" = b.id AND (l.status IN ('active', 'frozen') OR (l.status = 'expired' AND l."availableFen" < l."limitFen")))::int AS "openLines",
  (SELECT count(*) FROM "Drawdown" d JOIN "CreditLine" l ON l.id = d."creditLineId" WHERE l."borrowerId" = b.id AND d.status IN ('requested', 'disbursing', 'active'))::int AS "openDrawdowns",
  (SELECT count(*) FROM "WorkItem" w WHERE ${OPEN_WORK_ORDER} AND w."borrowerId" = b.id)::int AS "openWorkOrders"
  FROM "Borrower" b WHERE b.id IN ${UUID_KEYS}`;

const APPLICATIONS = `(SELECT id FROM "Application" WHERE "borrowerId" IN ${UUID_KEYS})`;
const LINES = `(SELECT id FROM "CreditLine" WHERE "borrowerId" IN ${UUID_KEYS})`;
const DRAWDOWNS = `(SELECT id FROM "Drawdown" WHERE "creditLineId" IN ${LINES})`;
const REPAYMENTS = `(SELECT id FROM "Repayment" WHERE "creditLineId" IN ${LINES})`;

/** The audit action that records when a borrower's authorised records were found gone (consents count from it). */
export const RECORDS_GONE_ACTION = 'retention.records_gone';

/**
 * The sweeps in the order a run takes them: loan files before consents (a consent's period starts
 * when the records it authorised are gone), consents before audit rows (a kept consent keeps the
 * audit row it counts from). Every root table is aliased `x`.
 */
export const SWEEPS: readonly Sweep[] = [
  {
    kind: 'conversations',
    uuidKeys: true,
    batch: 100,
    select: (filter, lock) => `SELECT x.id::text AS key, x."borrowerId"::text AS "borrowerId", x."updatedAt" AS at, (x."handoffStatus" <> 'bot') AS handoff,
      (SELECT count(*) FROM "WorkItem" w WHERE ${OPEN_WORK_ORDER} AND w."conversationId" = x.id::text)::int AS "openWorkOrders",
      (SELECT count(*) FROM "Message" m WHERE m."conversationId" = x.id AND m."deliveryStatus" = 'pending')::int AS undelivered
      FROM "Conversation" x WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: true,
    decide: (r, borrower, policy, now) =>
      conversationDue({ lastActivityAt: date(r.at), borrower: r.borrowerId ? (borrower ?? IDLE) : undefined, openWorkOrders: num(r.openWorkOrders), handoff: r.handoff === true, undelivered: num(r.undelivered) }, policy, now),
    tables: [
      { table: 'Conversation', where: `id IN ${UUID_KEYS}` },
      { table: 'Message', where: `"conversationId" IN ${UUID_KEYS}` },
      { table: 'ConsoleConversation', where: `"conversationId" IN ${UUID_KEYS}` },
      { table: 'ConversationNote', where: `"conversationId" IN ${UUID_KEYS}` },
      { table: 'ConsolePresence', where: `"conversationId" IN ${UUID_KEYS}` },
    ],
  },
  {
    kind: 'contactLogs',
    uuidKeys: true,
    batch: 1000,
    select: (filter, lock) => `SELECT x.id::text AS key, x."borrowerId"::text AS "borrowerId", x."createdAt" AS at, x.status FROM "ContactLog" x WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: true,
    decide: (r, borrower, policy, now) => contactLogDue({ createdAt: date(r.at), final: ['sent', 'failed', 'suppressed'].includes(String(r.status)), borrower: borrower ?? IDLE }, policy, now),
    tables: [{ table: 'ContactLog', where: `id IN ${UUID_KEYS}` }],
  },
  {
    kind: 'loanRecords',
    uuidKeys: true,
    batch: 100,
    // Under the lock the borrower row is locked: a new application or line for them (FOR KEY SHARE) waits for the batch.
    select: (filter, lock) => `SELECT x.id::text AS key, x.id::text AS "borrowerId", f.at FROM "Borrower" x, LATERAL (SELECT GREATEST(
        (SELECT max(a."updatedAt") FROM "Application" a WHERE a."borrowerId" = x.id),
        (SELECT max(l."updatedAt") FROM "CreditLine" l WHERE l."borrowerId" = x.id),
        (SELECT max(d."updatedAt") FROM "Drawdown" d JOIN "CreditLine" l ON l.id = d."creditLineId" WHERE l."borrowerId" = x.id),
        (SELECT max(r."paidAt") FROM "Repayment" r JOIN "CreditLine" l ON l.id = r."creditLineId" WHERE l."borrowerId" = x.id)) AS at) f
      WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: true,
    decide: (r, borrower, policy, now) => loanRecordsDue({ lastActivityAt: dateOrNull(r.at), borrower: borrower ?? IDLE }, policy, now),
    tables: [
      { table: 'Application', where: `"borrowerId" IN ${UUID_KEYS}` },
      { table: 'Decision', where: `"applicationId" IN ${APPLICATIONS}` },
      { table: 'ReviewAct', where: `"applicationId" IN ${APPLICATIONS}` },
      { table: 'CreditLine', where: `"borrowerId" IN ${UUID_KEYS}` },
      { table: 'Drawdown', where: `"creditLineId" IN ${LINES}` },
      { table: 'Installment', where: `"drawdownId" IN ${DRAWDOWNS}` },
      { table: 'Repayment', where: `"creditLineId" IN ${LINES}` },
      { table: 'RepaymentAllocation', where: `"repaymentId" IN ${REPAYMENTS}` },
      { table: 'LineReview', where: `"borrowerId" IN ${UUID_KEYS}` },
      { table: 'RiskSignal', where: `"borrowerId" IN ${UUID_KEYS}` },
      { table: 'LoanClassification', where: `"creditLineId" IN ${LINES}` },
      // Postings name their drawdown or repayment (refType, refId), or the line itself.
      { table: 'LedgerEntry', where: `"refId" IN (SELECT id::text FROM ${DRAWDOWNS} d UNION ALL SELECT id::text FROM ${REPAYMENTS} r UNION ALL SELECT id::text FROM ${LINES} l)` },
    ],
  },
  {
    kind: 'consents',
    uuidKeys: true,
    batch: 1000,
    select: (filter, lock) => `SELECT x.id::text AS key, x."borrowerId"::text AS "borrowerId", x."grantedAt", x."revokedAt",
      (EXISTS (SELECT 1 FROM "Application" a WHERE a."borrowerId" = x."borrowerId") OR EXISTS (SELECT 1 FROM "CreditLine" l WHERE l."borrowerId" = x."borrowerId")) AS remain,
      (SELECT max(g.at) FROM "AuditLog" g WHERE g.action = '${RECORDS_GONE_ACTION}' AND g."subjectId" = x."borrowerId"::text) AS "goneAt"
      FROM "Consent" x WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: true,
    decide: (r, borrower, policy, now) =>
      consentDue({ grantedAt: date(r.grantedAt), revokedAt: dateOrNull(r.revokedAt), authorisedRecordsRemain: r.remain === true, recordsGoneAt: dateOrNull(r.goneAt), borrower: borrower ?? IDLE }, policy, now),
    tables: [{ table: 'Consent', where: `id IN ${UUID_KEYS}` }],
  },
  {
    kind: 'audit',
    uuidKeys: true,
    batch: 1000,
    select: (filter, lock) => `SELECT x.id::text AS key, x.at,
      CASE WHEN x.action = '${RECORDS_GONE_ACTION}' THEN EXISTS (SELECT 1 FROM "Consent" c WHERE c."borrowerId"::text = x."subjectId") ELSE false END AS marks
      FROM "AuditLog" x WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: false,
    decide: (r, _b, policy, now) => auditDue({ at: date(r.at), marksKeptConsents: r.marks === true }, policy, now),
    tables: [{ table: 'AuditLog', where: `id IN ${UUID_KEYS}` }],
  },
  {
    kind: 'idempotency',
    uuidKeys: true,
    batch: 1000,
    select: (filter, lock) => `SELECT x.id::text AS key, x."createdAt" AS at FROM "IdempotencyRecord" x WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: false,
    decide: (r, _b, policy, now) => (pastPeriod(policy, 'idempotency', date(r.at), now) ? { due: true } : { due: false }),
    tables: [{ table: 'IdempotencyRecord', where: `id IN ${UUID_KEYS}` }],
  },
  {
    kind: 'jobs',
    uuidKeys: true,
    batch: 1000,
    // A cancelled row may carry no doneAt: it counts from when it was written.
    select: (filter, lock) => `SELECT x.id::text AS key, x.status::text AS status, COALESCE(x."doneAt", x."createdAt") AS at FROM "Job" x
      WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: false,
    decide: (r, _b, policy, now) => jobRowDue({ status: String(r.status), finishedAt: date(r.at) }, policy, now),
    tables: [{ table: 'Job', where: `id IN ${UUID_KEYS}` }],
  },
  technical('OtpChallenge', true, `x."expiresAt"`),
  // Sessions count on their own clock, also when the sandbox's demo clock is moved ahead: one still valid on it stays.
  technical('StaffSession', false, `LEAST(x."expiresAt", COALESCE(x."revokedAt", x."expiresAt"))`, true),
  technical('WebSession', false, `LEAST(x."expiresAt", COALESCE(x."revokedAt", x."expiresAt"))`, true),
  technical('CallbackNonce', false, `x."expiresAt"`),
];

/** Short-lived technical rows (SMS codes, sessions, callback nonces): gone a period after they stopped being usable. */
function technical(table: string, uuidKeys: boolean, endedAt: string, session = false): Sweep {
  return {
    kind: 'technical',
    uuidKeys,
    batch: 1000,
    select: (filter, lock) => `SELECT x.id::text AS key, ${endedAt} AS at, ${session ? `(x."revokedAt" IS NULL)` : 'false'} AS open FROM "${table}" x WHERE ${filter} ORDER BY x.id LIMIT $2${forUpdate(lock)}`,
    needsBorrower: false,
    decide: (r, _b, policy, now, sessionNow) => {
      if (!pastPeriod(policy, 'technical', date(r.at), now)) return { due: false };
      return r.open === true && date(r.at).getTime() > sessionNow.getTime() ? { due: false, hold: 'not_final' } : { due: true };
    },
    tables: [{ table, where: `id IN ${uuidKeys ? UUID_KEYS : KEYS}` }],
  };
}

const forUpdate = (lock: boolean): string => (lock ? ' FOR UPDATE OF x' : '');

/** The filters of a sweep's select: after the cursor, or the batch's keys (rechecked under the locks). */
export const afterCursor = (sweep: Sweep): string => (sweep.uuidKeys ? `x.id > $1::uuid` : `x.id > $1`);
export const amongKeys = (sweep: Sweep): string => (sweep.uuidKeys ? `x.id IN ${UUID_KEYS}` : `x.id IN ${KEYS}`);
export const firstKey = (sweep: Sweep): string => (sweep.uuidKeys ? '00000000-0000-0000-0000-000000000000' : '');
