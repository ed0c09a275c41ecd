import { describe, expect, it } from 'vitest';
import { buildSchedule, DEMO_PRODUCTS, isMonthlyMethod, type Product } from '../../core/index.js';
import type { PendingOffer } from '../host.js';
import type { OfferCard, ScheduleCard } from '../reply.js';
import { methodName } from '../shared/cards.js';
import { t } from '../text/translate.js';
import { exampleReply, interestRulesText, monthlyRateText, offerReply, termsReply } from './offerReplies.js';

const pending = (product: Product, annualRate: number): PendingOffer => ({ applicationId: 'a', decisionId: 'd', productId: product.id, limit: 5_000_000, annualRate, aprSimple: 0, aprCompound: 0, offerExpiresAt: Date.UTC(2026, 10, 29, 16) });
const view = (product: Product, annualRate: number, locale: 'zh' | 'en' = 'zh') => ({ pending: pending(product, annualRate), product, locale, today: '2026-11-22', lineValidUntil: '2029-11-21' });
const OPTIONS = [{ label: '接受额度', value: 'accept' }];

describe("the offer's replies tell one rate story", () => {
  it('the approval, its card, the worked example and the contract quote the same APR range; the example names its basis and carries the options', () => {
    const product = DEMO_PRODUCTS[0]!;
    const offer = offerReply(view(product, 0.0648), OPTIONS);
    const card = offer.card as OfferCard;
    expect(card.apr).toBe('6.57%–6.73%');
    expect(card.aprSimple).toBe('6.48%–6.57%');
    expect(card.aprBasis).toBe('按复利折算，随还款方式和期限而定：随借随还 12期最低，随借随还 3期最高；每笔借款确认前展示该笔的年化利率');
    expect(offer.text).toContain('合同年利率 6.48%（单利），折合年化利率（APR）6.57%–6.73%');

    const example = exampleReply(view(product, 0.0648), OPTIONS)!;
    expect(example.text).toContain('等额本息 12期，年化利率（APR）6.68%（单利 6.48%），在上面 6.57%–6.73% 的范围内');
    expect((example.card as ScheduleCard).apr).toBe('6.68%');
    expect((example.card as ScheduleCard).rows).toHaveLength(12);
    expect(example.options).toEqual(OPTIONS);

    const terms = termsReply(view(product, 0.0648), 'terms-x', OPTIONS).text;
    expect(terms).toContain('年化利率（APR，按复利折算）6.57%–6.73%（单利 6.48%–6.57%）');
  });

  it("the contract's interest wording is how core computes each method's interest: daily on the days elapsed, or a flat month", () => {
    // First periods of 28 and 31 days: a flat month charges the same either way; a daily method does not.
    for (const startDate of ['2027-01-31', '2026-12-22'] as const) {
      for (const product of DEMO_PRODUCTS) {
        const rate = product.pricing.floor;
        const words = interestRulesText(product, rate, 'zh');
        for (const method of product.repaymentMethods) {
          const s = buildSchedule({ principal: 3_000_000, annualRate: rate, termMonths: 12, method, startDate });
          if (!s.ok) throw new Error(s.error.message);
          const first = s.value.installments[0]!;
          const days = Math.round((Date.parse(first.dueDate) - Date.parse(startDate)) / 86_400_000);
          if (isMonthlyMethod(method)) {
            expect(first.interest, `${method} from ${startDate}`).toBe(Math.round((3_000_000 * rate) / 12));
            expect(words).toMatch(new RegExp(`${methodName(method, 'zh')}[^。]*按月计息：月利率 ${monthlyRateText(rate).replace('.', '\\.')}（年利率÷12）`));
          } else {
            expect(first.interest, `${method} from ${startDate}`).toBe(Math.round((3_000_000 * rate * days) / 360));
            expect(words).toMatch(new RegExp(`${methodName(method, 'zh')}[^。]*按日计息`));
          }
        }
      }
    }
    // 等额本息 is never said to be computed daily.
    expect(interestRulesText(DEMO_PRODUCTS[0]!, 0.0648, 'zh')).not.toMatch(/等额本息[^。]*按日计息/);
    expect(interestRulesText({ repaymentMethods: ['equal_installment'] }, 0.0648, 'en')).toBe(t('en', 'terms.monthly', { methods: 'Equal instalments', monthly: '0.54%' }));
  });

  it('monthly rates keep the precision a contract needs', () => {
    expect(monthlyRateText(0.0648)).toBe('0.54%');
    expect(monthlyRateText(0.045)).toBe('0.375%');
    expect(monthlyRateText(0.085)).toBe('0.7083%');
  });
});
