import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../core/index.js';
import { createEarlyWarningJob, warningContactKey } from '../server/postLoan/earlyWarningJob.js';
import type { DailyJob, PostLoanContext } from '../server/postLoan/index.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { troubledEnterpriseFeed } from './support/behaviourFeeds.js';
import { postLoanContext } from './support/postLoanContext.js';
import { recordingContacts } from './support/recordingContacts.js';
import { key, openLineFor, openServices, shanghai, type ServicesHarness } from './servicesHarness.js';

const day0 = shanghai('2026-01-15');

describe(`early warning batch on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  let ctx: PostLoanContext & { close(): Promise<void> };
  const contacts = recordingContacts();
  let job: ReturnType<typeof createEarlyWarningJob>;
  let excellent: { borrowerId: string; lineId: string };
  let enterprise: { borrowerId: string; lineId: string };

  async function borrow(persona: 'excellent' | 'enterprise_owner', amount: number) {
    const opened = await openLineFor(h, persona, day0);
    const lineId = opened.line!.lineId;
    const drawn = await h.effects.disburse({ lineId, borrowerId: opened.borrowerId, amount, termMonths: persona === 'excellent' ? 12 : 6, method: persona === 'excellent' ? 'equal_installment' : 'interest_first', idempotencyKey: key('draw'), at: day0 });
    if (!drawn.ok) throw new Error(JSON.stringify(drawn));
    return { borrowerId: opened.borrowerId, lineId };
  }
  const line = (id: string) => h.db.prisma.creditLine.findUniqueOrThrow({ where: { id }, select: { status: true, freezeReason: true, frozenAt: true, version: true, state: true } });
  const signals = () => h.db.prisma.riskSignal.findMany({ orderBy: [{ businessDate: 'asc' }, { level: 'asc' }] });

  beforeAll(async () => {
    h = await openServices();
    ctx = await postLoanContext(h, contacts);
    job = createEarlyWarningJob({ behaviour: troubledEnterpriseFeed(), cipher: h.cipher, products: DEMO_PRODUCTS, chunkSize: 1 });
    excellent = await borrow('excellent', 3_000_000);
    enterprise = await borrow('enterprise_owner', 20_000_000);
  });
  afterAll(async () => {
    await ctx?.close();
    await h?.close();
  });

  it('is a daily job of the post-loan queues, after the end-of-day batch', () => {
    const daily: DailyJob = job;
    expect([daily.name, daily.cron]).toEqual(['postloan.warning', '30 1 * * *']);
  });

  it('a red signal freezes the line (reason warning) and the borrower is told once; a healthy line gets no signal', async () => {
    const summary = await job.run(ctx, '2026-02-20');
    expect(summary).toMatchObject({ processed: 2, signals: { red: 1, orange: 0, yellow: 0 }, frozen: 1, told: 1 });
    const [signal] = await signals();
    expect(signal).toMatchObject({ creditLineId: enterprise.lineId, borrowerId: enterprise.borrowerId, level: 'red', status: 'open' });
    expect(signal!.behaviourScore).toBeLessThan(520);
    const codes = (signal!.reasons as { code: string; zh: string; en: string }[]).map((r) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['EW_BEHAVIOUR_SCORE_LOW', 'EW_BUSINESS_ABNORMAL', 'EW_COURT_RECORD', 'EW_BALANCE_DROP', 'EW_MULTI_LENDER_GROWTH']));
    expect((signal!.reasons as { zh: string; en: string }[])[0]).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
    const frozen = await line(enterprise.lineId);
    expect(frozen).toMatchObject({ status: 'frozen', freezeReason: 'warning' });
    expect((frozen.state as { status: string }).status).toBe('frozen');
    expect(contacts.sent).toEqual([
      { key: warningContactKey(enterprise.lineId, '2026-02-20'), borrowerId: enterprise.borrowerId, creditLineId: enterprise.lineId, purpose: 'warning', template: 'warning.frozen', params: { productZh: '小微快贷·经营贷(演示)', productEn: expect.any(String) } },
    ]);
    expect(await line(excellent.lineId)).toMatchObject({ status: 'active', freezeReason: null });
  });

  it('run again for the same date: nothing more changes and no second message', async () => {
    const before = { signals: await signals(), lines: [await line(enterprise.lineId), await line(excellent.lineId)] };
    const summary = await job.run(ctx, '2026-02-20');
    expect(summary).toMatchObject({ processed: 2, signals: { red: 0, orange: 0, yellow: 0 }, frozen: 0 });
    expect(await signals()).toEqual(before.signals);
    expect([await line(enterprise.lineId), await line(excellent.lineId)]).toEqual(before.lines);
    expect(contacts.sent).toHaveLength(1);
  });

  it('a rerun asks again for the message of a freeze the date made (a crash between the commit and the contact): the same key, so it is sent once', async () => {
    const lost = recordingContacts();
    await job.run({ ...ctx, contacts: lost }, '2026-02-20');
    expect(lost.sent.map((c) => c.key)).toEqual([warningContactKey(enterprise.lineId, '2026-02-20')]);
    expect(await h.db.prisma.riskSignal.count()).toBe(1);
  });

  it('orange and yellow are recorded with branch and manager but freeze nothing', async () => {
    const manager = await h.db.prisma.staffUser.create({ data: { username: key('mgr'), displayName: '张伟', roles: ['manager'], branch: '0736', passwordHash: '' } });
    await h.db.prisma.borrower.update({ where: { id: excellent.borrowerId }, data: { attributedStaffId: manager.id } });
    await h.db.prisma.drawdown.updateMany({ where: { creditLineId: excellent.lineId }, data: { dpd: 10 } });
    await job.run(ctx, '2026-02-21');
    await h.db.prisma.drawdown.updateMany({ where: { creditLineId: excellent.lineId }, data: { dpd: 3 } });
    await job.run(ctx, '2026-02-22');
    const mine = await h.db.prisma.riskSignal.findMany({ where: { creditLineId: excellent.lineId }, orderBy: { businessDate: 'asc' } });
    expect(mine.map((s) => s.level)).toEqual(['orange', 'yellow']);
    expect(mine[0]).toMatchObject({ branch: '0736', managerId: manager.id });
    expect(await line(excellent.lineId)).toMatchObject({ status: 'active', freezeReason: null });
    // The enterprise line, already frozen by the warning, gets its daily red signal but no second freeze or message.
    expect(await h.db.prisma.riskSignal.count({ where: { creditLineId: enterprise.lineId } })).toBe(3);
    expect(contacts.sent).toHaveLength(1);
  });

  it('a red signal a reviewer cleared holds: the next days record red again for the same reasons without freezing; the line opened by the clearing stays open', async () => {
    const { RiskSignalService } = await import('../server/postLoan/index.js');
    const service = new RiskSignalService({ prisma: h.db.prisma, clock: h.clock });
    const latest = await h.db.prisma.riskSignal.findFirstOrThrow({ where: { creditLineId: enterprise.lineId }, orderBy: { businessDate: 'desc' } });
    const staff = await h.db.prisma.staffUser.create({ data: { username: key('rev'), displayName: '赵敏', roles: ['reviewer'], passwordHash: '' } });
    const cleared = await service.clear(latest.id, '企业经营正常，误报', { staffId: staff.id, username: staff.username });
    expect(cleared.line).toMatchObject({ status: 'active', unfrozen: true });
    await job.run(ctx, '2026-02-24');
    expect(await h.db.prisma.riskSignal.findFirst({ where: { creditLineId: enterprise.lineId, businessDate: new Date('2026-02-24') } })).toMatchObject({ level: 'red', status: 'open' });
    expect(await line(enterprise.lineId)).toMatchObject({ status: 'active', freezeReason: null });
    expect(contacts.sent).toHaveLength(1);
  });

  it('a line frozen for being overdue keeps that reason when a red signal comes', async () => {
    const other = await borrow('excellent', 2_000_000);
    await h.db.prisma.drawdown.updateMany({ where: { creditLineId: other.lineId }, data: { dpd: 40 } });
    const { freezeLine } = await import('../server/postLoan/lineFreeze.js');
    await h.db.prisma.$transaction((tx) => freezeLine(tx, other.lineId, 'overdue', '2026-02-23', h.clock.now()));
    await job.run(ctx, '2026-02-23');
    expect(await h.db.prisma.riskSignal.findFirst({ where: { creditLineId: other.lineId } })).toMatchObject({ level: 'red' });
    expect(await line(other.lineId)).toMatchObject({ status: 'frozen', freezeReason: 'overdue' });
    expect(contacts.sent).toHaveLength(1);
  });
});
