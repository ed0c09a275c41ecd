import { formatYuanPlain, RISK_REASONS, type RiskReasonCode } from '../../core/index.js';
import type { PrismaClient } from '../db/index.js';
import { fieldContext, type FieldCipher } from '../security/fieldCipher.js';

/** One cell of an exported row: plain values only, so JSON and CSV carry the same thing. */
export type ExportValue = string | number | boolean | null;
export type ExportRow = Readonly<Record<string, ExportValue>>;

/** One kind of record and its rows, in a fixed order of fields. */
export interface ExportSection {
  readonly name: ExportSectionName;
  /** What people call it (Chinese first). */
  readonly title: { readonly zh: string; readonly en: string };
  readonly rows: readonly ExportRow[];
}

/** A borrower's data as handed over on request (PIPL art. 45): every section, even when empty. */
export interface BorrowerExport {
  readonly generatedAt: string;
  readonly borrowerId: string;
  readonly sections: readonly ExportSection[];
}

export const EXPORT_SECTIONS = {
  profile: { zh: '个人信息', en: 'Profile' },
  contactPreferences: { zh: '联系偏好', en: 'Contact preferences' },
  consents: { zh: '授权记录', en: 'Consents' },
  applications: { zh: '贷款申请', en: 'Applications' },
  decisions: { zh: '审批结果', en: 'Decisions' },
  creditLines: { zh: '授信额度', en: 'Credit lines' },
  drawdowns: { zh: '借款（提款）', en: 'Drawdowns' },
  installments: { zh: '还款计划', en: 'Installments' },
  repayments: { zh: '还款记录', en: 'Repayments' },
  ledgerEntries: { zh: '账务记录', en: 'Ledger entries' },
  contactLogs: { zh: '贷后联系记录', en: 'Contact logs' },
  conversations: { zh: '对话', en: 'Conversations' },
  messages: { zh: '对话内容', en: 'Messages' },
  workOrders: { zh: '工单', en: 'Work orders' },
} as const satisfies Record<string, { zh: string; en: string }>;
export type ExportSectionName = keyof typeof EXPORT_SECTIONS;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const day = (d: Date | null | undefined): string | null => (d ? d.toISOString().slice(0, 10) : null);
/** Money: integer fen as stored, and its yuan for people (no grouping, so spreadsheets read it as a number). */
const money = (name: string, fen: bigint | null | undefined): Record<string, ExportValue> =>
  fen === null || fen === undefined ? { [`${name}Fen`]: null, [`${name}Yuan`]: null } : { [`${name}Fen`]: Number(fen), [`${name}Yuan`]: formatYuanPlain(Number(fen)) };
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
/** Who wrote a message, without naming staff accounts (staff:<id> → staff). */
const authorKind = (author: string): string => (author.startsWith('staff') ? 'staff' : author);

/**
 * Collects everything kept about one borrower that is theirs to receive: the profile with the
 * encrypted identifiers opened (it is their own data), consents with the text version and hash,
 * applications, decisions with reason codes (not the staff-only score breakdown), lines, drawdowns,
 * installments, repayments, the ledger entries of those, post-loan contacts, the chat transcripts
 * (as stored: numbers masked) and work orders about them (not staff's internal notes). Undefined
 * when there is no such borrower.
 */
