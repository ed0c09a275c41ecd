import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, decideApplication, drawFromCreditLine, shanghaiDateOf, type CreditLine, type DataSource } from '../../core/index.js';
import type { FlowEffects } from '../../flows/host.js';
import { asSubmitted, key, openLineFor, openServices, personaApplication, shanghai, type ServicesHarness } from '../../test/servicesHarness.js';
import { testDatabaseKind } from '../../test/support/testDatabase.js';
import { manualClock } from '../clock.js';
import { openDatabase, type Database } from '../db/index.js';
import { Prisma } from '../db/generated/client.js';
import { createLogger } from '../logging/index.js';
import { loadLine, saveLine, saveLineSql } from './creditLineStore.js';
import { createFlowEffects } from './createFlowEffects.js';
import { auditRow, IF_GUARDED, insertRows, queryOne } from './persistence.js';

/**
 * The effects write with one statement each (persistence.ts): these pin what that rests on. A
 * guarded statement writes nothing when its guard does not match; operations on one line from two
 * servers (PostgreSQL) or interleaved in one process (PGlite, where statements of different
 * effects now interleave) all land with the Installment mirror whole; the same key at once
 * answers one result.
 */
const day0 = shanghai('2026-01-15');
const kind = testDatabaseKind();

describe(`one-statement writes on ${kind}`, () => {
  let h: ServicesHarness;
  let second: Database | undefined;
  /** A second server on the same database (PostgreSQL); on PGlite the same process. */
  let other: FlowEffects;
  beforeAll(async () => {
    h = await openServices();
    other = h.effects;
    if (kind === 'postgres') {
      second = await openDatabase(h.database.target, { poolSize: 4 });
      other = createFlowEffects({ db: second, cipher: h.cipher, clock: manualClock('2026-01-15T02:00:00Z'), logger: createLogger('silent'), providers: h.providers, products: DEMO_PRODUCTS });
    }
  });
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  const count = async () => ({
    lines: await h.db.prisma.creditLine.count(),
    drawdowns: await h.db.prisma.drawdown.count(),
    installments: await h.db.prisma.installment.count(),
    ledger: await h.db.prisma.ledgerEntry.count(),
    audit: await h.db.prisma.auditLog.count(),
    idempotency: await h.db.prisma.idempotencyRecord.count(),
  });

  /** The Installment and Drawdown rows say what the line state says. */
  async function expectMirror(lineId: string) {
    const row = await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } });
    const line = row.state as unknown as CreditLine;
    expect(Number(row.availableFen)).toBe(line.available);
    for (const dd of line.drawdowns) {
      const rows = await h.db.prisma.installment.findMany({ where: { drawdownId: dd.id }, orderBy: { period: 'asc' } });
      expect(rows.map((i) => [i.period, Number(i.principalFen), Number(i.interestFen), Number(i.paidPrincipal), Number(i.paidInterest), Number(i.paidPenalty), i.status])).toEqual(
        dd.installments.map((i) => [i.period, i.principal, i.interest, i.paidPrincipal, i.paidInterest, i.paidPenalty, i.status]),
      );
    }
    const entries = await h.db.prisma.ledgerEntry.findMany();
    const net = new Map<string, bigint>();
    for (const e of entries) net.set(e.postingId, (net.get(e.postingId) ?? 0n) + e.debitFen - e.creditFen);
    for (const n of net.values()) expect(n).toBe(0n);
    return line;
  }

  it('a statement whose guard (the line version) no longer matches writes nothing at all', async () => {
    const opened = await openLineFor(h, 'excellent', day0);
    const lineId = opened.line!.lineId;
    const stale = (await loadLine(h.db.prisma, lineId))!;
    const moved = await h.effects.disburse({ lineId, borrowerId: opened.borrowerId, amount: 1_000_000, termMonths: 6, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 });
    expect(moved.ok).toBe(true);
    const before = await count();
    const version = (await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } })).version;

    const drawn = drawFromCreditLine(stale.line, { drawdownId: '00000000-0000-4000-8000-00000000000d', amount: 100_000, termMonths: 3, method: 'equal_installment', on: '2026-01-15' });
    if (!drawn.ok) throw new Error(drawn.error.message);
    await expect(saveLine(h.db.prisma, stale, drawn.value.line)).rejects.toMatchObject({ code: 'CONFLICT' });
    const save = saveLineSql(stale, drawn.value.line, new Date());
    const entry = auditRow({ actorType: 'system', action: 'test.guarded', subjectType: 'CreditLine', subjectId: lineId, at: day0 });
    const { saved } = await queryOne<{ saved: number }>(h.db.prisma, Prisma.sql`WITH ${save.ctes}, audited AS (${insertRows('AuditLog', [entry], IF_GUARDED)}) SELECT count(*)::int AS saved FROM guard`);
    expect(saved).toBe(0);
    expect(await count()).toEqual(before);
    expect((await h.db.prisma.creditLine.findUniqueOrThrow({ where: { id: lineId } })).version).toBe(version);
    await expectMirror(lineId);
  });

  it('drawdowns and repayments on one line at once, from two servers, all land and the mirror stays whole', async () => {
    const opened = await openLineFor(h, 'excellent', day0);
    const { borrowerId } = opened;
    const lineId = opened.line!.lineId;
    const via = (i: number) => (i % 2 === 0 ? h.effects : other);
    const draws = await Promise.all(
      [0, 1, 2, 3].map((i) => via(i).disburse({ lineId, borrowerId, amount: 500_000 + i * 100_000, termMonths: 12, method: 'equal_installment', idempotencyKey: key('draw'), at: day0 + i })),
    );
    for (const d of draws) expect(d.ok).toBe(true);
    expect(new Set(draws.map((d) => d.ok && d.receipt.drawdownId)).size).toBe(4);
    let line = await expectMirror(lineId);
    expect(line.available).toBe(opened.line!.limit - 2_600_000);

    const due = shanghai('2026-02-15');
    const repaid = await Promise.all([0, 1, 2].map((i) => via(i).repay({ lineId, borrowerId, kind: 'partial', amount: 100_000 + i, idempotencyKey: key('repay'), at: due })));
    for (const r of repaid) expect(r.ok).toBe(true);
    expect(await h.db.prisma.repayment.count({ where: { creditLineId: lineId } })).toBe(3);
    line = await expectMirror(lineId);
    const principal = repaid.reduce((s, r) => s + (r.ok ? r.receipt.principal : 0), 0);
    expect(line.available).toBe(opened.line!.limit - 2_600_000 + principal);
    const allocations = await h.db.prisma.repaymentAllocation.findMany({ where: { repayment: { creditLineId: lineId } }, include: { installment: true } });
    for (const a of allocations) if (a.period !== null && a.installmentId !== null) expect([a.installment!.drawdownId, a.installment!.period]).toEqual([a.drawdownId, a.period]);
  });

  it('the same idempotency key at once answers one result and writes once', async () => {
    const submit = personaApplication('enterprise_owner', day0, { idempotencyKey: key('submit') });
    const [s1, s2] = (await Promise.all([h.effects.submitApplication(submit), other.submitApplication(submit)])).map(asSubmitted) as [ReturnType<typeof asSubmitted>, ReturnType<typeof asSubmitted>];
    expect(s2).toEqual(s1);
    expect(await h.db.prisma.application.count({ where: { borrowerId: s1.borrowerId } })).toBe(1);

    const sources: DataSource[] = ['credit_bureau', 'business_registry', 'tax', 'bank'];
    const consent = { borrowerId: s1.borrowerId, applicationId: s1.applicationId, conversationId: 'c', channel: 'web', granted: sources, refused: [], textVersion: 'auth-1', text: '授权', idempotencyKey: key('consent'), at: day0 };
    const [c1, c2] = await Promise.all([h.effects.recordConsent(consent), other.recordConsent(consent)]);
    expect(c2).toEqual(c1);
    expect(await h.db.prisma.consent.count({ where: { borrowerId: s1.borrowerId } })).toBe(4);

    const pull = { borrowerId: s1.borrowerId, applicationId: s1.applicationId, sources, idempotencyKey: key('pull'), at: day0 };
    const [p1, p2] = await Promise.all([h.effects.pullData(pull), other.pullData(pull)]);
    expect(p2).toEqual(p1);
    if (!p1.ok) throw new Error(JSON.stringify(p1));
    const product = DEMO_PRODUCTS.find((p) => p.id === submit.productId)!;
    const decided = decideApplication(product, p1.profile, shanghaiDateOf(day0));
    if (!decided.ok || decided.value.outcome !== 'approved') throw new Error('expected an approval');
    const decide = { applicationId: s1.applicationId, decision: decided.value, offerExpiresAt: day0 + 86_400_000, at: day0 };
    const [d1, d2] = await Promise.all([h.effects.recordDecision(decide), other.recordDecision(decide)]);
    // One process (PGlite) records the same decision once; two servers may both record it, as before.
    if (kind === 'pglite') {
      expect(d2).toEqual(d1);
      expect(await h.db.prisma.decision.count({ where: { applicationId: s1.applicationId } })).toBe(1);
    }

    const accept = { applicationId: s1.applicationId, borrowerId: s1.borrowerId, decisionId: d1.decisionId, termsVersion: 't1', termsText: '条款', idempotencyKey: key('accept'), at: day0 };
    const [a1, a2] = await Promise.all([h.effects.acceptOffer(accept), other.acceptOffer(accept)]);
    expect(a1.ok).toBe(true);
    expect(a2).toEqual(a1);
    expect(await h.db.prisma.creditLine.count({ where: { borrowerId: s1.borrowerId } })).toBe(1);
    if (!a1.ok) return;

    const draw = { lineId: a1.line.lineId, borrowerId: s1.borrowerId, amount: 1_000_000, termMonths: 6, method: 'interest_first' as const, idempotencyKey: key('draw'), at: day0 };
    const [w1, w2] = await Promise.all([h.effects.disburse(draw), other.disburse(draw)]);
    expect(w1).toMatchObject({ ok: true });
    expect(w2).toEqual(w1);
    // (A payoff raced with its own key is not covered: the loser re-applies the money to a settled line, as it always did.)
    const repay = { lineId: a1.line.lineId, borrowerId: s1.borrowerId, kind: 'partial' as const, amount: 300_000, idempotencyKey: key('repay'), at: shanghai('2026-01-20') };
    const [r1, r2] = await Promise.all([h.effects.repay(repay), other.repay(repay)]);
    expect(r1.ok).toBe(true);
    expect(r2).toEqual(r1);
    expect(await h.db.prisma.repayment.count({ where: { idempotencyKey: repay.idempotencyKey } })).toBe(1);
    await expectMirror(a1.line.lineId);
  });
});
