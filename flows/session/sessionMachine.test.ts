import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { DEMO_PRODUCTS } from '../../core/index.js';
import { DEFAULT_FAQ } from '../faq/faqTable.js';
import { DEFAULT_FLOW_SETTINGS } from '../shared/flowSettings.js';
import { lineFixture } from '../testing/fixtures.js';
import { checkModel, type TestEvent } from '../testing/modelCheck.js';
import { createSessionMachine } from './sessionMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);
const machine = createSessionMachine({ products: DEMO_PRODUCTS, faq: DEFAULT_FAQ, settings: DEFAULT_FLOW_SETTINGS });
const pending = { applicationId: 'a', decisionId: 'd', productId: DEMO_PRODUCTS[0]!.id, limit: 5_000_000, annualRate: 0.0648, aprSimple: 0.0648, aprCompound: 0.0668, offerExpiresAt: AT + 86_400_000 };

/** The borrower's words, staff actions, deadlines, and every way each sub-flow can finish. */
const events = (s: AnyMachineSnapshot): TestEvent[] => {
  const text = (t: string) => ({ type: 'user.text', text: t, id: `m-${t}`, at: AT });
  const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });
  const words = ['你好', '1', '2', '3', '4', '5', '申请', '借款', '还款', '额度', '进度', '我想借5万', '还不上了', '转人工', '取消', '利率多少？', '退订', '恢复推送', '撤回授权', 'English', '确认撤回', '乱七八糟', '我要投诉', '我的工单', '工单 GD20261122-0001', 'notice.repay', 'notice.paid', 'notice.human'].map(text);
  // 续贷 starts the renewal from the menu of a borrower with a line (said elsewhere: flows/renewal's tests); kept to those states, the model stays small.
  if (s.matches({ flow: 'menu' }) && (s.context as { hasLine: boolean }).hasLine) words.push(text('续贷'));
  const staff = [
    { type: 'staff.takeover', staffId: 's', staffName: '小王', at: AT },
    { type: 'staff.message', staffId: 's', text: '您好', at: AT },
    { type: 'staff.handback', staffId: 's', at: AT },
    { type: 'deadline.due', key: 'handoff.timeout', kind: 'handoff.timeout', at: AT },
    { type: 'deadline.due', key: 'offer.expiry', kind: 'offer.expiry', at: AT },
    { type: 'postloan.notice', noticeId: 'reminder:d:1:T-1', template: 'reminder.T-1', params: { drawdownId: 'd', dueDate: '2026-12-22', amount: 100, penalty: 0 }, at: AT },
  ];
  const completions: TestEvent[] = [];
  if (s.matches({ flow: { inFlow: 'application' } }))
    completions.push(done('application', { status: 'submitted', borrowerId: 'b', applicationId: 'a', productId: DEMO_PRODUCTS[0]!.id, borrowerName: '陈' }), done('application', { status: 'paused', draft: { name: '陈' } }), done('application', { status: 'cancelled' }));
  if (s.matches({ flow: { inFlow: 'authorisation' } })) completions.push(done('consent', { status: 'granted', granted: ['credit_bureau'] }), done('consent', { status: 'refused' }));
  if (s.matches({ flow: { inFlow: 'offer' } }))
    for (const status of ['accepted', 'declined', 'review', 'declined_by_borrower', 'expired', 'failed']) completions.push(done('offer', { status, line: lineFixture() }));
  if (s.matches({ flow: { inFlow: 'offer' } })) completions.push(done('offer', { status: 'later', pending }));
  if (s.matches({ flow: { inFlow: 'drawdown' } })) completions.push(done('drawdown', { status: 'cancelled' }));
  if (s.matches({ flow: { inFlow: 'repayment' } })) completions.push(done('repayment', { status: 'nothing_owed' }));
  if (s.matches({ flow: { inFlow: 'renewal' } })) completions.push(done('renewal', { status: 'renewed', line: lineFixture() }), done('renewal', { status: 'none' }));
  if (s.matches({ flow: 'status' }))
    completions.push(
      done('loadAccount', { borrowerId: 'b', lines: [], application: { applicationId: 'a', productId: DEMO_PRODUCTS[0]!.id, status: 'under_review', submittedAt: AT } }),
      done('loadAccount', { borrowerId: 'b', lines: [lineFixture()] }),
      done('loadAccount', { borrowerId: 'b', lines: [] }),
    );
  if (s.matches({ flow: 'account' })) completions.push(done('loadAccount', { borrowerId: 'b', lines: [lineFixture()] }), done('loadAccount', { borrowerId: 'b', lines: [], pendingOffer: pending }), done('loadAccount', { borrowerId: 'b', lines: [] }));
  if (s.matches({ flow: 'revoking' })) completions.push(done('revokeConsent', { revoked: ['credit_bureau'] }));
  if (s.matches({ flow: 'unsubscribing' })) completions.push(done('setMarketingOptOut', { ok: true }));
  if (s.matches({ flow: 'resubscribing' })) completions.push(done('setMarketingOptIn', { ok: true }));
  if (s.matches({ handoff: 'requested' })) completions.push(done('requestHandoff', { workItemId: 'w' }));
  const order = { number: 'GD20261122-0001', kind: 'complaint', status: 'open', createdAt: AT, respondBy: AT + 7_200_000, resolveBy: AT + 57_600_000 };
  if (s.matches({ complaint: 'opening' })) completions.push(done('openComplaint', order));
  if (s.matches({ postLoan: 'checking' })) completions.push(done('checkRepaid', { borrowerId: 'b', lines: [lineFixture()] }));
  if (s.matches({ postLoan: 'opening' })) completions.push(done('openCollectionOrder', { ...order, kind: 'collection' }));
  if (s.matches({ flow: 'workOrders' })) completions.push(done('workOrderStatus', { orders: [order] }), done('workOrderStatus', { orders: [] }));
  return [...words, ...staff, ...completions] as TestEvent[];
};
const serialize = (s: AnyMachineSnapshot) => {
  const c = s.context as { borrowerId?: string; hasLine: boolean; pendingOffer?: unknown; application?: { granted: unknown }; draft?: unknown; locale: string; awaitingResume: boolean };
  return JSON.stringify([s.value, !!c.borrowerId, c.hasLine, !!c.pendingOffer, c.application ? c.application.granted !== null : null, !!c.draft, c.locale]);
};

