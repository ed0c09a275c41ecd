import { describe, expect, it } from 'vitest';
import { DEMO_APPLICATION_SCORECARD, DEMO_BEHAVIOUR_SCORECARD } from './demoScorecards.js';
import { loadScorecard, score } from './scorecard.js';

describe('demo scorecards', () => {
  it('are valid, and clearly marked ILLUSTRATIVE SYNTHETIC', () => {
    for (const card of [DEMO_APPLICATION_SCORECARD, DEMO_BEHAVIOUR_SCORECARD]) {
      expect(loadScorecard(card).ok).toBe(true);
      expect(card.illustrative).toBe(true);
      expect(card.name).toContain('ILLUSTRATIVE SYNTHETIC');
      expect(card.scaling).toEqual({ baseScore: 600, baseOdds: 50, pdo: 20 });
    }
    expect(DEMO_APPLICATION_SCORECARD.purpose).toBe('application');
    expect(DEMO_BEHAVIOUR_SCORECARD.purpose).toBe('behaviour');
  });

  it('scores an applicant with no data at base + missing points', () => {
    const missing = DEMO_APPLICATION_SCORECARD.variables.reduce((s, v) => s + v.missing.points, 0);
    expect(score(DEMO_APPLICATION_SCORECARD, {}).total).toBe(420 + missing);
  });
});
