import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SandboxPaymentGateway } from '../server/providers/index.js';
import { checkBooks } from '../server/services/index.js';
import { createLogger } from '../server/logging/index.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { key, openLineFor, openServices, shanghai, type ServicesHarness } from './servicesHarness.js';

const day0 = shanghai('2026-01-15');
const RECOVERY_AFTER_MS = 120_000;

describe(`payments left half-done, settled by the gateway's record, on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  beforeAll(async () => {
    h = await openServices({ paymentRecoveryAfterMs: RECOVERY_AFTER_MS });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function freshLine() {
    const opened = await openLineFor(h, 'excellent', day0);
    return { borrowerId: opened.borrowerId, line: opened.line! };
  }
  const drawInput = (lineId: string, borrowerId: string, amount = 1_000_000) => ({ lineId, borrowerId, amount, termMonths: 12, method: 'equal_installment' as const, idempotencyKey: key('draw'), at: day0 });
  const books = () => checkBooks(h.db.prisma);
  const pending = (scope: string, k: string) => h.db.prisma.idempotencyRecord.count({ where: { scope, key: k } });
  const nothingToSettle = { disbursements: { completed: 0, undone: 0 }, repayments: { completed: 0, voided: 0 }, failed: 0 };

  it('a payout made but never recorded (the answer was lost) is completed by the recovery job, once', async () => {
    const { borrowerId, line } = await freshLine();
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const input = drawInput(line.lineId, borrowerId);
    h.providers.payments.failNext('disburse', 'lost_response');
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'processing' });
    const held = await h.db.prisma.drawdown.findUniqueOrThrow({ where: { idempotencyKey: input.idempotencyKey } });
    expect(held.status).toBe('disbursing');
    expect(await books()).toEqual([]); // a reservation holds the limit without a loan on the books

    // Too young: the job leaves it alone (a retry of the message may still finish it).
    expect(await h.recovery.run()).toEqual(nothingToSettle);
    h.clock.advance(RECOVERY_AFTER_MS + 1);
    // Older than half the delay, a retry no longer calls the gateway: it answers processing.
    const gateway = vi.spyOn(h.providers.payments, 'disburse');
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'processing' });
    expect(gateway).not.toHaveBeenCalled();
    gateway.mockRestore();

    expect(await h.recovery.run()).toMatchObject({ disbursements: { completed: 1, undone: 0 }, failed: 0 });
    const done = await h.db.prisma.drawdown.findUniqueOrThrow({ where: { id: held.id } });
    expect(done.status).toBe('active');
    const recorded = await h.providers.payments.lookup('disburse', input.idempotencyKey);
    expect(done.paymentRef).toBe(recorded?.ok ? recorded.paymentRef : 'no record');
    expect(await pending('disburse.pending', input.idempotencyKey)).toBe(0);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'drawdown.disbursed', subjectId: held.id, detail: { path: ['recovered'], equals: true } } })).toBe(1);
    // The redelivered message gets the receipt; no money moves again.
    const redelivered = await h.effects.disburse(input);
    expect(redelivered).toMatchObject({ ok: true, receipt: { drawdownId: held.id, amount: 1_000_000, card: h.providers.payments.cardOf(borrowerId) } });
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance + 1_000_000);
    expect(await h.recovery.run()).toEqual(nothingToSettle);
    expect(await books()).toEqual([]);
  });

  it('a reservation the gateway never paid (unavailable) is undone by the recovery job, and a late redelivery does not pay', async () => {
    const { borrowerId, line } = await freshLine();
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const input = drawInput(line.lineId, borrowerId, 2_000_000);
    h.providers.payments.failNext('disburse', 'unavailable');
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'processing' });
    const held = await h.db.prisma.drawdown.findUniqueOrThrow({ where: { idempotencyKey: input.idempotencyKey } });
    expect(Number((await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } })).availableFen)).toBe(line.limit - 2_000_000);

    h.clock.advance(RECOVERY_AFTER_MS + 1);
    expect(await h.recovery.run()).toMatchObject({ disbursements: { completed: 0, undone: 1 }, failed: 0 });
    expect(await h.db.prisma.drawdown.count({ where: { id: held.id } })).toBe(0);
    expect(await h.db.prisma.installment.count({ where: { drawdownId: held.id } })).toBe(0);
    expect(Number((await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } })).availableFen)).toBe(line.limit);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'drawdown.failed', subjectId: held.id, detail: { path: ['recovered'], equals: true } } })).toBe(1);

    const gateway = vi.spyOn(h.providers.payments, 'disburse');
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'payment_failed' });
    expect(gateway).not.toHaveBeenCalled();
    gateway.mockRestore();
    expect(await h.providers.payments.lookup('disburse', input.idempotencyKey)).toBeNull();
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance);
    expect(await books()).toEqual([]);
  });

  it('a retry of the same key soon after an unknown payout outcome resumes it: paid once, reservation finished', async () => {
    const { borrowerId, line } = await freshLine();
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const input = drawInput(line.lineId, borrowerId, 500_000);
    h.providers.payments.failNext('disburse', 'lost_response');
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'processing' });
    const resumed = await h.effects.disburse(input);
    expect(resumed.ok).toBe(true);
    expect(await h.db.prisma.drawdown.count({ where: { idempotencyKey: input.idempotencyKey, status: 'active' } })).toBe(1);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance + 500_000);
    expect(await books()).toEqual([]);
  });

  it('a repayment collected but never stored is applied by the recovery job exactly as the normal path would', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse(drawInput(line.lineId, borrowerId, 3_000_000));
    if (!drawn.ok) throw new Error(drawn.detail);
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const at = shanghai('2026-01-25');
    const input = { lineId: line.lineId, borrowerId, kind: 'partial' as const, amount: 400_000, idempotencyKey: key('repay'), at };
    h.providers.payments.failNext('collect', 'lost_response');
    expect(await h.effects.repay(input)).toMatchObject({ ok: false, reason: 'processing' });
    expect(await pending('repay.pending', input.idempotencyKey)).toBe(1);
    expect(await h.db.prisma.repayment.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(0);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance - 400_000); // the money is gone from the card
    expect(await books()).toEqual([]);

    h.clock.advance(RECOVERY_AFTER_MS + 1);
    expect(await h.recovery.run()).toMatchObject({ repayments: { completed: 1, voided: 0 }, failed: 0 });
    expect(await pending('repay.pending', input.idempotencyKey)).toBe(0);
    const repayment = await h.db.prisma.repayment.findUniqueOrThrow({ where: { idempotencyKey: input.idempotencyKey } });
    expect(Number(repayment.amountFen)).toBe(400_000);
    const redelivered = await h.effects.repay(input);
    if (!redelivered.ok) throw new Error(redelivered.detail);
    const interest = Math.round((3_000_000 * 0.0648 * 10) / 360);
    expect(redelivered.receipt).toMatchObject({ repaymentId: repayment.id, amount: 400_000, interest, principal: 400_000 - interest, outstandingAfter: 3_000_000 - (400_000 - interest) });
    expect(Number((await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } })).availableFen)).toBe(line.limit - redelivered.receipt.outstandingAfter);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance - 400_000);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'repayment.collected', subjectId: repayment.id, detail: { path: ['recovered'], equals: true } } })).toBe(1);
    expect(await books()).toEqual([]);
  });

  it('a repayment intent the gateway never collected is voided by the recovery job, and a late redelivery does not collect', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse(drawInput(line.lineId, borrowerId, 3_000_000));
    if (!drawn.ok) throw new Error(drawn.detail);
    const before = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } });
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const input = { lineId: line.lineId, borrowerId, kind: 'payoff' as const, idempotencyKey: key('repay'), at: shanghai('2026-01-20') };
    h.providers.payments.failNext('collect', 'unavailable');
    expect(await h.effects.repay(input)).toMatchObject({ ok: false, reason: 'processing' });
    expect(await pending('repay.pending', input.idempotencyKey)).toBe(1);

    h.clock.advance(RECOVERY_AFTER_MS + 1);
    expect(await h.recovery.run()).toMatchObject({ repayments: { completed: 0, voided: 1 }, failed: 0 });
    expect(await pending('repay.pending', input.idempotencyKey)).toBe(0);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'repayment.voided', subjectId: line.lineId } })).toBe(1);
    const gateway = vi.spyOn(h.providers.payments, 'collect');
    expect(await h.effects.repay(input)).toMatchObject({ ok: false, reason: 'payment_failed' });
    expect(gateway).not.toHaveBeenCalled();
    gateway.mockRestore();
    const after = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } });
    expect(after.version).toBe(before.version + 1); // moved on once, by recording the intent
    expect({ state: after.state, availableFen: after.availableFen }).toEqual({ state: before.state, availableFen: before.availableFen });
    expect(await h.db.prisma.repayment.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(0);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance);
    expect(await books()).toEqual([]);
  });

  it('a repayment retried soon after an unknown outcome resumes its intent: collected and stored once', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse(drawInput(line.lineId, borrowerId, 3_000_000));
    if (!drawn.ok) throw new Error(drawn.detail);
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const input = { lineId: line.lineId, borrowerId, kind: 'due' as const, idempotencyKey: key('repay'), at: shanghai('2026-01-20') };
    h.providers.payments.failNext('collect', 'unavailable');
    expect(await h.effects.repay(input)).toMatchObject({ ok: false, reason: 'processing' });
    const resumed = await h.effects.repay(input);
    if (!resumed.ok) throw new Error(resumed.detail);
    expect(resumed.receipt.amount).toBe(drawn.receipt.firstDue.amount);
    expect(await h.effects.repay(input)).toEqual(resumed);
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance - resumed.receipt.amount);
    expect(await h.db.prisma.repayment.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);
    expect(await pending('repay.pending', input.idempotencyKey)).toBe(0);
    expect(await books()).toEqual([]);
  });

  it('a repayment while a payout on the line is in flight is refused (busy), charges nothing, and cannot pay towards a loan the recovery then undoes', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse(drawInput(line.lineId, borrowerId, 1_000_000));
    if (!drawn.ok) throw new Error(drawn.detail);
    const second = drawInput(line.lineId, borrowerId, 2_000_000);
    h.providers.payments.failNext('disburse', 'unavailable');
    expect(await h.effects.disburse(second)).toMatchObject({ ok: false, reason: 'processing' });
    const balance = await h.providers.payments.balanceOf(borrowerId);
    const collect = vi.spyOn(h.providers.payments, 'collect');
    for (const kind of ['due', 'payoff'] as const) {
      expect(await h.effects.repay({ lineId: line.lineId, borrowerId, kind, idempotencyKey: key('repay'), at: day0 })).toMatchObject({ ok: false, reason: 'busy' });
    }
    expect(collect).not.toHaveBeenCalled();
    collect.mockRestore();
    expect(await h.providers.payments.balanceOf(borrowerId)).toBe(balance);

    h.clock.advance(RECOVERY_AFTER_MS + 1);
    expect(await h.recovery.run()).toMatchObject({ disbursements: { completed: 0, undone: 1 }, failed: 0 });
    expect(await books()).toEqual([]);
    // Settled: the repayment goes through, on the first loan only.
    const repaid = await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'payoff', idempotencyKey: key('repay'), at: day0 });
    if (!repaid.ok) throw new Error(repaid.detail);
    expect(repaid.receipt).toMatchObject({ principal: 1_000_000, settledDrawdowns: [drawn.receipt.drawdownId], outstandingAfter: 0 });
    expect(await books()).toEqual([]);
  });

  it('a drawdown while a repayment on the line is being collected is refused (busy) and holds no limit; after the repayment is settled it goes through', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse(drawInput(line.lineId, borrowerId, 1_000_000));
    if (!drawn.ok) throw new Error(drawn.detail);
    const repay = { lineId: line.lineId, borrowerId, kind: 'payoff' as const, idempotencyKey: key('repay'), at: day0 };
    h.providers.payments.failNext('collect', 'unavailable');
    expect(await h.effects.repay(repay)).toMatchObject({ ok: false, reason: 'processing' });
    const before = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } });
    const payout = vi.spyOn(h.providers.payments, 'disburse');
    const refused = drawInput(line.lineId, borrowerId, 500_000);
    expect(await h.effects.disburse(refused)).toMatchObject({ ok: false, reason: 'busy' });
    expect(payout).not.toHaveBeenCalled();
    payout.mockRestore();
    expect(await h.db.prisma.drawdown.count({ where: { idempotencyKey: refused.idempotencyKey } })).toBe(0);
    expect((await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: line.lineId } })).availableFen).toBe(before.availableFen);

    const settled = await h.effects.repay(repay); // the redelivery resumes the intent
    if (!settled.ok) throw new Error(settled.detail);
    expect(settled.receipt.outstandingAfter).toBe(0);
    expect(await h.effects.disburse(drawInput(line.lineId, borrowerId, 500_000))).toMatchObject({ ok: true });
    expect(await books()).toEqual([]);
  });

  it('a repayment and a drawdown started together on one line: never both in flight, and the books balance', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse(drawInput(line.lineId, borrowerId, 1_000_000));
    if (!drawn.ok) throw new Error(drawn.detail);
    for (let round = 0; round < 6; round++) {
      const [repaid, lent] = await Promise.all([
        h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'due', idempotencyKey: key('repay'), at: day0 }),
        h.effects.disburse(drawInput(line.lineId, borrowerId, 200_000)),
      ]);
      expect([repaid.ok || repaid.reason, lent.ok || lent.reason]).not.toEqual(['busy', 'busy']);
    }
    expect(await h.db.prisma.drawdown.count({ where: { creditLineId: line.lineId, status: 'disbursing' } })).toBe(0);
    expect(await books()).toEqual([]);
  });

  it('the gateway\'s records survive a new gateway instance on the same database (a restart) and recovery uses them', async () => {
    const { borrowerId, line } = await freshLine();
    const input = drawInput(line.lineId, borrowerId, 700_000);
    h.providers.payments.failNext('disburse', 'unavailable');
    expect(await h.effects.disburse(input)).toMatchObject({ ok: false, reason: 'processing' });
    // Another process (the same gateway after a restart) pays under the key; this one never hears of it.
    const restarted = new SandboxPaymentGateway(h.db.prisma, createLogger('silent'));
    const held = await h.db.prisma.drawdown.findUniqueOrThrow({ where: { idempotencyKey: input.idempotencyKey } });
    const paid = await restarted.disburse({ idempotencyKey: input.idempotencyKey, borrowerId, amount: 700_000, reference: 'DD-restart', at: day0 });
    expect(await h.providers.payments.lookup('disburse', input.idempotencyKey)).toEqual(paid);
    h.clock.advance(RECOVERY_AFTER_MS + 1);
    expect(await h.recovery.run()).toMatchObject({ disbursements: { completed: 1, undone: 0 } });
    expect((await h.db.prisma.drawdown.findUniqueOrThrow({ where: { id: held.id } })).paymentRef).toBe(paid.ok ? paid.paymentRef : '');
    expect(await books()).toEqual([]);
  });

  it('checkBooks finds a corrupted row: an available limit, an instalment, a ledger entry', async () => {
    const { borrowerId, line } = await freshLine();
    const drawn = await h.effects.disburse(drawInput(line.lineId, borrowerId, 1_500_000));
    if (!drawn.ok) throw new Error(drawn.detail);
    const repaid = await h.effects.repay({ lineId: line.lineId, borrowerId, kind: 'partial', amount: 300_000, idempotencyKey: key('repay'), at: shanghai('2026-01-25') });
    if (!repaid.ok) throw new Error(repaid.detail);
    expect(await books()).toEqual([]);

    await h.db.prisma.creditLine.update({ where: { id: line.lineId }, data: { availableFen: { increment: 100 } } });
    expect(await books()).toEqual(expect.arrayContaining([expect.objectContaining({ lineId: line.lineId, check: 'line available = state available' })]));
    await h.db.prisma.creditLine.update({ where: { id: line.lineId }, data: { availableFen: { decrement: 100 } } });

    const installment = await h.db.prisma.installment.findFirstOrThrow({ where: { drawdownId: drawn.receipt.drawdownId }, orderBy: { period: 'asc' } });
    await h.db.prisma.installment.update({ where: { id: installment.id }, data: { paidPrincipal: { increment: 1 } } });
    expect(await books()).toEqual(expect.arrayContaining([expect.objectContaining({ drawdownId: drawn.receipt.drawdownId, check: 'instalment rows owe = state owes' })]));
    await h.db.prisma.installment.update({ where: { id: installment.id }, data: { paidPrincipal: { decrement: 1 } } });

    const entry = await h.db.prisma.ledgerEntry.findFirstOrThrow({ where: { refType: 'repayment', refId: repaid.receipt.repaymentId, account: 'loan_principal' } });
    await h.db.prisma.ledgerEntry.delete({ where: { id: entry.id } });
    const found = await books();
    expect(found).toEqual(expect.arrayContaining([
      expect.objectContaining({ repaymentId: repaid.receipt.repaymentId, check: 'ledger principal repaid = allocations' }),
      expect.objectContaining({ postingId: entry.postingId, check: 'posting debits = credits' }),
      expect.objectContaining({ lineId: line.lineId, check: 'limit − available = ledger loan principal + reserved' }),
    ]));
    await h.db.prisma.ledgerEntry.create({ data: entry });
    expect(await books()).toEqual([]);
  });
});
