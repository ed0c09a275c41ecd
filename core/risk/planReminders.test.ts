import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, formatIsoDate, parseIsoDate, shanghaiDayNumber, shanghaiMinuteOfDay, shanghaiMoment } from '../calendar/index.js';
import { DEFAULT_CONTACT_RULES, planReminders, REMINDER_STEPS, type ContactRecord, type ContactRules, type ReminderLoan, type ReminderPlan } from './planReminders.js';

const at = (date: string, time: string): number => {
  const d = parseIsoDate(date);
  if (d === null) throw new Error(date);
  return shanghaiMoment(daysFromCivil(d.year, d.month, d.day), Number(time.slice(0, 2)) * 60 + Number(time.slice(3)));
};
const plan = (loans: readonly ReminderLoan[], now: number, history: readonly ContactRecord[] = [], rules: ContactRules = DEFAULT_CONTACT_RULES): ReminderPlan => {
  const r = planReminders(loans, now, history, rules);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const loan = (id: string, dueDate = '2025-07-10', patch: Partial<ReminderLoan['contact']> = {}, borrowerId = `B-${id}`): ReminderLoan => ({
  loanId: id, borrowerId, installments: [{ seq: 1, dueDate, outstanding: 862_872 }], contact: { channel: 'wechat', optedOut: false, ...patch },
});
const sent = (p: ReminderPlan, now: number): ContactRecord[] => p.due.map((r) => ({ borrowerId: r.borrowerId, at: now, key: r.key }));

describe('planReminders', () => {
  it('sends T−3 at 10:00 three days before the due date and says when to ask next', () => {
    expect(plan([loan('L1')], at('2025-07-07', '09:59'))).toEqual({ due: [], nextAt: at('2025-07-07', '10:00'), suppressed: [] });
    const p = plan([loan('L1')], at('2025-07-07', '10:00'));
    expect(p.due).toEqual([{
      key: 'L1:1:T-3', loanId: 'L1', borrowerId: 'B-L1', installmentSeq: 1, kind: 'T-3', escalation: 0, channel: 'wechat',
      dueDate: '2025-07-10', outstanding: 862_872, dpd: -3, scheduledAt: at('2025-07-07', '10:00'),
    }]);
    expect(p.nextAt).toBe(at('2025-07-09', '10:00'));
  });

  it('is idempotent: with its own output in the history it returns nothing again', () => {
    const now = at('2025-07-07', '10:05');
    const p = plan([loan('L1')], now);
    expect(plan([loan('L1')], now)).toEqual(p);
    expect(plan([loan('L1')], now, sent(p, now))).toEqual({ due: [], nextAt: at('2025-07-09', '10:00'), suppressed: [] });
  });

  it('moves a step whose moment falls in quiet hours to the next allowed moment, never skipping it', () => {
    const late = [loan('L1', '2025-07-10', { preferredTime: '22:30' })];
    expect(plan(late, at('2025-07-07', '22:40'))).toEqual({ due: [], nextAt: at('2025-07-08', '08:00'), suppressed: [] });
    expect(plan(late, at('2025-07-08', '08:00')).due.map((r) => [r.kind, r.scheduledAt])).toEqual([['T-3', at('2025-07-08', '08:00')]]);
  });

  it('sends nothing during quiet hours, even when a step is overdue for sending', () => {
    expect(plan([loan('L1')], at('2025-07-07', '23:00'))).toEqual({ due: [], nextAt: at('2025-07-08', '08:00'), suppressed: [] });
    expect(plan([loan('L1')], at('2025-07-08', '07:59')).nextAt).toBe(at('2025-07-08', '08:00'));
  });

  it('after an outage sends only the latest step and reports the superseded ones', () => {
    const p = plan([loan('L1')], at('2025-07-20', '12:00'));
    expect(p.due.map((r) => [r.kind, r.dpd, r.escalation])).toEqual([['DPD7', 10, 2]]);
    expect(p.suppressed.map((s) => `${s.key}:${s.reason}`)).toEqual(['L1:1:DPD1:superseded', 'L1:1:DPD3:superseded', 'L1:1:DUE:superseded', 'L1:1:T-1:superseded', 'L1:1:T-3:superseded']);
    expect(p.nextAt).toBe(at('2025-07-25', '10:00'));
    // Once DPD7 is sent, the earlier steps are never sent.
    const after = plan([loan('L1')], at('2025-07-20', '12:00'), sent(p, at('2025-07-20', '12:00')));
    expect(after.due).toEqual([]);
  });

  it('caps contacts per borrower per Shanghai day and defers the rest to the next morning', () => {
    const loans = ['A', 'B', 'C', 'D'].map((id) => loan(id, '2025-07-10', {}, 'same-borrower'));
    const now = at('2025-07-11', '10:00');
    const p = plan(loans, now, [{ borrowerId: 'same-borrower', at: at('2025-07-11', '09:00') }]);
    expect(p.due.map((r) => r.key)).toEqual(['A:1:DPD1', 'B:1:DPD1']);
    expect(p.nextAt).toBe(at('2025-07-12', '08:00'));
    const later = plan(loans, at('2025-07-12', '08:00'), [...sent(p, now), { borrowerId: 'same-borrower', at: at('2025-07-11', '09:00') }]);
    expect(later.due.map((r) => r.key)).toEqual(['C:1:DPD1', 'D:1:DPD1']);
  });

  it('honours opt-outs and paid instalments, and stops after DPD30', () => {
    const p = plan([loan('L1', '2025-07-10', { optedOut: true })], at('2025-07-07', '10:00'));
    expect(p).toEqual({ due: [], nextAt: null, suppressed: [{ key: 'L1:1:T-3', reason: 'opted_out' }] });
    const paid: ReminderLoan = { ...loan('L2'), installments: [{ seq: 1, dueDate: '2025-07-10', outstanding: 0 }] };
    expect(plan([paid], at('2025-07-11', '10:00'))).toEqual({ due: [], nextAt: null, suppressed: [] });
    const p30 = plan([loan('L3')], at('2025-08-09', '10:00'));
    expect(p30.due.map((r) => [r.kind, r.escalation])).toEqual([['DPD30', 4]]);
    expect(p30.nextAt).toBeNull();
  });

  it('returns typed errors for malformed input', () => {
    const code = (loans: unknown, now = at('2025-07-07', '10:00'), rules: ContactRules = DEFAULT_CONTACT_RULES) => {
      const r = planReminders(loans as ReminderLoan[], now, [], rules);
      return r.ok ? 'OK' : r.error.code;
    };
    expect(code([loan('L1'), loan('L1')])).toBe('REMINDER_INPUT_INVALID');
    expect(code([{ ...loan('L1'), installments: [{ seq: 1, dueDate: '2025-02-30', outstanding: 1 }] }])).toBe('REMINDER_INPUT_INVALID');
    expect(code([{ ...loan('L1'), installments: [{ seq: 1, dueDate: '2025-07-10', outstanding: -5 }] }])).toBe('REMINDER_INPUT_INVALID');
    expect(code([loan('L1', '2025-07-10', { preferredTime: '25:00' })])).toBe('REMINDER_INPUT_INVALID');
    expect(code([], Number.NaN)).toBe('REMINDER_INPUT_INVALID');
    expect(code([{ loanId: 'L', borrowerId: 'B', installments: [] }])).toBe('REMINDER_INPUT_INVALID');
    expect(code([{ ...loan('L1'), installments: [null] }])).toBe('REMINDER_INPUT_INVALID');
    expect(code('not a list')).toBe('REMINDER_INPUT_INVALID');
    expect(code([], 0, { ...DEFAULT_CONTACT_RULES, maxContactsPerDay: 0 })).toBe('REMINDER_INPUT_INVALID');
  });
});

// ------------------------------------------------------------------------------------------------
// Properties

const hhmm = fc.integer({ min: 0, max: 1439 }).map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
const rulesArb = fc.record({ quietStart: hhmm, quietEnd: hhmm, sendTime: hhmm, maxContactsPerDay: fc.integer({ min: 1, max: 6 }) });
const BASE_DAY = daysFromCivil(2025, 7, 1);
const isoOf = (offset: number) => formatIsoDate(civilFromDays(BASE_DAY + offset));
const loansArb = fc.array(
  fc.record({
    borrower: fc.integer({ min: 0, max: 3 }),
    optedOut: fc.boolean(),
    preferredTime: fc.option(hhmm, { nil: undefined }),
    installments: fc.uniqueArray(fc.record({ seq: fc.integer({ min: 1, max: 12 }), dayOffset: fc.integer({ min: 0, max: 60 }), outstanding: fc.constantFrom(0, 100_000, 862_872) }), { selector: (i) => i.seq, minLength: 1, maxLength: 3 }),
  }),
  { minLength: 1, maxLength: 4 },
).map((xs) => xs.map((x, i): ReminderLoan => ({
  loanId: `L${i}`,
  borrowerId: `B${x.borrower}`,
  installments: x.installments.map((inst) => ({ seq: inst.seq, dueDate: isoOf(inst.dayOffset), outstanding: inst.outstanding })),
  contact: { channel: 'sms', optedOut: x.optedOut, ...(x.preferredTime === undefined ? {} : { preferredTime: x.preferredTime }) },
})));
const nowArb = fc.integer({ min: (BASE_DAY - 5) * 86_400_000, max: (BASE_DAY + 100) * 86_400_000 });
const historyArb = (loans: readonly ReminderLoan[]) => fc.array(
  fc.record({
    loan: fc.integer({ min: 0, max: loans.length - 1 }),
    step: fc.integer({ min: 0, max: REMINDER_STEPS.length - 1 }),
    keyed: fc.boolean(),
    at: fc.integer({ min: (BASE_DAY - 5) * 86_400_000, max: (BASE_DAY + 100) * 86_400_000 }),
  }).map(({ loan: li, step, keyed, at: t }): ContactRecord => {
    const l = loans[li] as ReminderLoan;
    const inst = l.installments[0] as ReminderLoan['installments'][number];
    return { borrowerId: l.borrowerId, at: t, ...(keyed ? { key: `${l.loanId}:${inst.seq}:${(REMINDER_STEPS[step] as (typeof REMINDER_STEPS)[number]).kind}` } : {}) };
  }),
  { maxLength: 6 },
);
const quietAt = (r: ContactRules, ms: number): boolean => {
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  const [s, e, m] = [toMin(r.quietStart), toMin(r.quietEnd), shanghaiMinuteOfDay(ms)];
  return s === e ? false : s < e ? m >= s && m < e : m >= s || m < e;
};
const scenario = fc.tuple(loansArb, rulesArb, nowArb).chain(([loans, rules, now]) => historyArb(loans).map((history) => ({ loans, rules, now, history })));

describe('planReminders (properties)', () => {
  it('same input → same output', () => {
    fc.assert(fc.property(scenario, ({ loans, rules, now, history }) => {
      expect(planReminders(loans, now, history, rules)).toEqual(planReminders(structuredClone(loans), now, structuredClone(history), { ...rules }));
    }), { numRuns: 2000 });
  });

  it('its output fed back as history is never returned again; nothing is due in quiet hours; nextAt is later and outside quiet hours', () => {
    fc.assert(fc.property(scenario, ({ loans, rules, now, history }) => {
      const p = plan(loans, now, history, rules);
      if (p.due.length > 0) expect(quietAt(rules, now)).toBe(false);
      for (const r of p.due) expect(history.some((h) => h.key === r.key)).toBe(false);
      if (p.nextAt !== null) {
        expect(p.nextAt).toBeGreaterThan(now);
        expect(quietAt(rules, p.nextAt)).toBe(false);
      }
      const again = plan(loans, now, [...history, ...sent(p, now)], rules);
      expect(again.due).toEqual([]);
    }), { numRuns: 3000 });
  });

  it('a scheduler that follows nextAt, restarts and has outages never repeats, never sends out of order, in quiet hours or over the cap, and always sends the latest step', () => {
    const sim = fc.record({
      loans: loansArb,
      rules: rulesArb,
      outages: fc.array(fc.integer({ min: 0, max: 10 * 86_400_000 }), { minLength: 40, maxLength: 40 }),
      outageEvery: fc.integer({ min: 2, max: 50 }),
    });
    fc.assert(fc.property(sim, ({ loans, rules, outages, outageEvery }) => {
      const history: ContactRecord[] = [];
      let now = (BASE_DAY - 5) * 86_400_000;
      for (let i = 0; i < 200; i++) {
        const p = plan(loans, now, history, rules);
        if (p.due.length > 0) expect(quietAt(rules, now)).toBe(false);
        history.push(...sent(p, now));
        if (p.nextAt === null) break;
        now = p.nextAt + (i % outageEvery === outageEvery - 1 ? (outages[i % outages.length] as number) : 0);
      }
      const keys = history.map((h) => h.key as string);
      expect(new Set(keys).size).toBe(keys.length);
      const perDay = new Map<string, number>();
      const lastStep = new Map<string, number>();
      for (const h of history) {
        const day = `${h.borrowerId}@${shanghaiDayNumber(h.at)}`;
        perDay.set(day, (perDay.get(day) ?? 0) + 1);
        const [loanId, seq, kind] = (h.key as string).split(':');
        const step = REMINDER_STEPS.findIndex((s) => s.kind === kind);
        const inst = `${loanId}:${seq}`;
        expect(step).toBeGreaterThan(lastStep.get(inst) ?? -1);
        lastStep.set(inst, step);
      }
      for (const n of perDay.values()) expect(n).toBeLessThanOrEqual(rules.maxContactsPerDay);
      // Every unpaid instalment of a borrower who did not opt out ends with its final step sent.
      for (const l of loans) for (const inst of l.installments) {
        const done = lastStep.get(`${l.loanId}:${inst.seq}`);
        if (inst.outstanding === 0 || l.contact.optedOut) expect(done).toBeUndefined();
        else expect(done).toBe(REMINDER_STEPS.length - 1);
      }
    }), { numRuns: 2000 });
  });

  it('without outages or cap pressure every step is sent exactly once, in order', () => {
    fc.assert(fc.property(rulesArb, fc.option(hhmm, { nil: undefined }), fc.integer({ min: 0, max: 30 }), (rules, preferredTime, offset) => {
      const l: ReminderLoan = { loanId: 'L', borrowerId: 'B', installments: [{ seq: 1, dueDate: isoOf(offset), outstanding: 1 }], contact: { channel: 'app', optedOut: false, ...(preferredTime === undefined ? {} : { preferredTime }) } };
      const history: ContactRecord[] = [];
      let now = (BASE_DAY - 5) * 86_400_000;
      for (let i = 0; i < 20; i++) {
        const p = plan([l], now, history, rules);
        history.push(...sent(p, now));
        if (p.nextAt === null) break;
        now = p.nextAt;
      }
      expect(history.map((h) => (h.key as string).split(':')[2])).toEqual(REMINDER_STEPS.map((s) => s.kind));
    }), { numRuns: 2000 });
  });
});
