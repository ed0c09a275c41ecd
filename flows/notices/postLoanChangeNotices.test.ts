import { describe, expect, it } from 'vitest';
import { noticeReply } from './noticeCatalog.js';

/** The early-warning and yearly-review notices, with the params their jobs send (server/postLoan). */
const cases = [
  ['warning.frozen', { productZh: '常德快贷·个人贷(演示)', productEn: 'Changde Kuaidai personal (demo)' }],
  ['review.changed', { productZh: '常德快贷·个人贷(演示)', productEn: 'Changde Kuaidai personal (demo)', oldLimit: 17_900_000, newLimit: 12_530_000 }],
  ['review.frozen', { productZh: '常德快贷·个人贷(演示)', productEn: 'Changde Kuaidai personal (demo)', oldLimit: 17_900_000, newLimit: 17_900_000 }],
] as const;

describe('warning and review notices', () => {
  it.each(cases)('%s says it in both languages, every parameter filled, with a way to a person', (template, params) => {
    const zh = noticeReply(template, params, 'zh', true);
    const en = noticeReply(template, params, 'en', true);
    for (const r of [zh, en]) {
      expect(r.text).not.toMatch(/[{}]/);
      expect(r.options?.map((o) => o.value)).toContain('转人工');
      expect(r.sensitive).toBe(true);
    }
    expect(zh.text).toContain('转人工');
    expect(en.text).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('a reduced limit is told in yuan', () => {
    expect(noticeReply('review.changed', cases[1][1], 'zh', false).text).toContain('¥125,300.00');
  });
});
