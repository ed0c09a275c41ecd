import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { DEMO_PRODUCTS } from '../../core/index.js';
import { DEFAULT_FLOW_SETTINGS } from '../shared/flowSettings.js';
import { checkModel, type TestEvent } from '../testing/modelCheck.js';
import { createConsentMachine } from './consentMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);
const machine = createConsentMachine(DEMO_PRODUCTS, DEFAULT_FLOW_SETTINGS);

const events = (s: AnyMachineSnapshot): TestEvent[] => {
  const text = (t: string) => ({ type: 'user.text', text: t, id: `m-${t}`, at: AT });
  if (s.matches('recording')) return [{ type: 'xstate.done.actor.recordConsent', output: { consentIds: ['x'] } }, { type: 'xstate.error.actor.recordConsent', error: new Error('db') }];
  return [
    text('1'),
    text('2'),
    text('3'),
    text('同意'),
    text('不同意'),
    text('嗯'),
    { type: 'flow.back', at: AT },
    { type: 'flow.cancel', at: AT },
    { type: 'flow.pause', at: AT },
    { type: 'flow.reprompt', at: AT },
    { type: 'user.media', kind: 'image', id: 'media', at: AT },
  ] as TestEvent[];
};
const serialize = (s: AnyMachineSnapshot) => {
  const c = s.context as { index: number; granted: string[]; refused: string[]; outcome: unknown };
  return JSON.stringify([s.value, s.status, c.index, c.granted, c.refused, c.outcome]);
};

describe('consent machine (model-based)', () => {
  it.each(DEMO_PRODUCTS.map((p) => [p.id]))('reaches every state and never strands the borrower (%s)', (productId) => {
    const report = checkModel(machine, { input: { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT, borrowerId: 'b', applicationId: 'a', productId }, events, serialize });
    expect(report.unreachable).toEqual([]);
    expect(report.deadEnds).toEqual([]);
  });

  it('only ever records a consent that covers every required source, and never a refused one', () => {
    const product = DEMO_PRODUCTS[0]!;
    const report = checkModel(machine, { input: { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT, borrowerId: 'b', applicationId: 'a', productId: product.id }, events, serialize });
    const recording = report.snapshots.filter((s) => s.matches('recording'));
    expect(recording.length).toBeGreaterThan(1);
    for (const s of recording) {
      const { granted, refused } = s.context as { granted: string[]; refused: string[] };
      for (const required of product.dataSources.required) expect(granted).toContain(required);
      expect(granted.filter((g) => refused.includes(g))).toEqual([]);
    }
  });
});
