import { describe, expect, it } from 'vitest';
import { decideApplication } from './decideApplication.js';
import { DEMO_PRODUCTS } from './demoProducts.js';
import { DEMO_AS_OF, DEMO_PERSONAS } from './demoPersonas.js';
import { validateMobile } from './mobile.js';
import { validateResidentId } from './residentId.js';
import { validateSocialCreditCode } from './socialCreditCode.js';

describe('DEMO_PERSONAS', () => {
  it('are keyed by valid ID numbers and carry valid mobiles and USCCs', () => {
    expect(Object.keys(DEMO_PERSONAS)).toHaveLength(5);
    for (const [id, p] of Object.entries(DEMO_PERSONAS)) {
      expect(validateResidentId(id, DEMO_AS_OF).ok).toBe(true);
      expect(p.profile.person.idNumber).toBe(id);
      expect(validateMobile(p.profile.person.mobile).ok).toBe(true);
      if (p.profile.enterprise) expect(validateSocialCreditCode(p.profile.enterprise.uscc).ok).toBe(true);
    }
  });

  it('reach their expected outcomes on their products', () => {
    const summary = Object.values(DEMO_PERSONAS).map((p) => {
      const product = DEMO_PRODUCTS.find((x) => x.id === p.productId);
      const r = product && decideApplication(product, p.profile, DEMO_AS_OF);
      return r?.ok ? `${p.key}:${r.value.outcome}:${r.value.grade}:${r.value.reasons.map((x) => x.code).join('+')}` : `${p.key}:error`;
    });
    expect(summary).toEqual([
      'excellent:approved:A:',
      'thin_file:manual_review:B:THIN_CREDIT_FILE',
      'blacklisted:declined:C:COURT_DEFAULTER',
      'multi_lender:declined:null:HARD_INQUIRIES_EXCESSIVE+MULTI_LENDER_EXCESSIVE+DTI_TOO_HIGH+SCORE_BELOW_CUTOFF',
      'enterprise_owner:approved:A:',
    ]);
    for (const p of Object.values(DEMO_PERSONAS)) {
      const product = DEMO_PRODUCTS.find((x) => x.id === p.productId);
      const r = product && decideApplication(product, p.profile, DEMO_AS_OF);
      expect(r?.ok && r.value.outcome).toBe(p.expected);
    }
  });
});
