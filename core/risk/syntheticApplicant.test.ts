import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';
import { validateResidentId } from './residentId.js';
import { validateSocialCreditCode } from './socialCreditCode.js';
import { syntheticApplicant } from './syntheticApplicant.js';

describe('syntheticApplicant', () => {
  it('is deterministic per seed and generates valid identities', () => {
    const a = createPrng(99);
    const b = createPrng(99);
    for (let i = 0; i < 500; i++) {
      const x = syntheticApplicant(a, '2025-06-30', { enterprise: i % 2 === 0 });
      expect(syntheticApplicant(b, '2025-06-30', { enterprise: i % 2 === 0 })).toEqual(x);
      expect(validateResidentId(x.person.idNumber, '2025-06-30').ok).toBe(true);
      if (x.enterprise) expect(validateSocialCreditCode(x.enterprise.uscc).ok).toBe(true);
    }
  });
});
