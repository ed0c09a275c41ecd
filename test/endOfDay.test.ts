import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCreditLine, interestForDays, repayCreditLine, summarizeCreditLine, type CreditLine } from '../core/index.js';
import { manualClock } from '../server/clock.js';
import { loadConfig } from '../server/config/index.js';
import { applyMigrations, openDatabase, type Database } from '../server/db/index.js';
import { createLogger } from '../server/logging/index.js';
import { runEndOfDay, type EndOfDayOptions } from '../server/postLoan/endOfDay.js';
import { loadLine, saveLine } from '../server/services/creditLineStore.js';
import { benchTemplates, seededId, seedPortfolio, templateLine } from './support/portfolioSeed.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

interface Opened {
  readonly database: TestDatabase;
  readonly db: Database;
  readonly ctx: Parameters<typeof runEndOfDay>[0];
  close(): Promise<void>;
}

async function open(): Promise<Opened> {
  const database = await createTestDatabase();
  const db = await openDatabase(database.target, { poolSize: 4 });
  await applyMigrations(db.adapterFactory);
  const ctx = { prisma: db.prisma, logger: createLogger('silent'), clock: manualClock('2026-03-01T16:00:00Z'), config: testConfig(database) };
  return { database, db, ctx, close: async () => (await db.close(), await database.drop()) };
}

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
};

const RATE = 0.0648;
/** ¥30,000 over 12 months drawn 2026-01-15 and never repaid (clone 0), next to a line drawn 2026-03-10 with nothing due yet (clone 1). */
const overdueLine = templateLine({ limit: 10_000_000, annualRate: RATE, validFrom: '2026-01-10', draws: [{ amount: 3_000_000, termMonths: 12, method: 'equal_installment', on: '2026-01-15', paidBefore: '2026-01-15' }] });
const currentLine = templateLine({ limit: 5_000_000, annualRate: RATE, validFrom: '2026-01-10', draws: [{ amount: 1_000_000, termMonths: 6, method: 'equal_installment', on: '2026-03-10', paidBefore: '2026-03-10' }] });

const sumLedger = async (prisma: Database['prisma'], account: string, refId: string): Promise<number> => {
  const rows = await prisma.ledgerEntry.findMany({ where: { account, refId } });
  return rows.reduce((s, r) => s + Number(r.debitFen) - Number(r.creditFen), 0);
};

