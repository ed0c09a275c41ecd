import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { DEMO_PRODUCTS, demoPersona } from '../../core/index.js';
import { DEFAULT_FLOW_SETTINGS } from '../shared/flowSettings.js';
import { lineFixture } from '../testing/fixtures.js';
import { checkModel, type TestEvent } from '../testing/modelCheck.js';
import { createOfferMachine } from './offerMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);
const machine = createOfferMachine(DEMO_PRODUCTS, DEFAULT_FLOW_SETTINGS);
const product = DEMO_PRODUCTS[0]!;
const profileOf = (key: 'excellent' | 'blacklisted' | 'thin_file') => demoPersona(key).profile;

const events = (s: AnyMachineSnapshot): TestEvent[] => {
  const text = (t: string) => ({ type: 'user.text', text: t, id: `m-${t}`, at: AT });
  if (s.matches('pulling'))
    return [
      ...(['excellent', 'blacklisted', 'thin_file'] as const).map((k) => ({ type: 'xstate.done.actor.pullData', output: { ok: true, profile: profileOf(k) } })),
      { type: 'xstate.done.actor.pullData', output: { ok: false, reason: 'consent_missing', sources: ['credit_bureau'] } },
      { type: 'xstate.done.actor.pullData', output: { ok: false, reason: 'provider_unavailable', detail: 'down' } },
      { type: 'xstate.error.actor.pullData', error: new Error('boom') },
    ];
  if (s.matches('recording')) return [{ type: 'xstate.done.actor.recordDecision', output: { decisionId: 'd1' } }, { type: 'xstate.error.actor.recordDecision', error: new Error('db') }];
  if (s.matches('accepting'))
    return [
      { type: 'xstate.done.actor.acceptOffer', output: { ok: true, line: lineFixture() } },
      { type: 'xstate.done.actor.acceptOffer', output: { ok: false, reason: 'expired' } },
      { type: 'xstate.done.actor.acceptOffer', output: { ok: false, reason: 'not_found' } },
      { type: 'xstate.done.actor.acceptOffer', output: { ok: false, reason: 'has_line' } },
      { type: 'xstate.error.actor.acceptOffer', error: new Error('db') },
    ];
  if (s.matches('decliningByBorrower') || s.matches('expiring')) return [{ type: 'xstate.done.actor.closeOffer', output: { ok: true } }, { type: 'xstate.error.actor.closeOffer', error: new Error('db') }];
  return [
    text('1'),
    text('2'),
    text('3'),
    text('4'),
    text('我已阅读并同意'),
    text('返回'),
    text('好的'),
    { type: 'deadline.due', key: 'offer.expiry', kind: 'offer.expiry', at: AT },
    { type: 'flow.back', at: AT },
    { type: 'flow.cancel', at: AT },
    { type: 'flow.reprompt', at: AT },
    { type: 'user.media', kind: 'voice', id: 'media', at: AT },
  ] as TestEvent[];
};
const serialize = (s: AnyMachineSnapshot) => {
  const c = s.context as { outcome: unknown; decision: { outcome: string } | null; pending: unknown };
  return JSON.stringify([s.value, s.status, c.outcome, c.decision?.outcome ?? null, c.pending !== null]);
};
const input = { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT, borrowerId: 'b', applicationId: 'a', productId: product.id, granted: ['credit_bureau', 'housing_fund', 'social_security', 'bank'] };

describe('offer machine (model-based)', () => {
  it('reaches every state and never strands the borrower', () => {
    const report = checkModel(machine, { input, events, serialize });
    expect(report.unreachable).toEqual([]);
    expect(report.deadEnds).toEqual([]);
  });

  it('runs the real core decision: approved, declined and manual review all occur, and only approvals are offered', () => {
    const report = checkModel(machine, { input, events, serialize });
    const outcomes = new Set(report.snapshots.map((s) => (s.context as { decision: { outcome: string } | null }).decision?.outcome).filter(Boolean));
    expect([...outcomes].sort()).toEqual(['approved', 'declined', 'manual_review']);
    for (const s of report.snapshots.filter((x) => x.matches('offered') || x.matches('terms') || x.matches('accepting'))) {
      expect((s.context as { pending: unknown }).pending).not.toBeNull();
    }
  });

  it('an expired pending offer is closed, never shown', () => {
    const pending = { applicationId: 'a', decisionId: 'd', productId: product.id, limit: 5_000_000, annualRate: 0.0648, aprSimple: 0.0648, aprCompound: 0.0668, offerExpiresAt: AT - 1 };
    const report = checkModel(machine, { input: { ...input, pending }, events, serialize });
    expect(report.snapshots.some((s) => s.matches('offered'))).toBe(false);
    expect(report.snapshots.some((s) => s.matches('expired'))).toBe(true);
  });
});
