import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../server/db/generated/client.js';
import { fieldContext, type FieldCipher } from '../../server/security/fieldCipher.js';

/** What the export seed wrote, in clear, for tests to find in the file. */
export interface SeededBorrower {
  readonly borrowerId: string;
  readonly otherBorrowerId: string;
  readonly name: string;
  readonly idNumber: string;
  readonly phone: string;
  /** A value a spreadsheet would run as a formula if it were written as it is. */
  readonly formulaLike: string;
  /** A message with a comma, a quote and a line break. */
  readonly awkwardText: string;
  readonly conversationId: string;
  readonly workOrderNumber: string;
}

/**
 * One borrower with a record of every kind the data export collects (profile with encrypted ID number
 * and phone, consent, application and decision, line, drawdown, installments, repayment, ledger, contact
 * log, conversation with messages, work order), and a second borrower whose rows must not appear.
 */
export async function seedExportBorrower(prisma: PrismaClient, cipher: Pick<FieldCipher, 'encrypt' | 'lookupHash'>): Promise<SeededBorrower> {
  const seeded = {
    borrowerId: randomUUID(),
    otherBorrowerId: randomUUID(),
    name: '陈小梅',
    idNumber: '110101199003077777',
    phone: '13912345678',
    formulaLike: '=HYPERLINK("http://evil.example","点我")',
    awkwardText: '你好，"我想" 还款,\n下个月可以吗',
    conversationId: randomUUID(),
    workOrderNumber: `GD20261205-${String(Math.floor(Math.random() * 9000) + 1000)}`,
  };
  const { borrowerId } = seeded;
  const at = new Date('2026-11-02T02:00:00Z');
  await prisma.borrower.create({
    data: {
      id: borrowerId,
      name: seeded.name,
      idNumberEnc: cipher.encrypt(seeded.idNumber, fieldContext('Borrower', 'idNumberEnc', borrowerId)),
      idNumberHash: cipher.lookupHash(seeded.idNumber),
      idNumberMasked: '1101**********7777',
      phoneEnc: cipher.encrypt(seeded.phone, fieldContext('Borrower', 'phoneEnc', borrowerId)),
      phoneHash: cipher.lookupHash(seeded.phone),
      phoneMasked: '139****5678',
      tags: ['老客户'],
      createdAt: at,
    },
  });
  await prisma.borrower.create({ data: { id: seeded.otherBorrowerId, name: '别人', createdAt: at } });
  await prisma.conversation.create({ data: { id: seeded.conversationId, channel: 'web', externalUserId: `export-${borrowerId}`, borrowerId, machineId: 'lending', machineVersion: 1, lastSeq: 3, createdAt: at } });
  await prisma.conversation.create({ data: { channel: 'web', externalUserId: `export-other-${borrowerId}`, borrowerId: seeded.otherBorrowerId, machineId: 'lending', machineVersion: 1 } });
  await prisma.message.createMany({
    data: [
      { conversationId: seeded.conversationId, seq: 1, direction: 'inbound', channel: 'web', author: 'borrower', text: '我要借款', createdAt: at },
      { conversationId: seeded.conversationId, seq: 2, direction: 'outbound', channel: 'web', author: 'bot', text: '好的，请先阅读授权书。', createdAt: at },
      { conversationId: seeded.conversationId, seq: 3, direction: 'inbound', channel: 'web', author: 'borrower', text: seeded.awkwardText, createdAt: at },
    ],
  });
  await prisma.consent.create({ data: { borrowerId, conversationId: seeded.conversationId, source: 'credit_bureau', textVersion: 'credit-auth-2026-01', textHash: 'a'.repeat(64), channel: 'web', grantedAt: at } });
  const application = await prisma.application.create({
    data: { borrowerId, productId: 'consumer-revolving', status: 'accepted', purpose: 'consumption', purposeDetail: seeded.formulaLike, requestedAmount: 5_000_000n, requestedTerm: 12, conversationId: seeded.conversationId, termsVersion: 'terms-2026-01', termsHash: 'b'.repeat(64), createdAt: at },
  });
  const decision = await prisma.decision.create({ data: { applicationId: application.id, outcome: 'approved', score: 712, grade: 'B', reasonCodes: ['AGE_BELOW_MIN'], detail: { internal: 'never exported' }, modelVersion: 'scorecard-v3', limitFen: 3_000_000n, ratePpm: 72_000, createdAt: at } });
  const line = await prisma.creditLine.create({
    data: { borrowerId, productId: 'consumer-revolving', decisionId: decision.id, limitFen: 3_000_000n, availableFen: 2_000_000n, ratePpm: 72_000, validFrom: new Date('2026-11-02'), validUntil: new Date('2027-11-02'), reviewAt: new Date('2027-11-02') },
  });
  const drawdown = await prisma.drawdown.create({ data: { creditLineId: line.id, amountFen: 1_000_000n, termMonths: 3, method: 'equal_installment', ratePpm: 72_000, status: 'active', idempotencyKey: `export-dd-${borrowerId}`, startDate: new Date('2026-11-03'), disbursedAt: at } });
  await prisma.installment.createMany({
    data: [
      { drawdownId: drawdown.id, period: 1, dueDate: new Date('2026-12-03'), principalFen: 331_674n, interestFen: 6_000n, paidPrincipal: 331_674n, paidInterest: 6_000n, status: 'paid' },
      { drawdownId: drawdown.id, period: 2, dueDate: new Date('2027-01-03'), principalFen: 333_664n, interestFen: 4_010n, status: 'scheduled' },
      { drawdownId: drawdown.id, period: 3, dueDate: new Date('2027-02-03'), principalFen: 334_662n, interestFen: 2_008n, status: 'scheduled' },
    ],
  });
  const repayment = await prisma.repayment.create({ data: { creditLineId: line.id, drawdownId: drawdown.id, amountFen: 337_674n, kind: 'due_installment', idempotencyKey: `export-rp-${borrowerId}`, paidAt: new Date('2026-12-03T01:00:00Z') } });
  const posting = randomUUID();
  await prisma.ledgerEntry.createMany({
    data: [
      { postingId: posting, account: 'cash', debitFen: 337_674n, memo: '还款', refType: 'repayment', refId: repayment.id, bookedOn: new Date('2026-12-03') },
      { postingId: posting, account: 'loan_principal', creditFen: 331_674n, memo: '还款', refType: 'repayment', refId: repayment.id, bookedOn: new Date('2026-12-03') },
      { postingId: posting, account: 'interest_receivable', creditFen: 6_000n, memo: '还款', refType: 'repayment', refId: repayment.id, bookedOn: new Date('2026-12-03') },
    ],
  });
  await prisma.contactLog.create({ data: { key: `reminder:${drawdown.id}:1:due`, borrowerId, creditLineId: line.id, purpose: 'reminder', template: 'reminder.due', params: { period: 1 }, channel: 'web', status: 'sent', sentAt: new Date('2026-12-01T01:00:00Z') } });
  await prisma.workItem.create({ data: { number: seeded.workOrderNumber, kind: 'complaint', borrowerId, conversationId: seeded.conversationId, reason: '客户投诉还款提醒过多', dueAt: new Date('2026-12-05T10:00:00Z') } });
  return seeded;
}