describe(`end-of-day batch on ${testDatabaseKind()}`, () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open();
    await seedPortfolio(o.db.prisma, [overdueLine, currentLine], 2);
  });
  afterAll(async () => {
    await o?.close();
  });

  const lineId = seededId('l', 0);
  const drawdownId = seededId('d', 0, 0);

  it('marks the instalment due, then overdue with penalty interest at rate × 1.5 booked once, DPD 1 in M1 关注 with its history', async () => {
    const due = await runEndOfDay(o.ctx, '2026-02-15');
    expect(due).toMatchObject({ alreadyDone: false, processed: 1, penaltyBookedFen: 0 });
    const first = overdueLine.drawdowns[0]!.installments[0]!;
    expect(due.interestBookedFen).toBe(first.interest);
    expect((await o.db.prisma.installment.findFirstOrThrow({ where: { drawdownId, period: 1 } })).status).toBe('due');

    const late = await runEndOfDay(o.ctx, '2026-02-16');
    const penalty = interestForDays(first.principal, RATE * 1.5, 1);
    expect(penalty).toBeGreaterThan(0);
    expect(late).toMatchObject({ processed: 1, penaltyBookedFen: penalty, interestBookedFen: 0, classChanges: 1, frozen: 0 });
    expect((await o.db.prisma.installment.findFirstOrThrow({ where: { drawdownId, period: 1 } })).status).toBe('overdue');
    const dd = await o.db.prisma.drawdown.findUniqueOrThrow({ where: { id: drawdownId } });
    expect(dd).toMatchObject({ dpd: 1, bucket: 'M1', loanClass: 'special_mention', penaltyFen: BigInt(penalty) });
    expect(await o.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } })).toMatchObject({ dpd: 1, bucket: 'M1', loanClass: 'special_mention', status: 'active' });
    expect(await o.db.prisma.loanClassification.findMany({ where: { drawdownId }, select: { loanClass: true, previousClass: true, dpd: true } })).toEqual([{ loanClass: 'special_mention', previousClass: 'normal', dpd: 1 }]);
    expect(await sumLedger(o.db.prisma, 'penalty_receivable', drawdownId)).toBe(penalty);
    // The line on time is untouched: nothing of it falls due on these dates.
    expect(await o.db.prisma.creditLine.findUniqueOrThrow({ where: { id: seededId('l', 1) } })).toMatchObject({ version: 0, evaluatedOn: null });
  });

  it('running a date again changes nothing and books nothing, even with its run record gone', async () => {
    const ledger = await o.db.prisma.ledgerEntry.count();
    const before = await o.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } });
    expect(await runEndOfDay(o.ctx, '2026-02-16')).toMatchObject({ alreadyDone: true, processed: 1 });
    await o.db.prisma.batchRun.deleteMany({ where: { kind: 'eod' } });
    expect(await runEndOfDay(o.ctx, '2026-02-16')).toMatchObject({ alreadyDone: false, processed: 0, postings: 0 });
    expect(await o.db.prisma.ledgerEntry.count()).toBe(ledger);
    expect(await o.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } })).toEqual(before);
  });

  it('freezes the line past 30 days overdue; the penalty to date is core\'s formula; the snapshot adds up', async () => {
    const result = await runEndOfDay(o.ctx, '2026-03-18');
    expect(result).toMatchObject({ frozen: 1, processed: 1 });
    const [i1, i2] = overdueLine.drawdowns[0]!.installments;
    const penalty = interestForDays(i1!.principal, RATE * 1.5, 31) + interestForDays(i2!.principal, RATE * 1.5, 3);
    const expected = must(evaluateCreditLine(JSON.parse(JSON.stringify(overdueLine).replaceAll('__LINE__', lineId).replaceAll('__DD0__', drawdownId)) as CreditLine, '2026-03-18')).line;
    expect(expected.drawdowns[0]!.installments.reduce((s, i) => s + i.penaltyRecognized, 0)).toBe(penalty);
    expect(await sumLedger(o.db.prisma, 'penalty_receivable', drawdownId)).toBe(penalty);
    expect(await sumLedger(o.db.prisma, 'interest_receivable', drawdownId)).toBe(i1!.interest + i2!.interest);
    const line = await o.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } });
    expect(line).toMatchObject({ status: 'frozen', freezeReason: 'overdue', dpd: 31, bucket: 'M2', loanClass: 'special_mention' });
    expect((line.state as unknown as CreditLine).status).toBe('frozen');
    expect(await o.db.prisma.drawdown.findUniqueOrThrow({ where: { id: drawdownId } })).toMatchObject({ dpd: 31, bucket: 'M2', penaltyFen: BigInt(penalty) });

    const snap = await o.db.prisma.portfolioSnapshot.findUniqueOrThrow({ where: { businessDate: new Date('2026-03-18T00:00:00Z') } });
    const owed = 3_000_000 + currentLine.drawdowns[0]!.installments.reduce((s, i) => s + i.principal - i.paidPrincipal, 0);
    expect(snap.data).toMatchObject({
      lines: { total: 2, active: 1, frozen: 1, overdue: 1, withBalance: 2 },
      limitFen: 15_000_000,
      outstandingFen: owed,
      utilisation: Math.round((owed / 15_000_000) * 1e6) / 1e6,
      drawdowns: { count: 2, balanceFen: owed },
      byBucket: { M0: { count: 1, balanceFen: owed - 3_000_000 }, M2: { count: 1, balanceFen: 3_000_000 }, M1: { count: 0 }, 'M3+': { count: 0 } },
      byClass: { normal: { count: 1 }, special_mention: { count: 1, balanceFen: 3_000_000 }, substandard: { count: 0 } },
      penaltyAccruedFen: penalty,
      nplFen: 0,
      nplRatio: 0,
    });
    expect(result.snapshot).toEqual(snap.data);
  });

  it('re-reads a line a borrower repaid while the batch ran (never overwrites it), and lifts the overdue freeze once current', async () => {
    let repaidOnce = false;
    const options: EndOfDayOptions = {
      async beforeWrite(ids) {
        if (repaidOnce || !ids.includes(lineId)) return;
        repaidOnce = true;
        // The repayment service's path: load, core repays everything due, save version-checked.
        const loaded = (await loadLine(o.db.prisma, lineId))!;
        const dueNow = must(summarizeCreditLine(loaded.line, '2026-03-20')).dueNow;
        await saveLine(o.db.prisma, loaded, must(repayCreditLine(loaded.line, { amount: dueNow, on: '2026-03-20', options: { surplus: 'reject' } })).line);
      },
    };
    const result = await runEndOfDay(o.ctx, '2026-03-20', options);
    expect(repaidOnce).toBe(true);
    expect(result).toMatchObject({ processed: 1, unfrozen: 1, busy: 0 });
    const line = await o.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } });
    expect(line).toMatchObject({ status: 'active', freezeReason: null, frozenAt: null, dpd: 0, bucket: 'M0', loanClass: 'normal' });
    const state = line.state as unknown as CreditLine;
    expect(state.drawdowns[0]!.installments.slice(0, 2).map((i) => i.status)).toEqual(['paid', 'paid']);
    expect(await o.db.prisma.loanClassification.findMany({ where: { drawdownId }, orderBy: { businessDate: 'asc' }, select: { loanClass: true } })).toEqual([{ loanClass: 'special_mention' }, { loanClass: 'normal' }]);
  });

  it('reads PENALTY_MULTIPLIER and the freeze threshold from configuration, within core\'s 1.3–1.5', () => {
    const base = { KUAIDAI_ENV: 'test', DATABASE_URL: 'pglite:memory' };
    expect(loadConfig(base)).toMatchObject({ penaltyMultiplier: 1.5, endOfDay: { freezeAfterDpd: 30, chunkSize: 1000 } });
    expect(loadConfig({ ...base, PENALTY_MULTIPLIER: '1.3', EOD_FREEZE_AFTER_DPD: '60' })).toMatchObject({ penaltyMultiplier: 1.3, endOfDay: { freezeAfterDpd: 60 } });
    expect(() => loadConfig({ ...base, PENALTY_MULTIPLIER: '1.6' })).toThrow(/PENALTY_MULTIPLIER/);
  });
});

