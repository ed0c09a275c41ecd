import { randomUUID } from 'node:crypto';
import { changeCreditLineStatus, openCreditLine } from '../../core/index.js';
import type { PrismaClient } from '../../server/db/index.js';

/**
 * Risk-view test data without a whole journey: a borrower with a line (its core state, frozen for
 * `frozenFor` when given) and early-warning signals on it, as the batch would have stored them.
 */
export async function seedWatchedLine(prisma: PrismaClient, o: { name: string; phoneMasked: string; frozenFor?: 'warning' | 'overdue'; managerId?: string; dpd?: number }) {
  const borrowerId = randomUUID();
  const lineId = randomUUID();
  await prisma.borrower.create({ data: { id: borrowerId, name: o.name, phoneMasked: o.phoneMasked, attributedStaffId: o.managerId ?? null } });
  const opened = openCreditLine({ id: lineId, limit: 10_000_000, annualRate: 0.0648, validFrom: '2026-06-01' });
  if (!opened.ok) throw new Error(opened.error.message);
  let state = opened.value.line;
  if (o.frozenFor) {
    const frozen = changeCreditLineStatus(state, 'frozen', '2026-12-01');
    if (!frozen.ok) throw new Error(frozen.error.message);
    state = frozen.value.line;
  }
  await prisma.creditLine.create({
    data: {
      id: lineId, borrowerId, productId: 'changde-kuaidai-personal', limitFen: 10_000_000n, availableFen: 10_000_000n, ratePpm: 64_800,
      validFrom: new Date('2026-06-01'), validUntil: new Date(state.validUntil), reviewAt: new Date(state.nextReviewDate),
      status: o.frozenFor ? 'frozen' : 'active', freezeReason: o.frozenFor ?? null, frozenAt: o.frozenFor ? new Date('2026-12-01T02:00:00Z') : null,
      dpd: o.dpd ?? 0, bucket: (o.dpd ?? 0) > 30 ? 'M2' : (o.dpd ?? 0) > 0 ? 'M1' : 'M0', loanClass: (o.dpd ?? 0) > 0 ? 'special_mention' : 'normal',
      state: JSON.parse(JSON.stringify(state)),
    },
  });
  return { borrowerId, lineId };
}

const REASONS = {
  red: [{ code: 'EW_BEHAVIOUR_SCORE_LOW', level: 'red', zh: '行为评分偏低', en: 'Behaviour score below the warning threshold', detail: 'behaviour score 495' }, { code: 'EW_BUSINESS_ABNORMAL', level: 'orange', zh: '企业被列入经营异常名录', en: 'Business listed as operating abnormally', detail: 'business listed as operating abnormally' }],
  orange: [{ code: 'EW_OVERDUE', level: 'orange', zh: '存在逾期', en: 'Instalment overdue', detail: '10 days past due' }],
  yellow: [{ code: 'EW_BALANCE_DROP', level: 'yellow', zh: '账户资金明显下降', en: 'Deposit balance fell sharply against its 6-month average', detail: 'balance 60% below its 6-month average' }],
} as const;

export async function seedSignal(prisma: PrismaClient, line: { borrowerId: string; lineId: string }, o: { level: 'red' | 'orange' | 'yellow'; businessDate: string; branch?: string; managerId?: string; score?: number }) {
  return prisma.riskSignal.create({
    data: {
      creditLineId: line.lineId, borrowerId: line.borrowerId, businessDate: new Date(o.businessDate), level: o.level, reasons: JSON.parse(JSON.stringify(REASONS[o.level])),
      behaviourScore: o.score ?? (o.level === 'red' ? 495 : o.level === 'orange' ? 570 : 590), branch: o.branch ?? null, managerId: o.managerId ?? null, status: 'open',
      // The batch stamps a freeze it made with the signal's moment.
      createdAt: new Date('2026-12-01T02:00:00Z'),
    },
  });
}

/**
 * The risk view's scenario (the browser test and the guides' screenshots): a manager of branch 0736;
 * 孙立强 paused by two red signals, 赵建国 paused 40 days overdue with one red, 李晓薇 orange then
 * yellow and not paused. Returns the lines, for more data on them.
 */
export async function seedRiskScenario(prisma: PrismaClient) {
  const manager = await prisma.staffUser.create({ data: { username: 'wangjl', displayName: '王经理', roles: ['manager'], branch: '0736', passwordHash: '' } });
  const warned = await seedWatchedLine(prisma, { name: '孙立强', phoneMasked: '135****0005', frozenFor: 'warning', managerId: manager.id });
  const overdue = await seedWatchedLine(prisma, { name: '赵建国', phoneMasked: '158****0003', frozenFor: 'overdue', dpd: 40 });
  const quiet = await seedWatchedLine(prisma, { name: '李晓薇', phoneMasked: '139****0002' });
  await seedSignal(prisma, warned, { level: 'red', businessDate: '2026-12-01', branch: '0736', managerId: manager.id });
  await seedSignal(prisma, warned, { level: 'red', businessDate: '2026-12-02', branch: '0736', managerId: manager.id });
  await seedSignal(prisma, overdue, { level: 'red', businessDate: '2026-12-02', branch: '0731' });
  await seedSignal(prisma, quiet, { level: 'orange', businessDate: '2026-12-01', branch: '0731' });
  await seedSignal(prisma, quiet, { level: 'yellow', businessDate: '2026-12-02', branch: '0731' });
  return { manager, warned, overdue, quiet };
}
