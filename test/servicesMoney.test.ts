import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SANDBOX_CARD_BALANCE } from '../server/providers/index.js';
import { checkBooks } from '../server/services/index.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { key, openLineFor, openServices, shanghai, type ServicesHarness } from './servicesHarness.js';

const day0 = shanghai('2026-01-15');

describe(`drawdowns and repayments on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  beforeAll(async () => {
    h = await openServices();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function freshLine() {
    const opened = await openLineFor(h, 'excellent', day0);
    return { borrowerId: opened.borrowerId, line: opened.line! };
  }
  const counts = async () => ({
    drawdowns: await h.db.prisma.drawdown.count(),
    repayments: await h.db.prisma.repayment.count(),
    ledger: await h.db.prisma.ledgerEntry.count(),
  });

  it('pays a drawdown once per idempotency key, even when the effect runs twice or at once', async () => {
    const { borrowerId, line } = await freshLine();
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const input = { lineId: line.lineId, borrowerId, amount: 3_000_000, termMonths: 12, method: 'equal_installment' as const, idempotencyKey: key('draw'), at: day0 };
    const first = await h.effects.disburse(input);
    const second = await h.effects.disburse(input);
    expect(first.ok).toBe(true);
    expect(second).toEqual(first);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance + 3_000_000);
    expect(await h.db.prisma.drawdown.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);

    const parallel = { ...input, idempotencyKey: key('draw'), amount: 1_000_000 };
    const [a, b] = await Promise.all([h.effects.disburse(parallel), h.effects.disburse(parallel)]);
    expect(a).toEqual(b);
    expect(a.ok).toBe(true);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance + 4_000_000);
    const account = await h.effects.loadAccount({ borrowerId, at: day0 });
    const view = account.lines.find((l) => l.lineId === line.lineId)!;
    expect(view.drawdowns).toHaveLength(2);
    expect(view.available).toBe(line.limit - 4_000_000);
    const disbursements = await h.db.prisma.ledgerEntry.count({ where: { refType: 'disbursement', refId: { in: view.drawdowns.map((d) => d.drawdownId) } } });
    expect(disbursements).toBe(4); // two postings of two entries
  });

  it('undoes the reservation when the payout is declined, and the same key may try again', async () => {
    const { borrowerId, line } = await freshLine();
    const before = await counts();
    h.providers.payments.failNext('disburse', 'declined');
    const input = { lineId: line.lineId, borrowerId, amount: 500_000, termMonths: 6, method: 'equal_installment' as const, idempotencyKey: key('draw'), at: day0 };
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'payment_failed' });
    expect(await counts()).toEqual(before);
    const row = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } });
    expect(Number(row.availableFen)).toBe(line.limit);
    expect(await h.db.prisma.installment.count({ where: { drawdown: { creditLineId: line.lineId } } })).toBe(0);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'drawdown.failed' } })).toBeGreaterThanOrEqual(1);
    const retried = await h.effects.disburse(input);
    expect(retried.ok && retried.receipt.availableAfter).toBe(line.limit - 500_000);
  });

  it('keeps the reservation when the payout outcome is unknown (processing) and resumes it with the same key', async () => {
    const { borrowerId, line } = await freshLine();
    h.providers.payments.failNext('disburse', 'unavailable');
    const input = { lineId: line.lineId, borrowerId, amount: 200_000, termMonths: 3, method: 'equal_installment' as const, idempotencyKey: key('draw'), at: day0 };
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'processing' });
    const held = await h.db.prisma.drawdown.findUniqueOrThrow({ where: { idempotencyKey: input.idempotencyKey } });
    expect(held.status).toBe('disbursing');
    const resumed = await h.effects.disburse(input);
    expect(resumed.ok && resumed.receipt.drawdownId).toBe(held.id);
    expect((await h.db.prisma.drawdown.findUniqueOrThrow({ where: { id: held.id } })).status).toBe('active');
  });

  it('refuses drawdowns over the available limit, on terms not offered, or on another borrower\'s line', async () => {
    const { borrowerId, line } = await freshLine();
    const base = { lineId: line.lineId, borrowerId, termMonths: 12, method: 'equal_installment' as const, at: day0 };
    expect(await h.effects.disburse({ ...base, amount: line.limit + 100, idempotencyKey: key('d') })).toMatchObject({ ok: false, reason: 'limit_exceeded' });
    expect(await h.effects.disburse({ ...base, amount: 100_000, termMonths: 24, idempotencyKey: key('d') })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await h.effects.disburse({ ...base, amount: 50_000, idempotencyKey: key('d') })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await h.effects.disburse({ ...base, method: 'equal_principal', amount: 100_000, idempotencyKey: key('d') })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await h.effects.disburse({ ...base, borrowerId: '00000000-0000-4000-8000-000000000000', amount: 100_000, idempotencyKey: key('d') })).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('insufficient funds change nothing: no repayment, no ledger entry, same line state', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse({ lineId: line.lineId, borrowerId, amount: 3_000_000, termMonths: 12, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 });
    expect(drawn.ok).toBe(true);
    const due = shanghai('2026-02-15');
    const before = await counts();
    const state = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } });
    await h.providers.payments.setBalance(borrowerId, 1_000);
    expect(await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'due', idempotencyKey: key('repay'), at: due })).toMatchObject({ ok: false, reason: 'insufficient_funds' });
    await h.providers.payments.setBalance(borrowerId, SANDBOX_CARD_BALANCE);
    // The sandbox's demo trigger: an amount ending in .44 yuan.
    expect(await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'partial', amount: 500_044, idempotencyKey: key('repay'), at: due })).toMatchObject({ ok: false, reason: 'insufficient_funds' });
    expect(await counts()).toEqual(before);
    const after = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } });
    expect(after.version).toBe(state.version + 2); // moved on by each recorded intent, nothing else
    expect(after.state).toEqual(state.state);
    expect(after.availableFen).toBe(state.availableFen);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(SANDBOX_CARD_BALANCE);
  });

  it('"repay the due instalment" on a fresh loan settles the next instalment ahead of its date (the next due date moves on), once per key', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse({ lineId: line.lineId, borrowerId, amount: 3_000_000, termMonths: 12, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 });
    if (!drawn.ok) throw new Error(drawn.detail);
    const scheduled = await h.db.prisma.installment.findMany({ where: { drawdownId: drawn.receipt.drawdownId }, orderBy: { period: 'asc' } });
    const at = shanghai('2026-01-20');
    const input = { lineId: line.lineId, borrowerId, kind: 'due' as const, idempotencyKey: key('repay'), at };
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const repaid = await h.effects.repay(input);
    if (!repaid.ok) throw new Error(repaid.detail);
    // Instalment 1 as scheduled: its principal and its month's interest.
    const first = scheduled[0]!;
    expect(repaid.receipt).toMatchObject({ amount: drawn.receipt.firstDue.amount, interest: Number(first.interestFen), principal: Number(first.principalFen), penalty: 0, unapplied: 0 });
    expect(repaid.receipt.availableAfter).toBe(line.limit - 3_000_000 + repaid.receipt.principal);
    expect(await h.effects.repay(input)).toEqual(repaid);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance - drawn.receipt.firstDue.amount);
    expect(await h.db.prisma.repayment.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);
    const installments = await h.db.prisma.installment.findMany({ where: { drawdownId: drawn.receipt.drawdownId }, orderBy: { period: 'asc' } });
    expect(installments.map((i) => [i.dueDate, i.principalFen, i.interestFen])).toEqual(scheduled.map((i) => [i.dueDate, i.principalFen, i.interestFen]));
    expect(installments[0]).toMatchObject({ status: 'paid', paidPrincipal: first.principalFen, paidInterest: first.interestFen });
    const allocation = await h.db.prisma.repaymentAllocation.findFirstOrThrow({ where: { repaymentId: repaid.receipt.repaymentId } });
    expect(allocation).toMatchObject({ kind: 'installment', period: 1, installmentId: first.id, drawdownId: drawn.receipt.drawdownId });
    // The account shows the next instalment as next due, and nothing more to pay before its date.
    const account = (await h.effects.loadAccount({ borrowerId, at })).lines.find((l) => l.lineId === line.lineId)!;
    expect(account.nextDue).toEqual({ date: scheduled[1]!.dueDate.toISOString().slice(0, 10), amount: Number(scheduled[1]!.principalFen + scheduled[1]!.interestFen) });
    expect(account.payoffToday).toBe(3_000_000 - repaid.receipt.principal);
  });

  it('pays off once when the same payoff runs twice at the same moment: both get the one receipt', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse({ lineId: line.lineId, borrowerId, amount: 3_000_000, termMonths: 12, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 });
    if (!drawn.ok) throw new Error(drawn.detail);
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const input = { lineId: line.lineId, borrowerId, kind: 'payoff' as const, idempotencyKey: key('repay'), at: shanghai('2026-01-25') };
    const [a, b] = await Promise.all([h.effects.repay(input), h.effects.repay(input)]);
    if (!a.ok) throw new Error(a.detail);
    expect(b).toEqual(a);
    expect(a.receipt.outstandingAfter).toBe(0);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance - a.receipt.amount);
    expect(await h.db.prisma.repayment.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);
  });

  it('applies the money collected to the line as it is when another repayment landed meanwhile', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse({ lineId: line.lineId, borrowerId, amount: 2_000_000, termMonths: 12, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 });
    if (!drawn.ok) throw new Error(drawn.detail);
    const at = shanghai('2026-02-15');
    const payments = h.providers.payments;
    const collect = payments.collect.bind(payments);
    let inner: Awaited<ReturnType<typeof h.effects.repay>> | undefined;
    const spy = vi.spyOn(payments, 'collect').mockImplementationOnce(async (request) => {
      inner = await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'partial', amount: 300_000, idempotencyKey: key('repay'), at });
      return collect(request);
    });
    try {
      const outer = await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'due', idempotencyKey: key('repay'), at });
      if (!outer.ok || !inner?.ok) throw new Error(JSON.stringify({ outer, inner }));
      // The inner repayment paid the instalment due; the outer money became an early repayment.
      expect(inner.receipt.interest + inner.receipt.principal).toBe(300_000);
      expect(outer.receipt.amount).toBe(drawn.receipt.firstDue.amount);
      expect(outer.receipt.outstandingAfter).toBe(2_000_000 - inner.receipt.principal - outer.receipt.principal);
      const row = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } });
      expect(Number(row.availableFen)).toBe(line.limit - outer.receipt.outstandingAfter);
    } finally {
      spy.mockRestore();
    }
  });

  it('a partial repayment goes to interest for the days used then principal; overdue instalments carry penalty interest', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse({ lineId: line.lineId, borrowerId, amount: 1_000_000, termMonths: 6, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 });
    if (!drawn.ok) throw new Error(drawn.detail);
    const partial = await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'partial', amount: 200_000, earlyRepaymentMode: 'reduce_installment', idempotencyKey: key('repay'), at: shanghai('2026-01-25') });
    if (!partial.ok) throw new Error(partial.detail);
    const interest = Math.round((1_000_000 * 0.0648 * 10) / 360);
    expect(partial.receipt).toMatchObject({ amount: 200_000, interest, principal: 200_000 - interest, outstandingAfter: 1_000_000 - (200_000 - interest) });

    // Ten days past the first due date: due now includes penalty interest.
    const late = shanghai('2026-02-25');
    const view = (await h.effects.loadAccount({ borrowerId, at: late })).lines.find((l) => l.lineId === line.lineId)!;
    expect(view.daysPastDue).toBe(10);
    expect(view.overdue).toBeGreaterThan(0);
    const repaid = await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'due', idempotencyKey: key('repay'), at: late });
    if (!repaid.ok) throw new Error(repaid.detail);
    expect(repaid.receipt.penalty).toBeGreaterThan(0);
    expect(repaid.receipt.amount).toBe(view.dueNow);
    const after = (await h.effects.loadAccount({ borrowerId, at: late })).lines.find((l) => l.lineId === line.lineId)!;
    expect(after).toMatchObject({ dueNow: 0, overdue: 0, daysPastDue: 0 });

    const payoff = await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'payoff', drawdownId: drawn.receipt.drawdownId, idempotencyKey: key('repay'), at: late });
    expect(payoff.ok && payoff.receipt.settledDrawdowns).toEqual([drawn.receipt.drawdownId]);
    expect(await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'due', idempotencyKey: key('repay'), at: late })).toMatchObject({ ok: false, reason: 'nothing_due' });
    expect(await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'partial', idempotencyKey: key('repay'), at: late })).toMatchObject({ ok: false, reason: 'invalid' });

    // Every posting balances.
    const rows = await h.db.prisma.ledgerEntry.findMany();
    const byPosting = new Map<string, bigint>();
    for (const r of rows) byPosting.set(r.postingId, (byPosting.get(r.postingId) ?? 0n) + r.debitFen - r.creditFen);
    for (const net of byPosting.values()) expect(net).toBe(0n);
  });

  it('the books balance after everything above: ledger = loans\' balances = lines\' available limits', async () => {
    expect(await checkBooks(h.db.prisma)).toEqual([]);
  });
});
