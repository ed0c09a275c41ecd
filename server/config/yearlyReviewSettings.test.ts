import { describe, expect, it } from 'vitest';
import { loadConfig } from './loadConfig.js';

const load = (env: Record<string, string>) => loadConfig(env, '/srv/kuaidai');

describe('yearly review settings', () => {
  it('default to keep ≥ 600, freeze < 540, reduce × 0.7', () => {
    expect(load({}).yearlyReview).toEqual({ keepFromScore: 600, freezeBelowScore: 540, reduceFactor: 0.7, roundTo: 10_000 });
  });

  it('are read from REVIEW_*', () => {
    expect(load({ REVIEW_KEEP_FROM_SCORE: '650', REVIEW_FREEZE_BELOW_SCORE: '500', REVIEW_REDUCE_FACTOR: '0.5' }).yearlyReview).toMatchObject({ keepFromScore: 650, freezeBelowScore: 500, reduceFactor: 0.5 });
  });

  it('stop start-up when the freeze threshold is above the keep threshold, or the factor is not below 1', () => {
    expect(() => load({ REVIEW_KEEP_FROM_SCORE: '550', REVIEW_FREEZE_BELOW_SCORE: '560' })).toThrow(/REVIEW_FREEZE_BELOW_SCORE/);
    expect(() => load({ REVIEW_REDUCE_FACTOR: '1' })).toThrow(/REVIEW_REDUCE_FACTOR/);
  });
});
