import { describe, expect, it } from 'vitest';
import { classifyLoan, delinquencyBucket, LOAN_CLASS_NAMES_ZH } from './delinquency.js';

describe('delinquency', () => {
  it('buckets days past due: M0, M1 1–30, M2 31–60, M3 61–90, M3+ over 90', () => {
    expect([0, 1, 30, 31, 60, 61, 90, 91, 400].map(delinquencyBucket)).toEqual(['M0', 'M1', 'M1', 'M2', 'M2', 'M3', 'M3', 'M3+', 'M3+']);
  });

  it('classifies five tiers by DPD floor: any overdue 关注, >90 次级, >270 可疑, >360 损失', () => {
    const classes = [0, 1, 90, 91, 270, 271, 360, 361].map((d) => LOAN_CLASS_NAMES_ZH[classifyLoan(d)]);
    expect(classes).toEqual(['正常', '关注', '关注', '次级', '次级', '可疑', '可疑', '损失']);
  });

  it('takes configured thresholds', () => {
    const strict = { specialMentionAfterDays: 0, substandardAfterDays: 60, doubtfulAfterDays: 180, lossAfterDays: 360 };
    expect(classifyLoan(61, strict)).toBe('substandard');
    expect(classifyLoan(181, strict)).toBe('doubtful');
  });
});