describe('session machine (model-based)', () => {
  it.each(['private', 'group'] as const)('reaches every state in a %s chat and always gets back to the menu', (chatType) => {
    const report = checkModel(machine, { input: { conversationId: 'c', channel: 'rest', chatType, locale: 'zh' }, events, serialize, limit: 200_000 });
    // The session never ends; "sensible" means the menu is always reachable again.
    const menuKeys = new Set(report.snapshots.filter((s) => s.matches({ flow: 'menu', handoff: 'bot' })).map(serialize));
    expect(menuKeys.size).toBeGreaterThan(0);
    if (chatType === 'private') expect(report.unreachable).toEqual([]);
    else {
      // In a group, nothing personal ever starts: no application, consent, offer, drawdown, repayment or revocation.
      for (const id of ['session.flow.inFlow.application', 'session.flow.inFlow.authorisation', 'session.flow.inFlow.offer', 'session.flow.inFlow.drawdown', 'session.flow.inFlow.repayment', 'session.flow.revokeConfirm', 'session.complaint.opening', 'session.flow.workOrders']) {
        expect(report.unreachable).toContain(id);
      }
    }
    expect(report.vertices).toBeGreaterThan(chatType === 'private' ? 100 : 5);
    // An exhaustive walk of every reachable state (~16 s for a private chat on a quiet machine): its
    // own budget, so a loaded CI machine doesn't fail it on time alone.
  }, 120_000);
});
