import { describe, expect, it } from 'vitest';
import { RISK_REASONS } from './riskReasons.js';

describe('RISK_REASONS', () => {
  it('gives every code a Chinese and an English text, SCREAMING_SNAKE codes', () => {
    for (const [code, r] of Object.entries(RISK_REASONS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(r.zh.length).toBeGreaterThan(1);
      expect(r.en.length).toBeGreaterThan(1);
    }
  });

  it('never shows a borrower a number, a score or the bank blacklist', () => {
    for (const r of Object.values(RISK_REASONS)) expect(r.zh).not.toMatch(/\d|评分卡|黑名单|score/i);
  });
});
