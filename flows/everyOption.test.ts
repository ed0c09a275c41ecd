import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, demoPersona } from '../core/index.js';
import { readNumber } from './session/shownOptions.js';
import { conversationWalker, optionsShown, type Step, type WalkNode } from './testing/walkConversation.js';

/**
 * Every option means what it shows (model-based): the conversation is walked from a new borrower's
 * "你好" through every list it shows — main menu, FAQ, cards with options, sub-flow menus, waiting
 * for a person — and at each one every option is chosen three ways: tapped (its value, as the web
 * chat sends it), by its number and by its label, each on a copy of the same conversation. All three
 * must be answered and lead to the same place with the same replies. Forms are answered as a
 * borrower would, so the walk gets through application, authorisation, offer, drawdown and
 * repayment; and from every state a stray message, "进度", "还不上了", "返回" and "取消" get a reply.
 */
const person = demoPersona('excellent').profile.person;
const business = demoPersona('enterprise_owner').profile.enterprise!;

/** What a borrower types where the conversation asks for words rather than a choice (by step, as the status names it). */
const ANSWERS: Record<string, string> = {
  'application.name': person.name,
  'application.idNumber': person.idNumber,
  'application.mobile': person.mobile,
  'application.otp': '123456',
  'application.companyName': business.name,
  'application.uscc': business.uscc,
  'application.amount': '20万',
  'drawdown.amount': '3万',
  'repayment.amount': '1000',
};
const STRAY = ['嗯嗯', '进度', '还不上了', '返回', '取消'];

const walker = conversationWalker(DEMO_PRODUCTS, { channel: 'terminal' });
/** Places differ by step, hand-off, who is known, the loans they have and the list shown (by values: labels carry amounts). */
const key = (node: WalkNode) =>
  JSON.stringify([
    node.status.step,
    node.status.handoff,
    node.status.borrowerId !== undefined,
    // The product being applied for (the enterprise one asks more).
    (node.driver.persisted as { children?: { application?: { snapshot?: { context?: { draft?: { productId?: string } } } } } } | undefined)?.children?.application?.snapshot?.context?.draft?.productId,
    [...node.store.lines.values()].map((l) => l.drawdowns.filter((d) => d.status === 'active').map((d) => d.method)),
    optionsShown(node.replies).map((o) => o.value),
  ]);

const problems: string[] = [];
const where = (node: WalkNode) => `after ${node.path.join(' → ')}`;
const answered = (step: Step, node: WalkNode) => {
  if (!step.replies.length) problems.push(`no reply to "${step.said}" ${where(node)}`);
};

async function visit(node: WalkNode): Promise<WalkNode[]> {
  const next: WalkNode[] = [];
  const options = optionsShown(node.replies);
  for (const [i, option] of options.entries()) {
    const tapped = await walker.send(node, option.value);
    answered(tapped, node);
    for (const typed of [String(i + 1), option.label]) {
      const step = await walker.send(node, typed);
      answered(step, node);
      // A number that is also an offered quantity ("3" at 3期/6期/12期) is asked back, offering both readings.
      const ambiguous = readNumber(typed, options);
      if (ambiguous?.kind === 'ambiguous') {
        const offered = optionsShown(step.replies).map((o) => o.value);
        if (offered.join() !== [ambiguous.byValue.value, ambiguous.byIndex.value].join()) problems.push(`"${typed}" is not asked back ${where(node)}:\n${step.rendered}`);
        continue;
      }
      if (step.rendered !== tapped.rendered || step.status.step !== tapped.status.step || step.status.handoff !== tapped.status.handoff) {
        problems.push(`"${typed}" is not option ${i + 1} "${option.label}" ${where(node)}:\n${step.rendered}\n  — but tapping it gives —\n${tapped.rendered}`);
      }
    }
    next.push(tapped.node);
  }
  const answer = ANSWERS[node.status.step];
  if (answer !== undefined) {
    const step = await walker.send(node, answer);
    answered(step, node);
    next.push(step.node);
  }
  for (const said of STRAY) answered(await walker.send(node, said), node);
  return next;
}

describe('every option means what it shows (model-based walk)', () => {
  it('each option of each list is answered, and its number and its label do what tapping it does', async () => {
    const openLine = ['你好', '1', '1', person.name, person.idNumber, person.mobile, '123456', '2', '20万', '确认提交', '1', '1', '我已阅读并同意'];
    const instalments = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', '123456'];
    // A new borrower; one with a loan in instalments; one with two loans (the repayment asks which): at their 额度 card.
    const starts = [await walker.follow(['你好']), await walker.follow([...instalments, '额度']), await walker.follow([...instalments, '借款', '1万', '3期', '先息后本', '确认借款', '123456', '额度'])];
    const visited = await walker.walk(starts, key, visit, 400);
    // Problems first: they explain a walk that stopped short.
    expect(problems).toEqual([]);
    const steps = new Set(visited.map((n) => n.status.step.split('.')[0]));
    // The walk reaches every part of the conversation, and many lists.
    for (const part of ['menu', 'application', 'authorisation', 'offer', 'drawdown', 'repayment']) expect(steps, part).toContain(part);
    for (const step of ['application.companyName', 'repayment.whichDrawdown', 'repayment.mode']) expect(visited.map((n) => n.status.step), step).toContain(step);
    expect(visited.some((n) => n.status.handoff === 'requested')).toBe(true);
    expect(visited.filter((n) => optionsShown(n.replies).length > 0).length).toBeGreaterThan(50);
  }, 120_000);
});

describe('options shown, in a conversation stored before they were kept', () => {
  it('at the menu a number is still read against the main menu', async () => {
    const node = await walker.follow(['你好']);
    const persisted = structuredClone(node.driver.persisted) as { context: { shown?: unknown } };
    delete persisted.context.shown;
    const step = await walker.send({ ...node, driver: { ...node.driver, persisted } }, '1');
    expect(step.status.step).toBe('application.product');
  });
});
