import { openDatabase, type Database } from '../../server/db/index.js';
import { checkBooks } from '../../server/services/checkBooks.js';
import type { BorrowerJourney } from './borrowerJourney.js';

/** Read-only SQL on the run's database, the same for both engines (numbers are selected as text or int). */
interface SqlReader {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The run's database opened in this process through the server's own client: PostgreSQL, or the
 * PGlite directory (only once the server has stopped: PGlite serves one process).
 */
export const openRunDatabase = (target: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string }): Promise<Database> => openDatabase(target);

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** The counts, one line: "duplicates 0 · missing 0 · …". */
  readonly counts: string;
  /** The first offending rows, for a person to look at. */
  readonly examples: string[];
}

const MAX_EXAMPLES = 5;

function result(name: string, counts: Record<string, number | bigint | string>, failures: readonly string[], extraOk = true): CheckResult {
  return {
    name,
    ok: failures.length === 0 && extraOk,
    counts: Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · '),
    examples: failures.slice(0, MAX_EXAMPLES),
  };
}

/**
 * What the database must hold after the run, whatever was killed when: each answered message once
 * (with its reply), one Drawdown per drawdown receipt and one Repayment per repayment receipt, no
 * half-done drawdown or repayment, at most one active line per borrower, and books that agree with
 * the loans (the server's checkBooks: postings balanced, disbursements and repayments booked as
 * recorded, instalments, line state and available limit equal to the ledger).
 */