export async function collectBorrowerExport(prisma: PrismaClient, cipher: Pick<FieldCipher, 'decrypt'>, borrowerId: string, now: Date): Promise<BorrowerExport | undefined> {
  const borrower = await prisma.borrower.findUnique({ where: { id: borrowerId } });
  if (!borrower) return undefined;
  const [preferences, consents, applications, creditLines, contactLogs, conversations] = await Promise.all([
    prisma.contactPreference.findMany({ where: { borrowerId }, orderBy: { createdAt: 'asc' } }),
    prisma.consent.findMany({ where: { borrowerId }, orderBy: [{ grantedAt: 'asc' }, { id: 'asc' }] }),
    prisma.application.findMany({ where: { borrowerId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], include: { decisions: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } } }),
    prisma.creditLine.findMany({ where: { borrowerId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    prisma.contactLog.findMany({ where: { borrowerId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    prisma.conversation.findMany({ where: { borrowerId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, channel: true, locale: true, handoffStatus: true, createdAt: true, updatedAt: true } }),
  ]);
  const lineIds = creditLines.map((l) => l.id);
  const conversationIds = conversations.map((c) => c.id);
  const [drawdowns, repayments, messages, workOrders] = await Promise.all([
    lineIds.length ? prisma.drawdown.findMany({ where: { creditLineId: { in: lineIds } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }) : [],
    lineIds.length ? prisma.repayment.findMany({ where: { creditLineId: { in: lineIds } }, orderBy: [{ paidAt: 'asc' }, { id: 'asc' }] }) : [],
    conversationIds.length ? prisma.message.findMany({ where: { conversationId: { in: conversationIds } }, orderBy: [{ conversationId: 'asc' }, { seq: 'asc' }], select: { conversationId: true, seq: true, direction: true, channel: true, author: true, text: true, createdAt: true } }) : [],
    // A work order names the borrower, or only the conversation it came from.
    prisma.workItem.findMany({ where: { OR: [{ borrowerId }, ...(conversationIds.length ? [{ conversationId: { in: conversationIds } }] : [])] }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  ]);
  const drawdownIds = drawdowns.map((d) => d.id);
  // Postings name what caused them: a drawdown (disbursement, accruals), a repayment, or the line.
  const refIds = [...lineIds, ...drawdownIds, ...repayments.map((r) => r.id)];
  const [installments, ledger] = await Promise.all([
    drawdownIds.length ? prisma.installment.findMany({ where: { drawdownId: { in: drawdownIds } }, orderBy: [{ drawdownId: 'asc' }, { period: 'asc' }] }) : [],
    refIds.length ? prisma.ledgerEntry.findMany({ where: { refId: { in: refIds } }, orderBy: [{ bookedOn: 'asc' }, { createdAt: 'asc' }, { postingId: 'asc' }, { id: 'asc' }] }) : [],
  ]);

  const open = (sealed: string | null, column: string): string | null => (sealed ? cipher.decrypt(sealed, fieldContext('Borrower', column, borrower.id)) : null);
  const reasonWords = (code: string) => (RISK_REASONS[code as RiskReasonCode] as { zh: string; en: string } | undefined) ?? { zh: code, en: code };

  const sections: Record<ExportSectionName, ExportRow[]> = {
    profile: [
      {
        borrowerId: borrower.id,
        kind: borrower.kind,
        name: borrower.name,
        idNumber: open(borrower.idNumberEnc, 'idNumberEnc'),
        phone: open(borrower.phoneEnc, 'phoneEnc'),
        enterpriseName: borrower.enterpriseName,
        uscc: borrower.uscc,
        enterpriseRole: borrower.enterpriseRole,
        tags: borrower.tags.join(';'),
        firstTouch: borrower.firstTouch,
        firstTouchAt: iso(borrower.firstTouchAt),
        createdAt: iso(borrower.createdAt),
        updatedAt: iso(borrower.updatedAt),
      },
    ],
    contactPreferences: preferences.map((p) => ({ channel: p.channel, marketingOptOut: p.marketingOptOut, optedOutAt: iso(p.optedOutAt), createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) })),
    consents: consents.map((c) => ({ consentId: c.id, source: c.source, textVersion: c.textVersion, textHash: c.textHash, channel: c.channel, conversationId: c.conversationId, grantedAt: iso(c.grantedAt), revokedAt: iso(c.revokedAt) })),
    applications: applications.map((a) => ({
      applicationId: a.id,
      productId: a.productId,
      status: a.status,
      purpose: a.purpose,
      purposeDetail: a.purposeDetail,
      ...money('requestedAmount', a.requestedAmount),
      requestedTermMonths: a.requestedTerm,
      termsVersion: a.termsVersion,
      termsHash: a.termsHash,
      acceptedAt: iso(a.acceptedAt),
      offerExpiresAt: iso(a.offerExpiresAt),
      referral: a.referral,
      conversationId: a.conversationId,
      createdAt: iso(a.createdAt),
      updatedAt: iso(a.updatedAt),
    })),
    decisions: applications.flatMap((a) =>
      a.decisions.map((d) => ({
        decisionId: d.id,
        applicationId: a.id,
        outcome: d.outcome,
        score: d.score,
        grade: d.grade,
        reasonCodes: d.reasonCodes.join(';'),
        reasons: d.reasonCodes.map((code) => `${reasonWords(code).zh} / ${reasonWords(code).en}`).join('; '),
        ...money('limit', d.limitFen),
        annualRatePpm: d.ratePpm,
        aprSimpleBp: d.aprSimpleBp,
        aprCompoundBp: d.aprCompoundBp,
        modelVersion: d.modelVersion,
        decidedAt: iso(d.createdAt),
      })),
    ),
    creditLines: creditLines.map((l) => ({
      creditLineId: l.id,
      productId: l.productId,
      decisionId: l.decisionId,
      status: l.status,
      freezeReason: l.freezeReason,
      frozenAt: iso(l.frozenAt),
      ...money('limit', l.limitFen),
      ...money('available', l.availableFen),
      annualRatePpm: l.ratePpm,
      validFrom: day(l.validFrom),
      validUntil: day(l.validUntil),
      reviewAt: day(l.reviewAt),
      daysPastDue: l.dpd,
      loanClass: l.loanClass,
      createdAt: iso(l.createdAt),
    })),
    drawdowns: drawdowns.map((d) => ({
      drawdownId: d.id,
      creditLineId: d.creditLineId,
      ...money('amount', d.amountFen),
      termMonths: d.termMonths,
      method: d.method,
      annualRatePpm: d.ratePpm,
      status: d.status,
      paymentRef: d.paymentRef,
      startDate: day(d.startDate),
      disbursedAt: iso(d.disbursedAt),
      daysPastDue: d.dpd,
      ...money('penalty', d.penaltyFen),
      createdAt: iso(d.createdAt),
    })),
    installments: installments.map((i) => ({
      drawdownId: i.drawdownId,
      period: i.period,
      dueDate: day(i.dueDate),
      ...money('principal', i.principalFen),
      ...money('interest', i.interestFen),
      ...money('paidPrincipal', i.paidPrincipal),
      ...money('paidInterest', i.paidInterest),
      ...money('paidPenalty', i.paidPenalty),
      status: i.status,
    })),
    repayments: repayments.map((r) => ({ repaymentId: r.id, creditLineId: r.creditLineId, drawdownId: r.drawdownId, kind: r.kind, ...money('amount', r.amountFen), paymentRef: r.paymentRef, paidAt: iso(r.paidAt) })),
    ledgerEntries: ledger.map((e) => ({ postingId: e.postingId, account: e.account, ...money('debit', e.debitFen), ...money('credit', e.creditFen), memo: e.memo, refType: e.refType, refId: e.refId, bookedOn: day(e.bookedOn) })),
    contactLogs: contactLogs.map((c) => ({ purpose: c.purpose, template: c.template, params: json(c.params), channel: c.channel, creditLineId: c.creditLineId, status: c.status, reason: c.reason, sentAt: iso(c.sentAt), createdAt: iso(c.createdAt) })),
    conversations: conversations.map((c) => ({ conversationId: c.id, channel: c.channel, locale: c.locale, handoffStatus: c.handoffStatus, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) })),
    messages: messages.map((m) => ({ conversationId: m.conversationId, seq: m.seq, direction: m.direction, channel: m.channel, author: authorKind(m.author), text: m.text, createdAt: iso(m.createdAt) })),
    workOrders: workOrders.map((w) => ({ number: w.number, kind: w.kind, status: w.status, title: w.title, reason: w.reason, conversationId: w.conversationId, createdAt: iso(w.createdAt), doneAt: iso(w.doneAt), closedAt: iso(w.closedAt), resolution: w.resolution })),
  };
  return {
    generatedAt: now.toISOString(),
    borrowerId: borrower.id,
    sections: (Object.keys(EXPORT_SECTIONS) as ExportSectionName[]).map((name) => ({ name, title: EXPORT_SECTIONS[name], rows: sections[name] })),
  };
}

/** How many rows each section has: what the audit log keeps of an export (never the data). */
export const sectionCounts = (data: BorrowerExport): Record<string, number> => Object.fromEntries(data.sections.map((s) => [s.name, s.rows.length]));
