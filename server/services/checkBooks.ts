import { drawdownOutstandingPrincipal, lineOutstandingPrincipal, type CreditLine, type Fen } from '../../core/index.js';
import { Prisma, type PrismaClient } from '../db/generated/client.js';
import { toFen, uuidOrNull } from './persistence.js';

/** One way the books disagree with the loans: what, where, and the two numbers that should be equal. */
export interface Discrepancy {
  readonly lineId: string | null;
  readonly drawdownId?: string;
  readonly repaymentId?: string;
  readonly postingId?: string;
  readonly check: string;
  readonly expected: Fen | string;
  readonly actual: Fen | string;
}

interface LedgerSum {
  refType: string;
  refId: string;
  account: string;
  net: bigint;
}

/**
 * The books balance: the ledger equals the loans' balances and the lines' available limits. Checks,
 * per credit line (all, or `lineIds`):
 * - the line row's limit and available equal its core state, and available = limit − outstanding principal;
 * - limit − available = the ledger's loan principal on the line + the reservations still `disbursing`;
 * - per drawdown: its row is in the core state and the other way round; instalment rows owe what the
 *   state owes; an active or settled drawdown has exactly its amount disbursed in the ledger, and
 *   owes its amount less the principal allocated by repayments; a `disbursing` one has no posting;
 *   settled ones owe nothing;
 * - per repayment: the ledger took its amount in cash and credited principal, interest and penalty as
 *   its allocations say;
 * - receivables: the ledger's interest and penalty receivable on the line equal what the state
 *   recognised and was not yet paid;
 * and over the whole ledger: every posting balances, and no entry points at a drawdown or repayment
 * that does not exist. Returns every disagreement found (empty when the books balance).
 */
