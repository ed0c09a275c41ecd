import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPersona, renewedValidUntil, type CreditLine } from '../core/index.js';
import type { Config } from '../server/config/index.js';
import { createLogger } from '../server/logging/index.js';
import type { PostLoanContext } from '../server/postLoan/contracts.js';
import { screenRenewals } from '../server/postLoan/renewalScreening.js';
import type { BehaviourDataProvider } from '../server/providers/index.js';
import { openSql, type Sql } from '../server/runtime/index.js';
import { recordingContacts } from './support/recordingContacts.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { key, openLineFor, openServices, shanghai, type ServicesHarness } from './servicesHarness.js';

/** A monitoring feed that sees one healthy business (the enterprise owner's company active, deposits steady, no new lenders) and nobody else. */
function healthyFeed(idNumber: string): BehaviourDataProvider {
  return {
    name: 'test-feed',
    observe: async (q) =>
      q.idNumber === idNumber
        ? { ok: true, data: { depositBalance: 40_000_000, depositAvg6m: 40_000_000, newCourtRecords: 0, courtDefaulter: false, businessStatus: 'active', unsettledLendersAtApproval: 2, unsettledLendersNow: 2, hardInquiries3m: 0 } }
        : { ok: true, data: null },
  };
}

describe(`renewal screening and renewLine on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  let sql: Sql;
  const contacts = recordingContacts();
  let ctx: PostLoanContext;
  let enterprise: { borrowerId: string; lineId: string; validUntil: string };
  let consumer: { borrowerId: string; lineId: string };
  let sources: { behaviour: BehaviourDataProvider; cipher: ServicesHarness['cipher'] };
  const reviews = () => h.db.prisma.lineReview.findMany({ orderBy: { createdAt: 'asc' } });

  beforeAll(async () => {
    h = await openServices();
    sql = await openSql(h.db);
    ctx = { prisma: h.db.prisma, sql, clock: h.clock, config: { renewalWindowDays: 30 } as Config, logger: createLogger('silent'), contacts };
    const day0 = shanghai('2026-01-15');
    // The enterprise owner's business line (12 months: valid to 2027-01-14), ¥200,000 out since June on daily interest, nothing due before December 25th.
    const e = await openLineFor(h, 'enterprise_owner', day0);
    const drawn = await h.effects.disburse({ lineId: e.line!.lineId, borrowerId: e.borrowerId, amount: 20_000_000, termMonths: 6, method: 'daily_revolving', idempotencyKey: key('draw'), at: shanghai('2026-06-25') });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn));
    enterprise = { borrowerId: e.borrowerId, lineId: e.line!.lineId, validUntil: e.line!.validUntil };
    // A personal line moved into the window: no business on record, so not renewable without repaying first.
    const c = await openLineFor(h, 'excellent', day0);
    consumer = { borrowerId: c.borrowerId, lineId: c.line!.lineId };
    sources = { behaviour: healthyFeed(demoPersona('enterprise_owner').profile.person.idNumber), cipher: h.cipher };
    const row = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: consumer.lineId } });
    const state = { ...(row.state as unknown as CreditLine), validUntil: '2027-01-05' };
    await h.db.prisma.creditLine.update({ where: { id: consumer.lineId }, data: { validUntil: new Date('2027-01-05T00:00:00Z'), state: state as never } });
  });
  afterAll(async () => {
    await sql?.close();
    await h?.close();
  });

  it('selects lines expiring within the window, records a review for each and invites only the eligible', async () => {
    expect(enterprise.validUntil).toBe('2027-01-14');
    // 2026-12-01: the enterprise line's last day is 44 days away, the consumer line's 35 — outside the 30-day window.
    expect(await screenRenewals(ctx, '2026-12-01', { sources })).toMatchObject({ screened: 0, invited: 0 });
    const summary = await screenRenewals(ctx, '2026-12-20', { sources });
    expect(summary).toMatchObject({ businessDate: '2026-12-20', windowDays: 30, screened: 2, eligible: 1, ineligible: 1, invited: 1, notInvited: 0 });
    const [first, second] = await reviews();
    const byLine = new Map([first!, second!].map((r) => [r.creditLineId, r]));
    expect(byLine.get(enterprise.lineId)).toMatchObject({ kind: 'renewal', outcome: 'invited', borrowerId: enterprise.borrowerId });
    expect(byLine.get(enterprise.lineId)!.period.toISOString().slice(0, 10)).toBe('2027-01-14');
    const eligibleDetail = byLine.get(enterprise.lineId)!.detail as { reasons: unknown[]; input: { purpose: string; maxDpdDuringTerm: number; signals: { businessStatus?: string } } };
    expect(eligibleDetail.reasons).toEqual([]);
    expect(eligibleDetail.input).toMatchObject({ purpose: 'business', maxDpdDuringTerm: 0, signals: { businessStatus: 'active', currentDpd: 0 } });
    expect(byLine.get(consumer.lineId)).toMatchObject({ outcome: 'ineligible' });
    expect((byLine.get(consumer.lineId)!.detail as { reasons: { code: string }[] }).reasons.map((r) => r.code)).toContain('RENEWAL_BUSINESS_DATA_MISSING');
    expect(contacts.sent).toEqual([
      { key: `renewal:${enterprise.lineId}:2027-01-14`, borrowerId: enterprise.borrowerId, creditLineId: enterprise.lineId, purpose: 'renewal', template: 'renewal.invite', params: { limit: expect.any(Number), validUntil: '2027-01-14' } },
    ]);
  });

  it('without a monitoring feed the behaviour is not observed, and a line is not found eligible on missing data', async () => {
    // A fresh review period for the same line would be screened the same way; screen the enterprise line's data alone.
    const { renewalInputOf } = await import('../server/postLoan/renewalScreening.js');
    const { screenRenewal } = await import('../core/index.js');
    const row = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: enterprise.lineId } });
    const input = renewalInputOf({ id: row.id, borrowerId: row.borrowerId, validFrom: row.validFrom, validUntil: row.validUntil, state: row.state as unknown as CreditLine, dpd: 0, purpose: 'business', ruleResults: [{ rule: 'business_status', status: 'passed' }], maxClassifiedDpd: null, maxClassifiedDpd6m: null, signalReasons: null, reviewId: null, productId: row.productId, idNumberEnc: null, uscc: null }, '2026-12-20');
    expect(input.signals).not.toHaveProperty('depositBalance');
    expect(input.signals.businessStatus).toBe('active');
    const screen = screenRenewal(input, '2026-12-20');
    expect(screen.ok && screen.value.eligible).toBe(false);
  });

  it('run twice for the same date (or a later one): one review per line and one invitation', async () => {
    const before = await reviews();
    expect(await screenRenewals(ctx, '2026-12-20', { sources })).toMatchObject({ screened: 0, invited: 0 });
    expect(await screenRenewals(ctx, '2026-12-21', { sources })).toMatchObject({ screened: 0, invited: 0 });
    expect(await reviews()).toEqual(before);
    expect(contacts.sent).toHaveLength(1);
  });

  it('an invitation the contact component did not take is offered again on the next run, once taken never twice', async () => {
    const line = await h.db.prisma.lineReview.findFirstOrThrow({ where: { creditLineId: enterprise.lineId } });
    await h.db.prisma.lineReview.update({ where: { id: line.id }, data: { outcome: 'eligible' } });
    expect(await screenRenewals(ctx, '2026-12-21', { sources })).toMatchObject({ screened: 0, invited: 1 });
    expect(contacts.requests.at(-1)!.key).toBe(`renewal:${enterprise.lineId}:2027-01-14`);
    expect(contacts.sent).toHaveLength(1);
    expect((await h.db.prisma.lineReview.findUniqueOrThrow({ where: { id: line.id } })).outcome).toBe('invited');
  });

  it('renews the same line without repaying: new last day, limit and rate, drawdowns and ledger untouched; the same key renews once', async () => {
    const at = shanghai('2026-12-21', '11:00');
    const open = await h.effects.loadRenewal({ borrowerId: enterprise.borrowerId, at });
    if (open.status !== 'open') throw new Error('no open renewal');
    expect(open.renewal).toMatchObject({ lineId: enterprise.lineId, validUntil: '2027-01-14', outstanding: 20_000_000 });
    expect(open.renewal.consents.map((c) => c.textVersion)).toEqual(expect.arrayContaining(['auth-1']));
    expect(await h.effects.loadRenewal({ borrowerId: consumer.borrowerId, at })).toEqual({ status: 'none' });

    const pulled = await h.effects.pullData({ borrowerId: enterprise.borrowerId, applicationId: open.renewal.applicationId, sources: open.renewal.consents.map((c) => c.source), idempotencyKey: key('renew.pull'), at });
    if (!pulled.ok) throw new Error(JSON.stringify(pulled));
    const { decideApplication, DEMO_PRODUCTS } = await import('../core/index.js');
    const product = DEMO_PRODUCTS.find((p) => p.id === open.renewal.productId)!;
    const decision = decideApplication(product, pulled.profile, '2026-12-21');
    if (!decision.ok || decision.value.outcome !== 'approved') throw new Error(`expected approval: ${JSON.stringify(decision)}`);
    const decideKey = key('renew.decide');
    const recorded = await h.effects.recordRenewalDecision({ lineId: enterprise.lineId, borrowerId: enterprise.borrowerId, validUntil: '2027-01-14', decision: decision.value, requestKey: decideKey, at });
    if (!recorded.ok) throw new Error('not invited');
    expect(await h.effects.recordRenewalDecision({ lineId: enterprise.lineId, borrowerId: enterprise.borrowerId, validUntil: '2027-01-14', decision: decision.value, requestKey: decideKey, at })).toEqual(recorded);
    expect(await h.db.prisma.decision.count({ where: { id: recorded.decisionId } })).toBe(1);

    const lineBefore = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: enterprise.lineId } });
    const ledgerBefore = await h.db.prisma.ledgerEntry.count();
    const installmentsBefore = await h.db.prisma.installment.findMany({ where: { drawdown: { creditLineId: enterprise.lineId } }, orderBy: [{ drawdownId: 'asc' }, { period: 'asc' }] });
    const newValidUntil = renewedValidUntil('2027-01-14', product.lineValidityMonths);
    const input = { lineId: enterprise.lineId, borrowerId: enterprise.borrowerId, validUntil: '2027-01-14', newValidUntil, decisionId: recorded.decisionId, termsVersion: 'terms-2026.1', termsText: '续贷方案……', requestKey: key('renew'), at };
    const renewed = await h.effects.renewLine(input);
    if (!renewed.ok) throw new Error(renewed.reason);
    expect(newValidUntil).toBe('2028-01-14');
    expect(renewed.line).toMatchObject({ lineId: enterprise.lineId, validUntil: '2028-01-14', limit: decision.value.limit, outstanding: 20_000_000, available: decision.value.limit - 20_000_000 });
    // The same confirmation delivered again: the same answer, nothing renewed twice.
    expect(await h.effects.renewLine(input)).toEqual(renewed);
    expect(await h.effects.renewLine({ ...input, requestKey: key('renew') })).toEqual({ ok: false, reason: 'not_invited' });

    const lineAfter = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: enterprise.lineId } });
    expect(lineAfter).toMatchObject({ id: lineBefore.id, status: 'active', decisionId: recorded.decisionId, version: lineBefore.version + 1, limitFen: BigInt(decision.value.limit) });
    expect(lineAfter.validUntil.toISOString().slice(0, 10)).toBe('2028-01-14');
    expect(lineAfter.reviewAt.toISOString().slice(0, 10)).toBe('2027-12-21');
    expect((lineAfter.state as unknown as CreditLine).drawdowns).toEqual((lineBefore.state as unknown as CreditLine).drawdowns);
    expect(await h.db.prisma.ledgerEntry.count()).toBe(ledgerBefore);
    expect(await h.db.prisma.installment.findMany({ where: { drawdown: { creditLineId: enterprise.lineId } }, orderBy: [{ drawdownId: 'asc' }, { period: 'asc' }] })).toEqual(installmentsBefore);
    const review = await h.db.prisma.lineReview.findFirstOrThrow({ where: { creditLineId: enterprise.lineId, kind: 'renewal' } });
    expect(review).toMatchObject({ outcome: 'accepted', newLimitFen: BigInt(decision.value.limit) });
    expect(review.newValidUntil!.toISOString().slice(0, 10)).toBe('2028-01-14');
    expect((review.detail as { accepted: { termsHash: string } }).accepted.termsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'renewal.accepted', subjectId: enterprise.lineId } })).toBe(1);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'renewal.decided', subjectId: enterprise.lineId } })).toBe(1);
    // Renewed: no open invitation any more, and the renewed period is a new one for the next screening.
    expect(await h.effects.loadRenewal({ borrowerId: enterprise.borrowerId, at })).toEqual({ status: 'none' });
    expect(await screenRenewals(ctx, '2026-12-22', { sources })).toMatchObject({ screened: 0 });
  });

  it('不需要: closeRenewal closes an open invitation as declined', async () => {
    const row = await h.db.prisma.lineReview.findFirstOrThrow({ where: { creditLineId: consumer.lineId } });
    await h.db.prisma.lineReview.update({ where: { id: row.id }, data: { outcome: 'invited' } });
    await h.effects.closeRenewal({ lineId: consumer.lineId, borrowerId: consumer.borrowerId, validUntil: '2027-01-05', at: shanghai('2026-12-22') });
    expect(await h.db.prisma.lineReview.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ outcome: 'declined' });
    expect(await h.db.prisma.auditLog.count({ where: { action: 'renewal.declined', subjectId: consumer.lineId } })).toBe(1);
  });

  it('an invitation left unanswered past the last day of its line is closed as expired', async () => {
    const row = await h.db.prisma.lineReview.findFirstOrThrow({ where: { creditLineId: consumer.lineId } });
    await h.db.prisma.lineReview.update({ where: { id: row.id }, data: { outcome: 'invited' } });
    expect(await screenRenewals(ctx, '2027-01-05', { sources })).toMatchObject({ expired: 0 });
    expect(await screenRenewals(ctx, '2027-01-06', { sources })).toMatchObject({ expired: 1 });
    expect(await h.db.prisma.lineReview.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ outcome: 'expired' });
  });
});
