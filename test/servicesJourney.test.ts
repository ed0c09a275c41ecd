import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideApplication, DEMO_PERSONAL_PRODUCT, shanghaiDateOf, type CreditLine, type DataSource } from '../core/index.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { asSubmitted, key, openServices, personaApplication, shanghai, type ServicesHarness } from './servicesHarness.js';

const CONSENTED: DataSource[] = ['credit_bureau', 'housing_fund', 'social_security', 'bank'];

/** Per posting, debits equal credits; returns the net balance (debit − credit) per account. */
async function ledger(h: ServicesHarness) {
  const rows = await h.db.prisma.ledgerEntry.findMany();
  const postings = new Map<string, { debit: bigint; credit: bigint }>();
  const accounts: Record<string, number> = {};
  for (const r of rows) {
    const p = postings.get(r.postingId) ?? { debit: 0n, credit: 0n };
    p.debit += r.debitFen;
    p.credit += r.creditFen;
    postings.set(r.postingId, p);
    accounts[r.account] = (accounts[r.account] ?? 0) + Number(r.debitFen - r.creditFen);
  }
  return { rows, postings: [...postings.values()], accounts };
}

describe(`service journey of the excellent persona on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  beforeAll(async () => {
    h = await openServices();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('submit → consent → pull → decide → accept → disburse ¥30,000 → repay due → pay off', async () => {
    const day0 = shanghai('2026-01-15');
    const { effects, db } = h;

    const submitted = asSubmitted(await effects.submitApplication(personaApplication('excellent', day0)));
    expect(submitted.borrowerName).toBe('陈思远');
    await effects.recordConsent({
      borrowerId: submitted.borrowerId, applicationId: submitted.applicationId, conversationId: 'c-excellent', channel: 'web',
      granted: CONSENTED, refused: ['tax'], textVersion: 'auth-2026.1', text: '本人授权贵行查询……', idempotencyKey: key('consent'), at: day0,
    });
    const pulled = await effects.pullData({ borrowerId: submitted.borrowerId, applicationId: submitted.applicationId, sources: CONSENTED, idempotencyKey: key('pull'), at: day0 });
    if (!pulled.ok) throw new Error(`pull refused: ${JSON.stringify(pulled)}`);
    expect(pulled.profile.person.idNumber).toBe('430702198605120230');
    expect(pulled.profile.sources.housing_fund).toEqual({ monthlyContribution: 360_000, months: 96 });

    const decided = decideApplication(DEMO_PERSONAL_PRODUCT, pulled.profile, shanghaiDateOf(day0));
    if (!decided.ok) throw new Error(decided.error.message);
    expect(decided.value.outcome).toBe('approved');
    expect(decided.value.rate).toBe(0.0648);
    const offerExpiresAt = day0 + 7 * 86_400_000;
    const { decisionId } = await effects.recordDecision({ applicationId: submitted.applicationId, decision: decided.value, offerExpiresAt, at: day0 });
    const again = await effects.recordDecision({ applicationId: submitted.applicationId, decision: decided.value, offerExpiresAt, at: day0 });
    expect(again.decisionId).toBe(decisionId);
    expect(await db.prisma.auditLog.count({ where: { action: 'decision.recorded', subjectId: submitted.applicationId } })).toBe(1);
    // A decision for an application that is not there is refused, and nothing of it is written.
    const nowhere = '00000000-0000-4000-8000-000000000000';
    await expect(effects.recordDecision({ applicationId: nowhere, decision: decided.value, offerExpiresAt, at: day0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await db.prisma.auditLog.count({ where: { subjectId: nowhere } })).toBe(0);
    const decisionRow = await db.prisma.decision.findUniqueOrThrow({ where: { id: decisionId } });
    expect(decisionRow).toMatchObject({ outcome: 'approved', grade: 'A', ratePpm: 64_800, aprSimpleBp: Math.round(decided.value.apr!.simple * 10_000) });
    expect(Number(decisionRow.limitFen)).toBe(decided.value.limit);

    const before = await effects.loadAccount({ borrowerId: submitted.borrowerId, at: day0 });
    expect(before.lines).toEqual([]);
    expect(before.pendingOffer).toMatchObject({ applicationId: submitted.applicationId, decisionId, limit: decided.value.limit, annualRate: 0.0648, offerExpiresAt });

    const acceptKey = key('accept');
    const accept = { applicationId: submitted.applicationId, borrowerId: submitted.borrowerId, decisionId, termsVersion: 'terms-2026.1', termsText: '借款合同关键条款……', idempotencyKey: acceptKey, at: day0 + 60_000 };
    const accepted = await effects.acceptOffer(accept);
    if (!accepted.ok) throw new Error(accepted.reason);
    const limit = decided.value.limit;
    expect(accepted.line).toMatchObject({ limit, available: limit, outstanding: 0, annualRate: 0.0648, validUntil: '2029-01-14', status: 'active', minDraw: 100_000, terms: [3, 6, 12] });
    expect(await effects.acceptOffer(accept)).toEqual(accepted);
    expect(await effects.acceptOffer({ ...accept, idempotencyKey: key('accept') })).toEqual({ ok: false, reason: 'already_accepted' });
    const app = await db.prisma.application.findUniqueOrThrow({ where: { id: submitted.applicationId } });
    expect(app.status).toBe('accepted');
    expect(app.termsHash).toMatch(/^[0-9a-f]{64}$/);
    const lineId = accepted.line.lineId;

    const drawn = await effects.disburse({ lineId, borrowerId: submitted.borrowerId, amount: 3_000_000, termMonths: 12, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 + 120_000 });
    if (!drawn.ok) throw new Error(drawn.detail);
    expect(drawn.receipt).toMatchObject({ amount: 3_000_000, termMonths: 12, method: 'equal_installment', annualRate: 0.0648, availableAfter: limit - 3_000_000 });
    expect(drawn.receipt.firstDue.date).toBe('2026-02-15');
    expect(drawn.receipt.card).toMatch(/^6217 \*{4} \*{4} \d{4}$/);
    const installments = await db.prisma.installment.findMany({ where: { drawdownId: drawn.receipt.drawdownId }, orderBy: { period: 'asc' } });
    expect(installments).toHaveLength(12);
    expect(installments.reduce((s, i) => s + Number(i.principalFen), 0)).toBe(3_000_000);
    expect(Number(installments[0]!.principalFen + installments[0]!.interestFen)).toBe(drawn.receipt.firstDue.amount);
    expect((await db.prisma.drawdown.findUniqueOrThrow({ where: { id: drawn.receipt.drawdownId } })).status).toBe('active');

    // First due date: "repay the due instalment" pays exactly instalment 1.
    const due = shanghai('2026-02-15', '09:00');
    const account = await effects.loadAccount({ borrowerId: submitted.borrowerId, at: due });
    expect(account.lines[0]!.dueNow).toBe(drawn.receipt.firstDue.amount);
    const repaid = await effects.repay({ lineId, borrowerId: submitted.borrowerId, kind: 'due', idempotencyKey: key('repay'), at: due });
    if (!repaid.ok) throw new Error(repaid.detail);
    expect(repaid.receipt.amount).toBe(drawn.receipt.firstDue.amount);
    expect(repaid.receipt.principal).toBe(Number(installments[0]!.principalFen));
    expect(repaid.receipt.interest).toBe(Number(installments[0]!.interestFen));
    expect(repaid.receipt.availableAfter).toBe(limit - 3_000_000 + repaid.receipt.principal);
    const paid1 = await db.prisma.installment.findFirstOrThrow({ where: { drawdownId: drawn.receipt.drawdownId, period: 1 } });
    expect(paid1.status).toBe('paid');
    expect(paid1.paidPrincipal).toBe(installments[0]!.principalFen);

    // Pay off two weeks later: interest only for the 14 days used.
    const payoffAt = shanghai('2026-03-01');
    const quote = (await effects.loadAccount({ borrowerId: submitted.borrowerId, at: payoffAt })).lines[0]!;
    const remaining = 3_000_000 - repaid.receipt.principal;
    expect(quote.payoffToday).toBe(remaining + Math.round((remaining * 0.0648 * 14) / 360));
    const payoff = await effects.repay({ lineId, borrowerId: submitted.borrowerId, kind: 'payoff', idempotencyKey: key('payoff'), at: payoffAt });
    if (!payoff.ok) throw new Error(payoff.detail);
    expect(payoff.receipt).toMatchObject({ amount: quote.payoffToday, principal: remaining, availableAfter: limit, outstandingAfter: 0, settledDrawdowns: [drawn.receipt.drawdownId] });

    const after = await effects.loadAccount({ borrowerId: submitted.borrowerId, at: payoffAt });
    expect(after.lines[0]).toMatchObject({ available: limit, outstanding: 0, dueNow: 0, payoffToday: 0 });
    expect(after.lines[0]!.drawdowns[0]!.status).toBe('settled');
    expect(after.pendingOffer).toBeUndefined();
    const row = await db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } });
    expect(Number(row.availableFen)).toBe(limit);
    expect((row.state as unknown as CreditLine).drawdowns[0]!.status).toBe('settled');
    expect((await db.prisma.drawdown.findUniqueOrThrow({ where: { id: drawn.receipt.drawdownId } })).status).toBe('settled');

    // The ledger balances per posting, and a settled loan leaves nothing on the asset accounts.
    const book = await ledger(h);
    expect(book.postings.length).toBeGreaterThanOrEqual(5);
    for (const p of book.postings) expect(p.debit).toBe(p.credit);
    expect(book.accounts.loan_principal).toBe(0);
    expect(book.accounts.interest_receivable ?? 0).toBe(0);
    expect(book.accounts.borrower_settlement).toBe(-3_000_000);
    expect(book.accounts.cash).toBe(repaid.receipt.amount + payoff.receipt.amount);
    expect(-(book.accounts.interest_income ?? 0)).toBe(repaid.receipt.interest + payoff.receipt.interest);

    // Repayments, allocations and an audit trail of every money movement.
    const repayments = await db.prisma.repayment.findMany({ include: { allocations: true }, orderBy: { paidAt: 'asc' } });
    expect(repayments.map((r) => r.kind)).toEqual(['due_installment', 'payoff']);
    expect(repayments[0]!.allocations[0]).toMatchObject({ kind: 'installment', period: 1, installmentId: paid1.id });
    const actions = (await db.prisma.auditLog.findMany({ orderBy: { at: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['application.submitted', 'consent.recorded', 'data_pull.completed', 'decision.recorded', 'offer.accepted', 'drawdown.reserved', 'drawdown.disbursed', 'repayment.collected']));
  });
});
