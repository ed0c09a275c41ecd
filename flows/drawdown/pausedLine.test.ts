import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { LineView } from '../host.js';
import type { Reply } from '../reply.js';
import { lineFixture } from '../testing/fixtures.js';
import { createDrawdownMachine } from './drawdownMachine.js';

const AT = Date.UTC(2026, 10, 22, 2);

/** What the borrower is told asking to draw on their accounts' lines (the account loaded, no effects beyond). */
function ask(lines: LineView[], locale: 'zh' | 'en' = 'zh'): { replies: Reply[]; output: unknown } {
  const replies: Reply[] = [];
  const machine = createDrawdownMachine().provide({ actions: { reply: (_: unknown, reply: Reply) => void replies.push(reply) } });
  const actor = createActor(machine, { input: { conversationId: 'c', channel: 'rest', locale, at: AT, borrowerId: 'b' } }).start();
  actor.send({ type: 'xstate.done.actor.loadAccount', output: { borrowerId: 'b', lines } } as never);
  return { replies, output: actor.getSnapshot().output };
}

describe('a paused (frozen) line refuses a drawdown politely', () => {
  it('under review after a warning or the yearly review: says so, and offers a person', () => {
    for (const freezeReason of ['warning', 'review'] as const) {
      const { replies, output } = ask([lineFixture({ status: 'frozen', freezeReason, available: 5_000_000 })]);
      expect(output).toEqual({ status: 'no_line' });
      expect(replies).toHaveLength(1);
      expect(replies[0]!.text).toContain('例行复核');
      expect(replies[0]!.text).not.toContain('申请');
      expect(replies[0]!.options).toEqual([{ label: '转人工', value: '转人工' }]);
    }
  });

  it('overdue: repay first, with 还款 and a person offered', () => {
    const { replies } = ask([lineFixture({ status: 'frozen', freezeReason: 'overdue', overdue: 50_000 })]);
    expect(replies[0]!.text).toContain('逾期');
    expect(replies[0]!.options!.map((o) => o.value)).toEqual(['repay', '转人工']);
  });

  it('frozen by staff or for a reason not given: paused, ask a person; and in English', () => {
    expect(ask([lineFixture({ status: 'frozen', freezeReason: 'staff' })]).replies[0]!.text).toContain('暂停使用');
    expect(ask([lineFixture({ status: 'frozen' })]).replies[0]!.text).toContain('暂停使用');
    const en = ask([lineFixture({ status: 'frozen', freezeReason: 'warning' })], 'en').replies[0]!;
    expect(en.text).toContain('routine review');
    expect(en.options).toEqual([{ label: 'Talk to a person', value: '转人工' }]);
  });
});

describe('a line paused between the preview and the confirmation', () => {
  it('is told as politely as at the start: why, and how to reach a person', () => {
    const replies: Reply[] = [];
    const machine = createDrawdownMachine().provide({ actions: { reply: (_: unknown, reply: Reply) => void replies.push(reply) } });
    const actor = createActor(machine, { input: { conversationId: 'c', channel: 'rest', locale: 'zh', at: AT, borrowerId: 'b' } }).start();
    const text = (t: string) => actor.send({ type: 'user.text', text: t, id: `m-${t}`, at: AT });
    actor.send({ type: 'xstate.done.actor.loadAccount', output: { borrowerId: 'b', lines: [lineFixture()] } } as never);
    for (const t of ['3万', '12', '1', '确认借款']) text(t);
    actor.send({ type: 'xstate.done.actor.sendStepUp', output: { ok: true, expiresAt: AT + 300_000, mobileMasked: '138****8000' } } as never);
    text('123456');
    actor.send({ type: 'xstate.done.actor.verifyStepUp', output: { result: 'ok' } } as never);
    expect(actor.getSnapshot().matches('disbursing')).toBe(true);
    replies.length = 0;
    // The night's early-warning batch paused the line after the preview was shown.
    actor.send({ type: 'xstate.done.actor.disburse', output: { ok: false, reason: 'line_inactive', detail: 'LINE_NOT_ACTIVE', freezeReason: 'warning' } } as never);
    expect(replies[0]!.text).toContain('例行复核');
    expect(replies[0]!.options).toEqual([{ label: '转人工', value: '转人工' }]);
    // The flow ends there: no second confirmation of a drawdown on a paused line.
    expect(actor.getSnapshot().output).toEqual({ status: 'no_line' });
  });
});
