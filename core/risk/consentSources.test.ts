import { describe, expect, it } from 'vitest';
import { consentSources } from './consentSources.js';
import { DEMO_ENTERPRISE_PRODUCT, DEMO_PERSONAL_PRODUCT } from './demoProducts.js';

describe('consentSources', () => {
  it('lists required then optional sources with display names', () => {
    expect(consentSources(DEMO_ENTERPRISE_PRODUCT).map((s) => `${s.source}:${s.required}`)).toEqual([
      'credit_bureau:true', 'business_registry:true', 'tax:true', 'bank:false', 'housing_fund:false', 'social_security:false',
    ]);
    expect(consentSources(DEMO_PERSONAL_PRODUCT)[0]?.nameZh).toBe('人民银行征信报告');
  });
});
