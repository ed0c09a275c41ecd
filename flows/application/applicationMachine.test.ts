import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { DEMO_PRODUCTS, demoPersona } from '../../core/index.js';
import { DEFAULT_FLOW_SETTINGS } from '../shared/flowSettings.js';
import { checkModel, type TestEvent } from '../testing/modelCheck.js';
import { createApplicationMachine } from './applicationMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);
const machine = createApplicationMachine(DEMO_PRODUCTS, DEFAULT_FLOW_SETTINGS);
const owner = demoPersona('enterprise_owner').profile;

/** Representative answers for each question: one good, one bad, and the special words. */
const ANSWERS: Record<string, string[]> = {
  product: ['1', '2', '随便'],
  name: ['陈思远', '12345'],
  idNumber: [owner.person.idNumber, '430702198605120231'],
  mobile: ['13807360001', '12345'],
  otp: ['123456', 'resend', '12'],
  companyName: [owner.enterprise!.name, '1'],
  uscc: [owner.enterprise!.uscc, 'ABC'],
  role: ['1', '9'],
  purpose: ['1', '99'],
  amount: ['5万', '1000万', '很多'],
};

function events(s: AnyMachineSnapshot): TestEvent[] {
  const ctx = s.context as { field: string | null; prompt: { options?: { value: string }[] } | null };
  const text = (t: string) => ({ type: 'user.text', text: t, id: `m-${t}`, at: AT });
  const common: TestEvent[] = [
    { type: 'flow.back', at: AT } as TestEvent,
    { type: 'flow.cancel', at: AT } as TestEvent,
    { type: 'flow.pause', at: AT } as TestEvent,
    { type: 'flow.reprompt', at: AT } as TestEvent,
    { type: 'user.media', kind: 'sticker', id: 'media', at: AT } as TestEvent,
    { type: 'deadline.due', key: 'nudge', kind: 'nudge', at: AT } as TestEvent,
    { type: 'deadline.due', key: 'otp.expiry', kind: 'otp.expiry', at: AT } as TestEvent,
  ];
  if (s.matches('asking') && ctx.field) return [...common, ...ANSWERS[ctx.field]!.map(text)];
  if (s.matches('resumeOffer')) return [...common, text('continue'), text('restart'), text('嗯？')];
  if (s.matches('confirm')) return [...common, text('submit'), text('edit'), text('cancel'), text('好吗')];
  if (s.matches('correction')) return [...common, text('2'), text('改手机号'), text('随便')];
  if (s.matches('sendingOtp'))
    return [
      { type: 'xstate.done.actor.sendOtp', output: { ok: true, expiresAt: AT + 300_000 } },
      { type: 'xstate.done.actor.sendOtp', output: { ok: false, reason: 'rate_limited' } },
      { type: 'xstate.error.actor.sendOtp', error: new Error('sms down') },
    ];
  if (s.matches('verifyingOtp'))
    return ['ok', 'wrong', 'expired', 'too_many_attempts']
      .map((result): TestEvent => ({ type: 'xstate.done.actor.verifyOtp', output: { result } } as TestEvent))
      .concat([{ type: 'xstate.error.actor.verifyOtp', error: new Error('down') } as TestEvent]);
  // 一键激活: whitelisted or not, or the lookup failing; then 激活, 暂不 or something else.
  if (s.matches('checkingPrecredit'))
    return [
      { type: 'xstate.done.actor.findPrecreditOffer', output: { found: true, entryId: 'e', limit: 10_000_000, annualRate: 0.0648, expiresAt: AT + 86_400_000 } },
      { type: 'xstate.done.actor.findPrecreditOffer', output: { found: false } },
      { type: 'xstate.error.actor.findPrecreditOffer', error: new Error('db down') },
    ];
  if (s.matches('precreditOffered')) return [...common, text('激活'), text('暂不'), text('嗯？')];
  if (s.matches('submitting'))
    return [
      { type: 'xstate.done.actor.submitApplication', output: { status: 'submitted', borrowerId: 'b', applicationId: 'a', borrowerName: '陈思远' } },
      { type: 'xstate.done.actor.submitApplication', output: { status: 'existing', situation: 'has_line', borrowerId: 'b', borrowerName: '陈思远', productId: 'p' } },
      { type: 'xstate.done.actor.submitApplication', output: { status: 'identity_mismatch' } },
      { type: 'xstate.error.actor.submitApplication', error: new Error('db down') },
    ];
  return common;
}

const serialize = (s: AnyMachineSnapshot) => {
  const c = s.context as { field: unknown; correcting: boolean; draft: object; otpFailures: number; outcome: unknown; locale: string };
  return JSON.stringify([s.value, s.status, c.field, c.correcting, Object.keys(c.draft).filter((k) => (c.draft as Record<string, unknown>)[k] !== undefined).sort(), c.otpFailures, c.outcome]);
};

describe('application machine (model-based)', () => {
  it.each([
    ['a new application', { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT }],
    ['a resumed draft', { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT, draft: { productId: DEMO_PRODUCTS[0]!.id, name: '陈思远' } }],
  ])('reaches every state and never strands the borrower: %s', (_label, input) => {
    const report = checkModel(machine, { input, events, serialize });
    expect(report.vertices).toBeGreaterThan(50);
    // A resumed draft starts past the question of which product; a new one never needs resumeOffer.
    const expectedUnreachable = 'draft' in input ? [] : ['application.resumeOffer'];
    expect(report.unreachable).toEqual(expectedUnreachable);
    expect(report.deadEnds).toEqual([]);
  });
});

describe('the model check itself', () => {
  it('finds the stuck borrower when an effect never answers', () => {
    const withoutSubmitResult = (s: AnyMachineSnapshot) => (s.matches('submitting') ? [] : events(s));
    const report = checkModel(machine, { input: { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT }, events: withoutSubmitResult, serialize });
    expect(report.deadEnds.length).toBeGreaterThan(0);
    expect(report.unreachable).toContain('application.submitted');
  });
});
