import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../core/index.js';
import type { DailyJob, PostLoanContext } from '../server/postLoan/index.js';
import { createYearlyReviewJob, reviewContactKey } from '../server/postLoan/yearlyReviewJob.js';
import { troubledEnterpriseFeed } from './support/behaviourFeeds.js';
import { postLoanContext } from './support/postLoanContext.js';
import { recordingContacts } from './support/recordingContacts.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { key, openLineFor, openServices, shanghai, type ServicesHarness } from './servicesHarness.js';

const day0 = shanghai('2026-01-15');

describe(`yearly review on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  let ctx: PostLoanContext & { close(): Promise<void> };
  const contacts = recordingContacts();
  let job: ReturnType<typeof createYearlyReviewJob>;
  let excellent: { borrowerId: string; lineId: string };
  let enterprise: { borrowerId: string; lineId: string };

  async function borrow(persona: 'excellent' | 'enterprise_owner', amount: number) {
    const opened = await openLineFor(h, persona, day0);
    const lineId = opened.line!.lineId;
    const drawn = await h.effects.disburse({ lineId, borrowerId: opened.borrowerId, amount, termMonths: 6, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn));
    return { borrowerId: opened.borrowerId, lineId };
  }
  const line = (id: string) =>
    h.db.prisma.creditLine.findUniqueOrThrow({ where: { id }, select: { status: true, freezeReason: true, limitFen: true, availableFen: true, reviewAt: true, version: true, state: true } });
  const reviews = () => h.db.prisma.lineReview.findMany({ orderBy: [{ period: 'asc' }, { creditLineId: 'asc' }] });

  beforeAll(async () => {
    h = await openServices();
    ctx = await postLoanContext(h, contacts);
    job = createYearlyReviewJob({ behaviour: troubledEnterpriseFeed(), cipher: h.cipher, products: DEMO_PRODUCTS, chunkSize: 1 });
    excellent = await borrow('excellent', 3_000_000);
    enterprise = await borrow('enterprise_owner', 20_000_000);
  });
  afterAll(async () => {
    await ctx?.close();
    await h?.close();
  });

  it('is a daily job of the post-loan queues, after early warning', () => {
    const daily: DailyJob = job;
    expect([daily.name, daily.cron]).toEqual(['postloan.review', '0 2 * * *']);
  });

  it('does nothing before a line’s review date', async () => {
    expect(await job.run(ctx, '2027-01-14')).toEqual({ reviewed: 0, kept: 0, reduced: 0, frozen: 0, told: 0 });
    expect(await reviews()).toEqual([]);
  });

  it('on the review date: a good score keeps the line silently, a poor one freezes it (reason review) and the borrower is told; both move a year on', async () => {
    const summary = await job.run(ctx, '2027-01-15');
    expect(summary).toEqual({ reviewed: 2, kept: 1, reduced: 0, frozen: 1, told: 1 });
    const kept = await line(excellent.lineId);
    expect(kept).toMatchObject({ status: 'active', freezeReason: null, limitFen: 17_900_000n });
    expect(kept.reviewAt.toISOString().slice(0, 10)).toBe('2028-01-15');
    expect((kept.state as { nextReviewDate: string }).nextReviewDate).toBe('2028-01-15');
    const frozen = await line(enterprise.lineId);
    expect(frozen).toMatchObject({ status: 'frozen', freezeReason: 'review' });
    expect((frozen.state as { status: string }).status).toBe('frozen');
    expect(frozen.reviewAt.toISOString().slice(0, 10)).toBe('2028-01-15');
    const rows = await reviews();
    expect(rows.map((r) => [r.creditLineId, r.kind, r.period.toISOString().slice(0, 10), r.outcome])).toEqual(
      expect.arrayContaining([
        [excellent.lineId, 'yearly', '2027-01-15', 'keep'],
        [enterprise.lineId, 'yearly', '2027-01-15', 'freeze'],
      ]),
    );
    expect(contacts.sent).toEqual([
      { key: reviewContactKey(enterprise.lineId, '2027-01-15'), borrowerId: enterprise.borrowerId, creditLineId: enterprise.lineId, purpose: 'review', template: 'review.frozen', params: expect.objectContaining({ productZh: expect.any(String), oldLimit: expect.any(Number) }) },
    ]);
  });

  it('run again for the same date: nothing more changes and no second message', async () => {
    const before = { reviews: await reviews(), lines: [await line(excellent.lineId), await line(enterprise.lineId)] };
    expect(await job.run(ctx, '2027-01-15')).toEqual({ reviewed: 0, kept: 0, reduced: 0, frozen: 0, told: 0 });
    expect(await reviews()).toEqual(before.reviews);
    expect([await line(excellent.lineId), await line(enterprise.lineId)]).toEqual(before.lines);
    expect(contacts.sent).toHaveLength(1);
  });

  it('a middling score a year later reduces the limit by the factor, never below what is drawn, and says so', async () => {
    await h.db.prisma.drawdown.updateMany({ where: { creditLineId: excellent.lineId }, data: { dpd: 10 } });
    const summary = await job.run(ctx, '2028-01-15');
    expect(summary).toMatchObject({ reduced: 1, told: 1 });
    const reduced = await line(excellent.lineId);
    expect(reduced).toMatchObject({ status: 'active', limitFen: 12_530_000n, availableFen: 12_530_000n - 3_000_000n });
    expect((reduced.state as { limit: number; available: number }).limit).toBe(12_530_000);
    expect(await h.db.prisma.lineReview.findFirst({ where: { creditLineId: excellent.lineId, period: new Date('2028-01-15') } })).toMatchObject({ outcome: 'reduce', newLimitFen: 12_530_000n });
    expect(contacts.sent.at(-1)).toMatchObject({ template: 'review.changed', params: { oldLimit: 17_900_000, newLimit: 12_530_000 } });
    // The enterprise line, frozen since the last review, is reviewed again and stays frozen for its first reason.
    expect(await line(enterprise.lineId)).toMatchObject({ status: 'frozen', freezeReason: 'review' });
  });
});
