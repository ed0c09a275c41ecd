import type { DrawdownView, LineView } from '../host.js';

/** A credit line as loadAccount would describe it, for machine tests. */
export function lineFixture(overrides: Partial<LineView> = {}, drawdowns: DrawdownView[] = []): LineView {
  return {
    lineId: 'line-1',
    productId: 'changde-kuaidai-personal',
    productNameZh: '常德快贷',
    productNameEn: 'Changde Kuaidai',
    status: 'active',
    limit: 10_000_000,
    available: 7_000_000,
    outstanding: 3_000_000,
    annualRate: 0.0648,
    validUntil: '2029-11-21',
    methods: ['equal_installment', 'daily_revolving'],
    terms: [3, 6, 12],
    minDraw: 100_000,
    dueNow: 0,
    overdue: 0,
    daysPastDue: 0,
    nextDue: { date: '2026-12-22', amount: 258_862 },
    payoffToday: 3_000_000,
    drawdowns,
    ...overrides,
  };
}

export function drawdownFixture(id: string, overrides: Partial<DrawdownView> = {}): DrawdownView {
  return {
    drawdownId: id,
    reference: id,
    drawnOn: '2026-11-22',
    principal: 3_000_000,
    outstanding: 3_000_000,
    method: 'equal_installment',
    termMonths: 12,
    annualRate: 0.0648,
    dueNow: 0,
    nextDue: { date: '2026-12-22', amount: 258_862 },
    payoffToday: 3_000_000,
    status: 'active',
    ...overrides,
  };
}
