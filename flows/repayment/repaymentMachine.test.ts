import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { drawdownFixture, lineFixture } from '../testing/fixtures.js';
import { checkModel, type TestEvent } from '../testing/modelCheck.js';
import { createRepaymentMachine } from './repaymentMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);
const machine = createRepaymentMachine();
const oneLoan = lineFixture({}, [drawdownFixture('d1')]);
const twoLoans = lineFixture({ outstanding: 4_000_000, payoffToday: 4_000_000 }, [drawdownFixture('d1'), drawdownFixture('d2', { principal: 1_000_000, outstanding: 1_000_000, payoffToday: 1_000_000, method: 'daily_revolving' })]);
const receipt = { repaymentId: 'r', reference: 'R', amount: 258_862, penalty: 0, interest: 16_200, principal: 242_662, unapplied: 0, card: '0001', paidAt: AT, availableAfter: 7_242_662, settledDrawdowns: [], outstandingAfter: 2_757_338 };

const events = (s: AnyMachineSnapshot): TestEvent[] => {
  const text = (t: string) => ({ type: 'user.text', text: t, id: `m-${t}`, at: AT });
  if (s.matches('loading') || s.matches('reloading')) {
    const id = 'loadAccount';
    return [
      { type: `xstate.done.actor.${id}`, output: { borrowerId: 'b', lines: [oneLoan] } },
      { type: `xstate.done.actor.${id}`, output: { borrowerId: 'b', lines: [twoLoans] } },
      { type: `xstate.done.actor.${id}`, output: { borrowerId: 'b', lines: [lineFixture({ outstanding: 0, payoffToday: 0, nextDue: null })] } },
      { type: `xstate.error.actor.${id}`, error: new Error('db') },
    ];
  }
  if (s.matches('paying'))
    return [
      { type: 'xstate.done.actor.repay', output: { ok: true, receipt } },
      { type: 'xstate.done.actor.repay', output: { ok: true, receipt: { ...receipt, outstandingAfter: 0 } } },
      { type: 'xstate.done.actor.repay', output: { ok: false, reason: 'insufficient_funds', detail: 'card' } },
      { type: 'xstate.done.actor.repay', output: { ok: false, reason: 'nothing_due', detail: '' } },
      { type: 'xstate.error.actor.repay', error: new Error('boom') },
    ];
  return [
    text('1'),
    text('2'),
    text('3'),
    text('4'),
    text('5000'),
    text('100万'),
    text('好多'),
    text('确认还款'),
    { type: 'flow.back', at: AT },
    { type: 'flow.cancel', at: AT },
    { type: 'flow.reprompt', at: AT },
  ] as TestEvent[];
};
const serialize = (s: AnyMachineSnapshot) => {
  const c = s.context as { kind: unknown; drawdownId: unknown; amount: unknown; mode: unknown; outcome: unknown; line: { drawdowns: unknown[] } | null };
  return JSON.stringify([s.value, s.status, c.kind, c.drawdownId ?? null, c.amount, c.mode ?? null, c.outcome, c.line?.drawdowns.length ?? -1]);
};

describe('repayment machine (model-based)', () => {
  const report = checkModel(machine, { input: { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT, borrowerId: 'b' }, events, serialize });

  it('reaches every state and never strands the borrower', () => {
    expect(report.unreachable).toEqual([]);
    expect(report.deadEnds).toEqual([]);
  });

  it('never asks to collect more than settling would cost', () => {
    for (const s of report.snapshots.filter((x) => x.matches('paying'))) {
      const c = s.context as { kind: string; amount: number | null; line: { payoffToday: number } };
      if (c.kind === 'partial') expect(c.amount!).toBeLessThan(c.line.payoffToday);
    }
  });
});