describe(`end-of-day batch interrupted and run again on ${testDatabaseKind()}`, () => {
  const date = '2026-03-02';
  const templates = benchTemplates(date);
  let a: Opened;
  let b: Opened;
  beforeAll(async () => {
    [a, b] = await Promise.all([open(), open()]);
    await seedPortfolio(a.db.prisma, templates, 400);
    await seedPortfolio(b.db.prisma, templates, 400);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  /** Everything the batch writes, without the ids and timestamps made at writing. */
  async function outcome(o: Opened) {
    const p = o.db.prisma;
    return {
      lines: await p.creditLine.findMany({ orderBy: { id: 'asc' }, select: { id: true, version: true, status: true, state: true, dpd: true, bucket: true, loanClass: true, freezeReason: true, evaluatedOn: true, availableFen: true } }),
      drawdowns: await p.drawdown.findMany({ orderBy: { id: 'asc' }, select: { id: true, status: true, dpd: true, bucket: true, loanClass: true, penaltyFen: true } }),
      installments: await p.installment.groupBy({ by: ['status'], _count: true, orderBy: { status: 'asc' } }),
      ledger: await p.ledgerEntry.groupBy({ by: ['account', 'refType'], _sum: { debitFen: true, creditFen: true }, _count: true, orderBy: [{ account: 'asc' }, { refType: 'asc' }] }),
      history: await p.loanClassification.findMany({ orderBy: { drawdownId: 'asc' }, select: { drawdownId: true, loanClass: true, previousClass: true, dpd: true, bucket: true } }),
      snapshot: (await p.portfolioSnapshot.findMany({ select: { businessDate: true, data: true } })),
    };
  }

  it('continues after its last committed chunk and ends exactly where an uninterrupted run does', async () => {
    const whole = await runEndOfDay(a.ctx, date, { chunkSize: 7 });
    expect(whole.processed).toBeGreaterThan(30);
    expect(whole).toMatchObject({ failed: 0, busy: 0 });
    expect(whole.frozen).toBeGreaterThan(0);
    expect(whole.snapshot.nplRatio).toBeGreaterThan(0);

    await expect(runEndOfDay(b.ctx, date, { chunkSize: 7, afterChunk: (n) => { if (n === 2) throw new Error('killed mid-batch'); } })).rejects.toThrow('killed mid-batch');
    const broken = await b.db.prisma.batchRun.findFirstOrThrow({ where: { kind: 'eod' } });
    expect(broken).toMatchObject({ status: 'failed', processed: 14 });
    expect(broken.cursor).not.toBeNull();
    const rest = await runEndOfDay(b.ctx, date, { chunkSize: 7 });
    expect(rest.processed).toBe(whole.processed);
    expect(rest.ledgerEntries).toBe(whole.ledgerEntries);
    expect(await outcome(b)).toEqual(await outcome(a));

    // And a finished date run again is a no-op.
    const ledger = await a.db.prisma.ledgerEntry.count();
    expect(await runEndOfDay(a.ctx, date)).toMatchObject({ alreadyDone: true });
    expect(await a.db.prisma.ledgerEntry.count()).toBe(ledger);
  });
});
