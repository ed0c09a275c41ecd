import { describe, expect, it } from 'vitest';
import { DEFAULT_YEARLY_REVIEW_POLICY, yearlyReview } from './yearlyReview.js';

const input = { limit: 10_000_000, outstanding: 2_000_000 };

describe('yearlyReview', () => {
  it('keeps a line whose behaviour score reaches the keep threshold', () => {
    const r = yearlyReview({ ...input, behaviourScore: 600 });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'keep', newLimit: 10_000_000 } });
  });

  it('freezes a line scoring below the freeze threshold', () => {
    expect(yearlyReview({ ...input, behaviourScore: 539 })).toMatchObject({ ok: true, value: { outcome: 'freeze', newLimit: 10_000_000 } });
  });

  it('reduces by the factor in between, rounded down to ¥100', () => {
    const r = yearlyReview({ limit: 10_012_345, outstanding: 0, behaviourScore: 570 });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'reduce', newLimit: 7_000_000 } });
  });

  it('never reduces below what is drawn', () => {
    const r = yearlyReview({ limit: 10_000_000, outstanding: 8_500_000, behaviourScore: 570 });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'reduce', newLimit: 8_500_000 } });
  });

  it('keeps a fully drawn line rather than "reducing" it to the same limit', () => {
    const r = yearlyReview({ limit: 10_000_000, outstanding: 10_000_000, behaviourScore: 570 });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'keep', newLimit: 10_000_000 } });
  });

  it('follows configured thresholds and factor', () => {
    const policy = { keepFromScore: 650, freezeBelowScore: 500, reduceFactor: 0.5, roundTo: 100 };
    expect(yearlyReview({ ...input, behaviourScore: 620 }, policy)).toMatchObject({ ok: true, value: { outcome: 'reduce', newLimit: 5_000_000 } });
    expect(yearlyReview({ ...input, behaviourScore: 520 }, policy)).toMatchObject({ ok: true, value: { outcome: 'reduce' } });
    expect(yearlyReview({ ...input, behaviourScore: 499 }, policy)).toMatchObject({ ok: true, value: { outcome: 'freeze' } });
    expect(yearlyReview({ ...input, behaviourScore: 650 }, policy)).toMatchObject({ ok: true, value: { outcome: 'keep' } });
  });

  it('refuses a malformed policy or input', () => {
    expect(yearlyReview({ ...input, behaviourScore: 600 }, { ...DEFAULT_YEARLY_REVIEW_POLICY, freezeBelowScore: 700 })).toMatchObject({ ok: false, error: { code: 'REVIEW_POLICY_INVALID' } });
    expect(yearlyReview({ ...input, behaviourScore: 600 }, { ...DEFAULT_YEARLY_REVIEW_POLICY, reduceFactor: 1 })).toMatchObject({ ok: false, error: { code: 'REVIEW_POLICY_INVALID' } });
    expect(yearlyReview({ ...input, behaviourScore: Number.NaN })).toMatchObject({ ok: false, error: { code: 'REVIEW_INPUT_INVALID' } });
    expect(yearlyReview({ limit: 100, outstanding: -1, behaviourScore: 600 })).toMatchObject({ ok: false, error: { code: 'REVIEW_INPUT_INVALID' } });
  });
});