export async function checkDatabase(db: Database, borrowers: readonly BorrowerJourney[], userPrefix: string): Promise<CheckResult[]> {
  const sql: SqlReader = { query: <T>(text: string, params: unknown[] = []) => db.prisma.$queryRawUnsafe<T[]>(text, ...params) };
  const checks: CheckResult[] = [];
  const like = `${userPrefix}%`;
  const byUser = new Map(borrowers.map((b) => [b.userId, b]));

  // 1. Messages: each answered message stored once, with its reply; nothing stored that was not sent.
  {
    const rows = await sql.query<{ userId: string; cmid: string | null; replies: number }>(
      `SELECT c."externalUserId" AS "userId", m."channelMessageId" AS cmid,
              (SELECT count(*)::int FROM "Message" r WHERE r."replyToId" = m.id) AS replies
         FROM "Conversation" c JOIN "Message" m ON m."conversationId" = c.id
        WHERE c.channel = 'rest' AND m.direction = 'inbound' AND c."externalUserId" LIKE $1`,
      [like],
    );
    const stored = new Map<string, { n: number; replies: number }>();
    for (const r of rows) {
      // The REST channel stores `${userId.length}:${userId}:${messageId}` (server/http/chatRoutes.ts).
      const key = `${r.userId}/${(r.cmid ?? '').split(':').at(-1)}`;
      const s = stored.get(key) ?? { n: 0, replies: 0 };
      stored.set(key, { n: s.n + 1, replies: s.replies + r.replies });
    }
    const failures: string[] = [];
    let answered = 0;
    let missing = 0;
    let duplicates = 0;
    let unreplied = 0;
    const expected = new Set<string>();
    for (const b of borrowers) {
      for (const m of b.answered) {
        answered++;
        const key = `${b.userId}/${m.messageId}`;
        expected.add(key);
        const s = stored.get(key);
        if (!s) {
          missing++;
          failures.push(`${key} (${m.label}) answered but not stored`);
        } else {
          if (s.n > 1) {
            duplicates += s.n - 1;
            failures.push(`${key} (${m.label}) stored ${s.n} times`);
          }
          if (s.replies === 0) {
            unreplied++;
            failures.push(`${key} (${m.label}) stored without a reply`);
          }
        }
      }
      if (b.unanswered) expected.add(`${b.userId}/${b.unanswered.messageId}`); // may or may not have been stored
    }
    let unexpected = 0;
    for (const key of stored.keys()) {
      if (expected.has(key)) continue;
      unexpected++;
      failures.push(`${key} stored but never sent`);
    }
    checks.push(result('each message stored once, with its reply', { answered, stored: rows.length, duplicates, missing, 'without reply': unreplied, 'never sent': unexpected }, failures));
  }

  // 2–3. One Drawdown per drawdown receipt, one Repayment per repayment receipt.
  const owned = async (table: 'Drawdown' | 'Repayment') =>
    sql.query<{ userId: string; id: string; status: string | null; amount: string; key: string }>(
      `SELECT c."externalUserId" AS "userId", x.id::text AS id, ${table === 'Drawdown' ? 'x.status::text' : 'x.kind'} AS status, x."amountFen"::text AS amount, x."idempotencyKey" AS key
         FROM "Conversation" c JOIN "CreditLine" l ON l."borrowerId" = c."borrowerId" JOIN "${table}" x ON x."creditLineId" = l.id
        WHERE c.channel = 'rest' AND c."externalUserId" LIKE $1 ORDER BY x."createdAt"`,
      [like],
    );
  // A payout or collection answered 处理中 may have been completed or undone by the recovery job: one row, or none.
  for (const [table, receipts, unsettled] of [
    ['Drawdown', (b: BorrowerJourney) => b.drawdownReceipts, (b: BorrowerJourney) => b.interrupted.processing.drawdowns],
    ['Repayment', (b: BorrowerJourney) => b.repaymentReceipts, (b: BorrowerJourney) => b.interrupted.processing.repayments],
  ] as const) {
    const rows = await owned(table);
    const found = new Map<string, typeof rows>();
    for (const r of rows) found.set(r.userId, [...(found.get(r.userId) ?? []), r]);
    let expected = 0;
    let processing = 0;
    let settledLater = 0;
    let duplicates = 0;
    let missing = 0;
    let affected = 0;
    const failures: string[] = [];
    for (const [userId, b] of byUser) {
      const want = receipts(b);
      const maybe = unsettled(b);
      const have = found.get(userId) ?? [];
      expected += want;
      processing += maybe;
      if (have.length >= want && have.length <= want + maybe) {
        settledLater += have.length - want;
        continue;
      }
      affected++;
      if (have.length > want) duplicates += have.length - want - maybe;
      else missing += want - have.length;
      failures.push(`${userId}: ${want} receipt(s)${maybe ? ` and ${maybe} 处理中` : ''}, ${have.length} row(s): ${have.map((r) => `¥${Number(r.amount) / 100} ${r.status} key=${r.key}`).join('; ')}`);
    }
    const what = table === 'Drawdown' ? 'drawdown' : 'repayment';
    checks.push(
      result(
        `one ${table} row per ${what} receipt`,
        { receipts: expected, '处理中 answers': processing, rows: rows.length, 'of them stored after 处理中': settledLater, 'extra rows (duplicates)': duplicates, missing, borrowers: affected },
        failures,
      ),
    );
  }

  // 4. Nothing half done: no drawdown still reserved or disbursing, no pending record, no repayment without its allocation.
  {
    const drawdowns = await sql.query<{ id: string; status: string; key: string; age: string }>(
      `SELECT id::text AS id, status::text AS status, "idempotencyKey" AS key, round(extract(epoch FROM now() - "createdAt"))::text AS age
         FROM "Drawdown" WHERE status IN ('requested', 'disbursing')`,
    );
    // Reservations and intents an effect records before calling out (disburse.pending, repay.pending …), removed when it finishes.
    const pending = await sql.query<{ scope: string; n: number }>(`SELECT scope, count(*)::int AS n FROM "IdempotencyRecord" WHERE scope LIKE '%.pending' GROUP BY scope`);
    const pendingTotal = pending.reduce((t, p) => t + p.n, 0);
    const bare = await sql.query<{ id: string }>(`SELECT r.id::text AS id FROM "Repayment" r WHERE NOT EXISTS (SELECT 1 FROM "RepaymentAllocation" a WHERE a."repaymentId" = r.id)`);
    const failures = [
      ...drawdowns.map((d) => `Drawdown ${d.id} still ${d.status} (${d.age} s old, key ${d.key})`),
      ...pending.map((p) => `${p.n} IdempotencyRecord(s) of scope ${p.scope} left`),
      ...bare.map((r) => `Repayment ${r.id} without any allocation`),
    ];
    checks.push(result('nothing half done', { 'drawdowns disbursing': drawdowns.length, 'pending records': pendingTotal, 'repayments without allocation': bare.length }, failures));
  }

  // 5. At most one active line per borrower.
  {
    const rows = await sql.query<{ borrowerId: string; n: number; total: string }>(
      `SELECT "borrowerId"::text AS "borrowerId", count(*)::int AS n, sum("limitFen")::text AS total FROM "CreditLine" WHERE status = 'active' GROUP BY 1`,
    );
    const many = rows.filter((r) => r.n > 1);
    checks.push(
      result(
        'at most one active credit line per borrower',
        { 'borrowers with a line': rows.length, 'with more than one': many.length },
        many.map((r) => `Borrower ${r.borrowerId}: ${r.n} active lines, ¥${Number(r.total) / 100} in all`),
      ),
    );
  }

  // 6. The sandbox gateway's own record (SandboxPayment, by payment reference) against the loans: no
  // money out without its drawdown, no money taken without its repayment, and the other way round.
  {
    const [present] = await sql.query<{ present: boolean }>(`SELECT to_regclass('"SandboxPayment"') IS NOT NULL AS present`);
    if (present?.present) {
      const rows = await sql.query<{ what: string; ref: string; amount: string }>(
        `SELECT 'payout without its drawdown' AS what, p."paymentRef" AS ref, p."amountFen"::text AS amount FROM "SandboxPayment" p
          WHERE p.kind = 'disburse' AND NOT EXISTS (SELECT 1 FROM "Drawdown" d WHERE d."paymentRef" = p."paymentRef" AND d.status IN ('active', 'settled') AND d."amountFen" = p."amountFen")
         UNION ALL
         SELECT 'drawdown without its payout', d.id::text, d."amountFen"::text FROM "Drawdown" d
          WHERE d.status IN ('active', 'settled') AND NOT EXISTS (SELECT 1 FROM "SandboxPayment" p WHERE p.kind = 'disburse' AND p."paymentRef" = d."paymentRef" AND p."amountFen" = d."amountFen")
         UNION ALL
         SELECT 'collection without its repayment', p."paymentRef", p."amountFen"::text FROM "SandboxPayment" p
          WHERE p.kind = 'collect' AND NOT EXISTS (SELECT 1 FROM "Repayment" r WHERE r."paymentRef" = p."paymentRef" AND r."amountFen" = p."amountFen")
         UNION ALL
         SELECT 'repayment without its collection', r.id::text, r."amountFen"::text FROM "Repayment" r
          WHERE NOT EXISTS (SELECT 1 FROM "SandboxPayment" p WHERE p.kind = 'collect' AND p."paymentRef" = r."paymentRef" AND p."amountFen" = r."amountFen")`,
      );
      const [moved] = await sql.query<{ payouts: number; collections: number }>(
        `SELECT count(*) FILTER (WHERE kind = 'disburse')::int AS payouts, count(*) FILTER (WHERE kind = 'collect')::int AS collections FROM "SandboxPayment"`,
      );
      const count = (what: string) => rows.filter((r) => r.what === what).length;
      checks.push(
        result(
          "money moved = money recorded (the sandbox gateway's payments)",
          {
            ...moved!,
            'payouts without drawdown': count('payout without its drawdown'),
            'drawdowns without payout': count('drawdown without its payout'),
            'collections without repayment': count('collection without its repayment'),
            'repayments without collection': count('repayment without its collection'),
          },
          rows.map((r) => `${r.what}: ${r.ref}, ¥${Number(r.amount) / 100}`),
        ),
      );
    }
  }

  // 7. The books equal the balances: the server's own check (server/services/checkBooks.ts) over every line.
  {
    const [counts] = await sql.query<{ lines: number; drawdowns: number; repayments: number; postings: number }>(
      `SELECT (SELECT count(*)::int FROM "CreditLine") AS lines, (SELECT count(*)::int FROM "Drawdown") AS drawdowns,
              (SELECT count(*)::int FROM "Repayment") AS repayments, (SELECT count(DISTINCT "postingId")::int FROM "LedgerEntry") AS postings`,
    );
    const found = await checkBooks(db.prisma);
    const byCheck = new Map<string, number>();
    for (const d of found) byCheck.set(d.check, (byCheck.get(d.check) ?? 0) + 1);
    checks.push(
      result(
        'ledger equals balances (checkBooks)',
        { ...counts!, discrepancies: found.length, ...Object.fromEntries(byCheck) },
        found.map((d) => {
          const where = [d.lineId && `line ${d.lineId}`, d.drawdownId && `drawdown ${d.drawdownId}`, d.repaymentId && `repayment ${d.repaymentId}`, d.postingId && `posting ${d.postingId}`].filter(Boolean).join(', ');
          return `${d.check}: expected ${d.expected}, found ${d.actual} (${where})`;
        }),
      ),
    );
  }
  return checks;
}
