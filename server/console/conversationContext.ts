import { formatYuan, RISK_REASONS, type RiskReasonCode } from '../../core/index.js';
import type { PrismaClient } from '../db/index.js';

const yuan = (fen: bigint | null | undefined): string | null => (fen === null || fen === undefined ? null : formatYuan(Number(fen)));
const percent = (ppm: number | null | undefined, scale: number): string | null => (ppm === null || ppm === undefined ? null : `${((ppm / scale) * 100).toFixed(2)}%`);
const day = (d: Date | null | undefined): string | null => (d ? d.toISOString().slice(0, 10) : null);

/**
 * What the console's context panel shows about the borrower behind a conversation: the latest
 * application and its decision (reason codes in words, both languages), consents, the credit line,
 * recent drawdowns, the next instalment and anything overdue. Identifiers only masked (the stored
 * masked ID number and phone); no card or account number is read. `variables` fill canned replies.
 */
export async function conversationContext(prisma: PrismaClient, conversationId: string, today: Date) {
  const conversation = await prisma.conversation.findUnique({ where: { id: conversationId }, select: { borrowerId: true, locale: true } });
  const borrowerId = conversation?.borrowerId;
  if (!borrowerId) return { borrower: null, application: null, decision: null, consents: [], creditLine: null, drawdowns: [], nextInstalment: null, overdue: null, variables: { name: '', nextDueDate: '', amountDue: '' } };
  const todayDate = new Date(`${today.toISOString().slice(0, 10)}T00:00:00.000Z`);
  const [borrower, application, consents, creditLine] = await Promise.all([
    prisma.borrower.findUnique({ where: { id: borrowerId }, select: { name: true, kind: true, idNumberMasked: true, phoneMasked: true, enterpriseName: true } }),
    prisma.application.findFirst({ where: { borrowerId }, orderBy: { createdAt: 'desc' }, include: { decisions: { orderBy: { createdAt: 'desc' }, take: 1 } } }),
    prisma.consent.findMany({ where: { borrowerId }, orderBy: { grantedAt: 'desc' }, take: 20 }),
    prisma.creditLine.findFirst({ where: { borrowerId }, orderBy: [{ status: 'asc' }, { createdAt: 'desc' }] }),
  ]);
  const drawdowns = creditLine ? await prisma.drawdown.findMany({ where: { creditLineId: creditLine.id }, orderBy: { createdAt: 'desc' }, take: 10 }) : [];
  const unpaid = drawdowns.length
    ? await prisma.installment.findMany({ where: { drawdownId: { in: drawdowns.map((d) => d.id) }, status: { not: 'paid' } }, orderBy: [{ dueDate: 'asc' }, { period: 'asc' }] })
    : [];
  const owed = (i: (typeof unpaid)[number]) => i.principalFen + i.interestFen - i.paidPrincipal - i.paidInterest;
  const next = unpaid.find((i) => i.dueDate >= todayDate);
  const late = unpaid.filter((i) => i.dueDate < todayDate || i.status === 'overdue');
  const decision = application?.decisions[0];
  const reasons = (decision?.reasonCodes ?? []).map((code) => {
    const known = RISK_REASONS[code as RiskReasonCode] as { zh: string; en: string } | undefined;
    return { code, zh: known?.zh ?? code, en: known?.en ?? code };
  });
  const nextDue = next ? { dueDate: day(next.dueDate)!, period: next.period, amountDue: yuan(owed(next))! } : null;
  return {
    borrower: borrower && { id: borrowerId, name: borrower.name, kind: borrower.kind, idNumber: borrower.idNumberMasked, phone: borrower.phoneMasked, enterpriseName: borrower.enterpriseName },
    application: application && {
      id: application.id,
      productId: application.productId,
      status: application.status,
      requestedAmount: yuan(application.requestedAmount),
      requestedTerm: application.requestedTerm,
      purpose: application.purpose,
      createdAt: application.createdAt.toISOString(),
    },
    decision: decision && {
      outcome: decision.outcome,
      score: decision.score,
      grade: decision.grade,
      reasons,
      limit: yuan(decision.limitFen),
      annualRate: percent(decision.ratePpm, 1_000_000),
      apr: percent(decision.aprSimpleBp, 10_000),
      decidedAt: decision.createdAt.toISOString(),
    },
    consents: consents.map((c) => ({ source: c.source, textVersion: c.textVersion, grantedAt: c.grantedAt.toISOString(), revokedAt: c.revokedAt?.toISOString() ?? null })),
    creditLine: creditLine && {
      status: creditLine.status,
      limit: yuan(creditLine.limitFen)!,
      available: yuan(creditLine.availableFen)!,
      annualRate: percent(creditLine.ratePpm, 1_000_000),
      validUntil: day(creditLine.validUntil),
    },
    drawdowns: drawdowns.map((d) => ({ amount: yuan(d.amountFen)!, termMonths: d.termMonths, method: d.method, status: d.status, startDate: day(d.startDate), disbursedAt: d.disbursedAt?.toISOString() ?? null })),
    nextInstalment: nextDue,
    overdue: late.length
      ? { instalments: late.length, amount: yuan(late.reduce((sum, i) => sum + owed(i), 0n))!, days: Math.max(0, Math.floor((todayDate.getTime() - late[0]!.dueDate.getTime()) / 86_400_000)) }
      : null,
    variables: { name: borrower?.name ?? '', nextDueDate: nextDue?.dueDate ?? '', amountDue: nextDue?.amountDue ?? '' },
  };
}

export type ConversationContext = Awaited<ReturnType<typeof conversationContext>>;