export async function checkBooks(prisma: PrismaClient, options: { lineIds?: readonly string[] } = {}): Promise<Discrepancy[]> {
  const ids = options.lineIds?.map((id) => uuidOrNull(id)).filter((id): id is string => id !== null);
  const onLines = ids ? Prisma.sql`WHERE id = ANY(${ids}::uuid[])` : Prisma.empty;
  const ofLines = ids ? Prisma.sql`WHERE "creditLineId" = ANY(${ids}::uuid[])` : Prisma.empty;
  const [lines, drawdowns, repayments, installments, allocations, ledger, unbalanced, orphans] = await Promise.all([
    prisma.$queryRaw<{ id: string; limitFen: bigint; availableFen: bigint; state: CreditLine | null }[]>`SELECT id::text, "limitFen", "availableFen", state FROM "CreditLine" ${onLines}`,
    prisma.$queryRaw<{ id: string; lineId: string; amountFen: bigint; status: string }[]>`SELECT id::text, "creditLineId"::text AS "lineId", "amountFen", status::text FROM "Drawdown" ${ofLines}`,
    prisma.$queryRaw<{ id: string; lineId: string; amountFen: bigint }[]>`SELECT id::text, "creditLineId"::text AS "lineId", "amountFen" FROM "Repayment" ${ofLines}`,
    prisma.$queryRaw<{ drawdownId: string; owed: bigint }[]>`SELECT "drawdownId"::text AS "drawdownId", sum("principalFen" - "paidPrincipal")::bigint AS owed FROM "Installment" GROUP BY "drawdownId"`,
    prisma.$queryRaw<{ repaymentId: string; drawdownId: string | null; principal: bigint; interest: bigint; penalty: bigint }[]>`
      SELECT "repaymentId"::text AS "repaymentId", "drawdownId"::text AS "drawdownId", sum("principalFen")::bigint AS principal, sum("interestFen")::bigint AS interest, sum("penaltyFen")::bigint AS penalty
      FROM "RepaymentAllocation" GROUP BY "repaymentId", "drawdownId"`,
    prisma.$queryRaw<LedgerSum[]>`SELECT "refType", "refId", account, sum("debitFen" - "creditFen")::bigint AS net FROM "LedgerEntry" GROUP BY "refType", "refId", account`,
    prisma.$queryRaw<{ postingId: string; debit: bigint; credit: bigint }[]>`
      SELECT "postingId"::text AS "postingId", sum("debitFen")::bigint AS debit, sum("creditFen")::bigint AS credit FROM "LedgerEntry" GROUP BY "postingId" HAVING sum("debitFen") <> sum("creditFen")`,
    prisma.$queryRaw<{ refType: string; refId: string }[]>`
      SELECT DISTINCT e."refType", e."refId" FROM "LedgerEntry" e
      WHERE (e."refType" IN ('disbursement', 'interest_accrual', 'penalty_accrual') AND NOT EXISTS (SELECT 1 FROM "Drawdown" d WHERE d.id::text = e."refId"))
         OR (e."refType" = 'repayment' AND NOT EXISTS (SELECT 1 FROM "Repayment" r WHERE r.id::text = e."refId"))`,
  ]);

  const found: Discrepancy[] = [];
  const differ = (d: Omit<Discrepancy, 'expected' | 'actual'>, expected: Fen | string, actual: Fen | string) => {
    if (expected !== actual) found.push({ ...d, expected, actual });
  };
  const net = new Map<string, Fen>();
  for (const s of ledger) net.set(`${s.refType}|${s.refId}|${s.account}`, toFen(s.net));
  const ledgerOf = (refType: string, refId: string, account: string): Fen => net.get(`${refType}|${refId}|${account}`) ?? 0;
  const owedRows = new Map(installments.map((i) => [i.drawdownId, toFen(i.owed)]));
  const allocatedTo = new Map<string, Fen>();
  const byRepayment = new Map<string, { principal: Fen; interest: Fen; penalty: Fen }>();
  for (const a of allocations) {
    if (a.drawdownId) allocatedTo.set(a.drawdownId, (allocatedTo.get(a.drawdownId) ?? 0) + toFen(a.principal));
    const r = byRepayment.get(a.repaymentId) ?? { principal: 0, interest: 0, penalty: 0 };
    byRepayment.set(a.repaymentId, { principal: r.principal + toFen(a.principal), interest: r.interest + toFen(a.interest), penalty: r.penalty + toFen(a.penalty) });
  }

  for (const row of lines) {
    const lineId = row.id;
    const state = row.state;
    if (!state) continue; // an offer accepted before its line state was written has no drawdowns
    const limit = toFen(row.limitFen);
    const outstanding = lineOutstandingPrincipal(state);
    differ({ lineId, check: 'line limit = state limit' }, state.limit, limit);
    differ({ lineId, check: 'line available = state available' }, state.available, toFen(row.availableFen));
    differ({ lineId, check: 'state available = limit − outstanding principal' }, state.limit - outstanding, state.available);

    const rows = drawdowns.filter((d) => d.lineId === lineId);
    const inState = new Map(state.drawdowns.map((d) => [d.id, d]));
    let ledgerPrincipal = 0;
    let reserved = 0;
    let interestReceivable = 0;
    let penaltyReceivable = 0;
    for (const d of state.drawdowns) {
      if (!rows.some((r) => r.id === d.id)) found.push({ lineId, drawdownId: d.id, check: 'state drawdown has a Drawdown row', expected: 'row', actual: 'none' });
      for (const i of d.installments) {
        interestReceivable += i.interestRecognized - i.paidInterest;
        penaltyReceivable += i.penaltyRecognized - i.paidPenalty;
      }
    }
    for (const d of rows) {
      const where = { lineId, drawdownId: d.id };
      const amount = toFen(d.amountFen);
      const owed = owedRows.get(d.id) ?? 0;
      const disbursed = ledgerOf('disbursement', d.id, 'loan_principal');
      const s = inState.get(d.id);
      if (!s) found.push({ ...where, check: 'Drawdown row is in the line state', expected: 'in state', actual: 'missing' });
      else differ({ ...where, check: 'instalment rows owe = state owes' }, drawdownOutstandingPrincipal(s), owed);
      if (d.status === 'disbursing') {
        reserved += s ? drawdownOutstandingPrincipal(s) : amount;
        differ({ ...where, check: 'a disbursing drawdown has no disbursement posting' }, 0, disbursed);
        continue;
      }
      differ({ ...where, check: 'ledger disbursed = drawdown amount' }, amount, disbursed);
      differ({ ...where, check: 'instalment rows owe = amount − principal repaid' }, amount - (allocatedTo.get(d.id) ?? 0), owed);
      if (d.status === 'settled') differ({ ...where, check: 'a settled drawdown owes nothing' }, 0, owed);
      ledgerPrincipal += disbursed;
      interestReceivable -= ledgerOf('interest_accrual', d.id, 'interest_receivable');
      penaltyReceivable -= ledgerOf('penalty_accrual', d.id, 'penalty_receivable');
    }
    for (const r of repayments.filter((x) => x.lineId === lineId)) {
      const where = { lineId, repaymentId: r.id };
      const parts = byRepayment.get(r.id) ?? { principal: 0, interest: 0, penalty: 0 };
      differ({ ...where, check: 'ledger cash in = repayment amount' }, toFen(r.amountFen), ledgerOf('repayment', r.id, 'cash'));
      differ({ ...where, check: 'ledger principal repaid = allocations' }, parts.principal, -ledgerOf('repayment', r.id, 'loan_principal'));
      differ({ ...where, check: 'ledger interest repaid = allocations' }, parts.interest, -ledgerOf('repayment', r.id, 'interest_receivable'));
      differ({ ...where, check: 'ledger penalty repaid = allocations' }, parts.penalty, -ledgerOf('repayment', r.id, 'penalty_receivable'));
      ledgerPrincipal += ledgerOf('repayment', r.id, 'loan_principal');
      interestReceivable -= ledgerOf('repayment', r.id, 'interest_receivable');
      penaltyReceivable -= ledgerOf('repayment', r.id, 'penalty_receivable');
    }
    differ({ lineId, check: 'limit − available = ledger loan principal + reserved' }, limit - toFen(row.availableFen), ledgerPrincipal + reserved);
    differ({ lineId, check: 'ledger interest receivable = interest recognised − paid' }, 0, interestReceivable);
    differ({ lineId, check: 'ledger penalty receivable = penalty recognised − paid' }, 0, penaltyReceivable);
  }
  if (!ids) {
    for (const p of unbalanced) found.push({ lineId: null, postingId: p.postingId, check: 'posting debits = credits', expected: toFen(p.debit), actual: toFen(p.credit) });
    for (const o of orphans) found.push({ lineId: null, check: `${o.refType} entries point at an existing row`, expected: o.refId, actual: 'none' });
  }
  return found;
}
