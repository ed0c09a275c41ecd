import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { drawdownFixture, lineFixture } from '../testing/fixtures.js';
import { checkModel, type TestEvent } from '../testing/modelCheck.js';
import { createDrawdownMachine } from './drawdownMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);
const machine = createDrawdownMachine();
const receipt = { drawdownId: 'dd', reference: 'R1', amount: 3_000_000, termMonths: 12, method: 'equal_installment', annualRate: 0.0648, card: '0001', disbursedAt: AT, firstDue: { date: '2026-12-22', amount: 258_862 }, availableAfter: 4_000_000 };

const events = (s: AnyMachineSnapshot): TestEvent[] => {
  const text = (t: string) => ({ type: 'user.text', text: t, id: `m-${t}`, at: AT });
  if (s.matches('loading'))
    return [
      { type: 'xstate.done.actor.loadAccount', output: { borrowerId: 'b', lines: [lineFixture()] } },
      { type: 'xstate.done.actor.loadAccount', output: { borrowerId: 'b', lines: [lineFixture({ methods: ['equal_installment'] })] } },
      { type: 'xstate.done.actor.loadAccount', output: { borrowerId: 'b', lines: [] } },
      { type: 'xstate.done.actor.loadAccount', output: { borrowerId: 'b', lines: [lineFixture({ available: 0, overdue: 50_000, daysPastDue: 3 }, [drawdownFixture('d1')])] } },
      { type: 'xstate.error.actor.loadAccount', error: new Error('db') },
    ];
  if (s.matches('stepUpSending'))
    return [
      { type: 'xstate.done.actor.sendStepUp', output: { ok: true, expiresAt: AT + 300_000, mobileMasked: '138****8000' } },
      { type: 'xstate.done.actor.sendStepUp', output: { ok: false, reason: 'rate_limited' } },
      { type: 'xstate.done.actor.sendStepUp', output: { ok: false, reason: 'locked' } },
      { type: 'xstate.done.actor.sendStepUp', output: { ok: false, reason: 'no_mobile' } },
      { type: 'xstate.error.actor.sendStepUp', error: new Error('sms down') },
    ];
  if (s.matches('stepUpVerifying'))
    return (['ok', 'wrong', 'expired', 'too_many_attempts'] as const)
      .map((result): TestEvent => ({ type: 'xstate.done.actor.verifyStepUp', output: { result } }))
      .concat([{ type: 'xstate.error.actor.verifyStepUp', error: new Error('db') }]);
  if (s.matches('disbursing'))
    return [
      { type: 'xstate.done.actor.disburse', output: { ok: true, receipt } },
      { type: 'xstate.done.actor.disburse', output: { ok: false, reason: 'payment_failed', detail: 'bank' } },
      { type: 'xstate.done.actor.disburse', output: { ok: false, reason: 'limit_exceeded', detail: 'x' } },
      { type: 'xstate.done.actor.disburse', output: { ok: false, reason: 'line_inactive', detail: 'x', freezeReason: 'overdue' } },
      { type: 'xstate.error.actor.disburse', error: new Error('boom') },
    ];
  return [
    text('3万'),
    text('100万'),
    text('5'),
    text('一些钱'),
    text('12'),
    text('7'),
    text('1'),
    text('2'),
    text('确认借款'),
    text('123456'),
    text('重新发送'),
    text('4'),
    { type: 'flow.back', at: AT },
    { type: 'flow.cancel', at: AT },
    { type: 'flow.reprompt', at: AT },
  ] as TestEvent[];
};
const serialize = (s: AnyMachineSnapshot) => {
  const c = s.context as { amount: unknown; termMonths: unknown; method: unknown; outcome: unknown; line: { methods: string[] } | null };
  return JSON.stringify([s.value, s.status, c.amount !== null, c.termMonths !== null, c.method !== null, c.outcome, c.line?.methods.length ?? 0]);
};

describe('drawdown machine (model-based)', () => {
  const report = checkModel(machine, { input: { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT, borrowerId: 'b' }, events, serialize });

  it('reaches every state and never strands the borrower', () => {
    expect(report.unreachable).toEqual([]);
    expect(report.deadEnds).toEqual([]);
  });

  it('never disburses more than is available, and only after a confirmation and its step-up code', () => {
    const disbursing = report.snapshots.filter((s) => s.matches('disbursing'));
    expect(disbursing.length).toBeGreaterThan(0);
    for (const s of disbursing) {
      const c = s.context as { amount: number; line: { available: number }; confirmKey: string | null };
      expect(c.amount).toBeLessThanOrEqual(c.line.available);
      // Keyed by the message that typed the step-up code (the only place the key is set).
      expect(c.confirmKey).toBe('draw:c:m-123456');
    }
  });
});
