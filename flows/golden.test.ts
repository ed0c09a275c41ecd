import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, demoPersona } from '../core/index.js';
import { createConversationSpec } from './conversationSpec.js';
import { createConversationDriver, type EventWithoutAt } from './testing/conversationDriver.js';
import { createFakeEffects, type FakeEffects } from './testing/fakeEffects.js';
import { renderReplies } from './testing/renderTranscript.js';

/** `review`: a reviewer's act on the application in manual review, made on the fake host, then the event it dispatches. */
type Step = string | { event: EventWithoutAt } | { review: (effects: FakeEffects) => EventWithoutAt } | { fire: string } | { after: number; say: string } | ((effects: FakeEffects) => void);

const excellent = demoPersona('excellent').profile.person;
const owner = demoPersona('enterprise_owner').profile;
const blacklisted = demoPersona('blacklisted').profile.person;
const thinFile = demoPersona('thin_file').profile.person;

/** Answers that get the thin-file persona (李晓薇) to manual review. */
const toReview: Step[] = ['申请', '1', thinFile.name, thinFile.idNumber, thinFile.mobile, '123456', '1', '5万', '确认', '同意全部授权'];
/** A reviewer approves the application in review with this limit (fen) and rate. */
const approve = (limit: number, annualRate: number) => ({
  review: (effects: FakeEffects): EventWithoutAt => {
    const decided = effects.decideReview({ outcome: 'approved', limit, annualRate, at: Date.UTC(2026, 10, 22, 3, 0, 0) });
    return { type: 'review.decided', outcome: 'approved', reviewId: `act-${decided.offer!.decisionId}`, applicationId: decided.applicationId, offer: decided.offer! };
  },
});

/** Answers that get the excellent persona to an open credit line. */
const openLine: Step[] = ['你好', '1', '1', excellent.name, excellent.idNumber, excellent.mobile, '123456', '2', '20万', '确认提交', '1', '1', '我已阅读并同意'];

/** Runs a script and returns the whole transcript: what the borrower said and what the bot answered. */
async function transcript(steps: Step[], chatType: 'private' | 'group' = 'private', effects: FakeEffects = createFakeEffects(DEMO_PRODUCTS), conversationId = 'conv-1', channel = 'rest'): Promise<string> {
  const driver = createConversationDriver(createConversationSpec({ effects, products: DEMO_PRODUCTS }), { chatType, conversationId, channel });
  const out: string[] = [];
  for (const step of steps) {
    if (typeof step === 'function') {
      step(effects);
      continue;
    }
    if (typeof step === 'string') {
      out.push(`> ${step.length > 60 ? `${step.slice(0, 20)}…(${step.length} chars)` : step}`);
      out.push(renderReplies(await driver.say(step)));
    } else if ('review' in step) {
      const event = step.review(effects);
      out.push(`# review.decided: ${event.type === 'review.decided' ? event.outcome : ''}`);
      out.push(renderReplies(await driver.send(event)));
    } else if ('fire' in step) {
      out.push(`# deadline ${step.fire}`);
      out.push(renderReplies(await driver.fire(step.fire)));
    } else if ('after' in step) {
      out.push(`# ${step.after} minutes later`);
      out.push(`> ${step.say}`);
      out.push(renderReplies(await driver.say(step.say, step.after)));
    } else {
      out.push(`# ${step.event.type}${'text' in step.event ? `: ${String(step.event.text)}` : ''}`);
      out.push(renderReplies(await driver.send(step.event)));
    }
  }
  out.push(`# status ${JSON.stringify(driver.status())}`);
  return `${out.filter(Boolean).join('\n')}\n`;
}

const golden = (name: string) => `./golden/${name}.txt`;

describe('golden transcripts: happy paths', () => {
  it('1. an individual applies, authorises and accepts a limit', async () => {
    await expect(await transcript(openLine)).toMatchFileSnapshot(golden('happy-1-individual-apply'));
  });

  it('一键激活: a whitelisted person is offered the pre-approved limit after the SMS code and activates it with 授权 and the key terms', async () => {
    const store = { ...createFakeEffects(DEMO_PRODUCTS).saved(), precredit: new Map([['entry-1', { idNumber: excellent.idNumber, productId: DEMO_PRODUCTS[0]!.id, limit: 15_000_000, annualRate: 0.0648, expiresAt: Date.UTC(2027, 1, 1) }]]) };
    const effects = createFakeEffects(DEMO_PRODUCTS, store);
    const steps: Step[] = ['你好', '1', '1', excellent.name, excellent.idNumber, excellent.mobile, '123456', '激活', '同意全部授权', '我已阅读并同意'];
    await expect(await transcript(steps, 'private', effects)).toMatchFileSnapshot(golden('happy-6-precredit-activation'));
    expect(effects.saved().precredit?.get('entry-1')?.activatedBy).toBeDefined();
  });

  it('2. an enterprise owner applies with the unified social credit code', async () => {
    const steps: Step[] = ['我要申请贷款', '2', owner.person.name, owner.person.idNumber, owner.person.mobile, '123456', owner.enterprise!.name, owner.enterprise!.uscc, '法定代表人', '经营周转', '50万', '确认', '同意全部授权', '接受额度', '我已阅读并同意'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('happy-2-enterprise-apply'));
  });

  it('3. a borrower draws ¥30,000 over 12 months in equal instalments', async () => {
    await expect(await transcript([...openLine, '借款', '3万', '12', '等额本息', '确认借款', '123456'])).toMatchFileSnapshot(golden('happy-3-drawdown'));
  });

  it('4. a borrower repays one instalment early, then pays off', async () => {
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', '123456', { after: 60 * 24 * 10, say: '还款' }, '1', '确认还款', '还款', '全部结清', '确认还款', '额度'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('happy-4-repayment'));
  });

  it('5. a borrower asks for a human mid-application and continues where they were after the hand-back', async () => {
    const steps: Step[] = [
      '申请',
      '1',
      excellent.name,
      '转人工',
      '我的身份证丢了怎么办',
      { event: { type: 'staff.takeover', staffId: 's1', staffName: '小王', staffNo: 'KF001' } },
      { event: { type: 'staff.message', staffId: 's1', text: '不用担心，补办期间可以用临时身份证号码办理。' } },
      '好的谢谢',
      { event: { type: 'staff.handback', staffId: 's1' } },
      excellent.idNumber,
    ];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('happy-5-handoff'));
  });
});

describe('golden transcripts: unhappy paths', () => {
  it('an impostor with a borrower\'s ID number and another name is refused before any SMS code, anything stored or pulled', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    await transcript(openLine, 'private', effects);
    const calls = effects.calls.length;
    const steps: Step[] = ['你好', '1', '1', '王小明', excellent.idNumber, excellent.mobile, '返回', '取消', '额度'];
    await expect(await transcript(steps, 'private', effects, 'conv-2')).toMatchFileSnapshot(golden('unhappy-impostor'));
    const made = effects.calls.slice(calls).map((c) => c.name);
    expect(made).not.toContain('pullData');
    expect(made).not.toContain('submitApplication');
    expect(made).not.toContain('verifyOtp');
  });

  it('the same person applying from a second chat is shown the line they have, not given a second one', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    await transcript(openLine, 'private', effects);
    await expect(await transcript([...openLine.slice(0, 10), '额度'], 'private', effects, 'conv-2')).toMatchFileSnapshot(golden('unhappy-second-chat-same-person'));
    expect(effects.calls.filter((c) => c.name === 'acceptOffer')).toHaveLength(1);
  });

  it('an invalid ID number is re-asked with a specific hint', async () => {
    const wrongCheckDigit = `${excellent.idNumber.slice(0, 17)}${excellent.idNumber.endsWith('1') ? '2' : '1'}`;
    const steps: Step[] = ['申请', '1', excellent.name, wrongCheckDigit, '4307021986051202', '430702199902300011', excellent.idNumber];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-invalid-id'));
  });

  it('a borrower refuses the required consent: the consequence is explained and nothing is pulled', async () => {
    const steps: Step[] = ['申请', '1', excellent.name, excellent.idNumber, excellent.mobile, '123456', '1', '5万', '确认', '不同意', '暂不办理', '额度'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-consent-refused'));
  });

  it('a declined application is explained in plain words and a human is offered', async () => {
    const steps: Step[] = ['申请', '1', blacklisted.name, blacklisted.idNumber, blacklisted.mobile, '123456', '1', '5万', '确认', '同意全部授权', '1'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-declined'));
  });

  it('a drawdown above the available limit is re-asked', async () => {
    await expect(await transcript([...openLine, '借款', '500万', '100亿', '一百万', '十八万', '3万', '取消'])).toMatchFileSnapshot(golden('unhappy-above-limit'));
  });

  it('a partial repayment above what is owed is re-asked, also one too large to read', async () => {
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', '123456', '还款', '2', '100亿', '100万', '取消'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-repay-above-owed'));
  });

  it('a repayment the card cannot cover changes nothing', async () => {
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', '123456', (e) => (e.cardBalance = 100), '还款', '1', '确认还款', '返回'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-insufficient-funds'));
  });

  it('nonsense, emoji, a 5,000-character message, a sticker and answers in the wrong step get a helpful re-prompt', async () => {
    const steps: Step[] = [
      '😀😀😀',
      'asdfghjkl',
      '我'.repeat(5000),
      { event: { type: 'user.media', kind: 'sticker' } },
      '申请',
      '1',
      '13807360001',
      '😀',
      excellent.name,
      '3万',
      { event: { type: 'user.media', kind: 'image' } },
      '利率多少？',
      '帮助',
      excellent.idNumber,
    ];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-nonsense'));
  });

  it('in a group chat the bot never takes personal data and moves the person to a private channel', async () => {
    const steps: Step[] = ['你好', '我要借款', `我的身份证是${excellent.idNumber}`, '利率多少？', '还款'];
    const text = await transcript(steps, 'group');
    const botLines = text.split('\n').filter((l) => !l.startsWith('>'));
    expect(botLines.join('\n')).not.toContain(excellent.idNumber);
    expect(botLines.join('\n')).not.toContain(excellent.idNumber.slice(-4));
    await expect(text).toMatchFileSnapshot(golden('unhappy-group-chat'));
  });

  it('a borrower who comes back hours later is asked whether to continue, and an expired offer closes itself', async () => {
    const steps: Step[] = ['申请', '1', excellent.name, { after: 120, say: '你好' }, '继续', excellent.idNumber, excellent.mobile, '123456', '1', '5万', '确认', '1', '3', { fire: 'offer.expiry' }, '申请'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-resume-and-expiry'));
  });
});

describe('numbered options on text channels', () => {
  it('"3期" means three months, "6" and "12" mean those terms, and "3" (three months, or the third item 12期?) is asked back', async () => {
    const three = await transcript([...openLine, '借款', '3万', '3期', '等额本息']);
    expect(three).toContain('借款 ¥30,000.00，3 期');
    expect(await transcript([...openLine, '借款', '3万', '6', '等额本息'])).toContain('借款 ¥30,000.00，6 期');
    expect(await transcript([...openLine, '借款', '3万', '12', '等额本息'])).toContain('借款 ¥30,000.00，12 期');
    const asked = await transcript([...openLine, '借款', '3万', '3', '1', '等额本息']);
    expect(asked).toContain('您是指 3期，还是第3项 12期？');
    expect(asked).toContain('借款 ¥30,000.00，3 期');
    expect(await transcript([...openLine, '借款', '3万', '3', '第3项 12期', '等额本息'])).toContain('借款 ¥30,000.00，12 期');
  });
});

describe('golden transcripts: every option means what it shows', () => {
  it('the FAQ list answers its questions by number, by tap and by words; a number beyond the list shown gets that list again', async () => {
    const steps: Step[] = ['你好', '5', '1', '5', '怎么还款？', '5', '额度可以用多久？', '12', '3'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('options-faq'));
  });

  it('after the 额度 card "1" is 借款用款; after "我想借钱" the two choices shown are what 1 and 2 mean', async () => {
    const steps: Step[] = [...openLine, '额度', '1', '取消', '我想借钱', '1', '返回', '我想借钱', '2', '2'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('options-account-card'));
  });

  it('waiting for a person, every message is answered and "1" cancels', async () => {
    const steps: Step[] = ['你好', '6', '在吗', '还有人吗', { event: { type: 'user.media', kind: 'sticker' } }, '进度', '1', '1'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('options-handoff-waiting'));
  });

  it('取消, 返回, 稍后 and 返回主菜单 inside the repayment get a reply; 返回 at the first question of an application leaves it', async () => {
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', '123456', '还款', '稍后', '还款', '返回主菜单', '还款', '取消', '还款', '2', '返回主菜单', '申请', '返回'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('options-leaving-flows'));
    const apply = await transcript(['申请', '返回', '申请', '1', '返回', '返回']);
    expect(apply).toContain('已取消本次申请');
  });

  it('a channel without buttons is never told to tap', async () => {
    const terminal = await transcript(['申请', '随便', '5'], 'private', createFakeEffects(DEMO_PRODUCTS), 'conv-t', 'terminal');
    await expect(terminal).toMatchFileSnapshot(golden('options-terminal'));
    expect(terminal).not.toMatch(/点选|点击/);
    const web = await transcript(['申请', '随便'], 'private', createFakeEffects(DEMO_PRODUCTS), 'conv-w', 'web');
    expect(web).toContain('或直接点选');
  });
});

describe('golden transcripts: natural Chinese', () => {
  it('"我想借5万块钱" goes on with ¥50,000 filled in: in the application, and in a drawdown once there is a line', async () => {
    const steps: Step[] = ['我想借5万块钱', '1', excellent.name, excellent.idNumber, excellent.mobile, '123456', '2'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('natural-borrow-with-amount'));
    const drawing: Step[] = [...openLine, '我想借5万块钱', '12', '等额本息', '取消', '五万元', '取消', '伍万', '取消', '5w', '取消', '50k', '取消', '3万5', '取消', '借款', '5万块钱', '取消', '我想借50万'];
    await expect(await transcript(drawing)).toMatchFileSnapshot(golden('natural-amounts'));
  });

  it('hardship gets the bank\'s policy and a person, at the menu and inside a repayment', async () => {
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', '123456', '还不上了', '2', '还款', '能不能少还点', '2', '想延期', '1'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('natural-hardship'));
  });
});

describe('golden transcripts: status', () => {
  it('an application under manual review: 进度, 额度, 我的申请怎么样了 and 申请 say so, in a flow too; a second chat is told the same', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    const steps: Step[] = ['申请', '1', '进度', thinFile.name, thinFile.idNumber, thinFile.mobile, '123456', '1', '5万', '确认', '审批结果', '同意全部授权', '进度', '额度', '我的申请怎么样了', '申请', '还款'];
    await expect(await transcript(steps, 'private', effects)).toMatchFileSnapshot(golden('status-under-review'));
    const again: Step[] = ['申请', '1', thinFile.name, thinFile.idNumber, thinFile.mobile, '123456', '1', '5万', '确认', '进度'];
    await expect(await transcript(again, 'private', effects, 'conv-2')).toMatchFileSnapshot(golden('status-under-review-second-chat'));
  });

  it('manual review approved: the offer is shown at once and accepted as after an automatic approval', async () => {
    const steps: Step[] = [...toReview, '进度', approve(8_000_000, 0.08), '接受额度', '我已阅读并同意', '额度'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('review-approved-accepted'));
  });

  it('manual review approved while the borrower waits for a person: told, then 额度 shows the offer; the same act dispatched again is told once', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    let again: EventWithoutAt | undefined;
    const approved: Step = {
      review: (e) => {
        again = approve(10_000_000, 0.075).review(e);
        return again;
      },
    };
    const steps: Step[] = [...toReview, '转人工', approved, { review: () => again! }, '取消', '额度', '1', '我已阅读并同意'];
    await expect(await transcript(steps, 'private', effects)).toMatchFileSnapshot(golden('review-approved-while-busy'));
    expect(effects.calls.filter((c) => c.name === 'acceptOffer')).toHaveLength(1);
  });

  it('manual review approved while the borrower is asked to confirm something else: told, the pending question asked again, and its "2" still means what it said', async () => {
    const steps: Step[] = [...toReview, '撤回授权', approve(5_000_000, 0.08), '2', '申请', '暂不需要'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('review-approved-mid-question'));
  });

  it('manual review: a question from the reviewer, the borrower\'s answer, then a decline explained in plain words', async () => {
    const question: Step = { review: () => ({ type: 'review.decided', outcome: 'info_requested', reviewId: 'act-1', applicationId: 'app-2', text: '请问您目前的工作单位和月收入大约是多少？', staffId: 's-2', staffName: '赵敏' }) };
    const declined: Step = {
      review: (e) => ({ type: 'review.decided', outcome: 'declined', reviewId: 'act-2', applicationId: e.decideReview({ outcome: 'declined', at: 0 }).applicationId, text: '您的信用记录目前不足 6 个月，暂时无法为您授信。建议保持良好的用卡和还款记录，半年后再来申请。' }),
    };
    const steps: Step[] = [...toReview, question, '在常德一家超市做店长，月收入6000左右', declined, '进度', '申请'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('review-declined'));
  });

  it('投诉: told the work order\'s number and by when; 我的工单, by number, one not theirs; 进度 lists it once the borrower is known; in English too', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    const steps: Step[] = ['投诉', '我的工单', ...openLine, '我要投诉，上次客服态度太差了', '进度', '工单 GD20261122-0002 处理得怎么样', 'GD20991231-0001', 'English', 'complaint', 'my work order'];
    await expect(await transcript(steps, 'private', effects)).toMatchFileSnapshot(golden('complaint-work-order'));
    expect(effects.calls.filter((c) => c.name === 'openComplaint')).toHaveLength(3);
  });

  it('投诉 in the middle of an application: the work order opens and the application asks its question again, keeping what was typed', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    const steps: Step[] = ['申请', '1', excellent.name, '我要投诉，你们的短信一直收不到', excellent.idNumber, excellent.mobile, '123456', '进度'];
    await expect(await transcript(steps, 'private', effects)).toMatchFileSnapshot(golden('complaint-mid-application'));
    expect(effects.calls.filter((c) => c.name === 'openComplaint')).toHaveLength(1);
  });

  it('进度 before applying, with a paused application, after a decline', async () => {
    const steps: Step[] = ['进度', '申请', '1', excellent.name, '稍后', '进度'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('status-before-applying'));
    const declined: Step[] = ['申请', '1', blacklisted.name, blacklisted.idNumber, blacklisted.mobile, '123456', '1', '5万', '确认', '同意全部授权', '2', '进度'];
    await expect(await transcript(declined)).toMatchFileSnapshot(golden('status-declined'));
  });
});

describe('golden transcripts: renewal (无还本续贷)', () => {
  it('invited before the line expires: 续贷 shows the renewed terms APR first, 确认续贷 runs the line on without repaying', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    const apply: Step[] = ['我要申请贷款', '2', owner.person.name, owner.person.idNumber, owner.person.mobile, '123456', owner.enterprise!.name, owner.enterprise!.uscc, '法定代表人', '经营周转', '50万', '确认', '同意全部授权', '接受额度', '我已阅读并同意'];
    // The screening found the line eligible: the invitation, as the contact component tells it.
    const invite: Step = (e) => e.inviteRenewal([...e.lines.keys()][0]!);
    const notice: Step = { event: { type: 'postloan.notice', noticeId: 'renewal:line:2029-11-21', template: 'renewal.invite', params: { limit: 100_000_000, validUntil: '2029-11-21' } } };
    const steps: Step[] = [...apply, '借款', '20万', '6', '随借随还', '确认借款', '123456', invite, notice, '续贷', '确认续贷', '续贷', '额度'];
    await expect(await transcript(steps, 'private', effects)).toMatchFileSnapshot(golden('renewal-renews'));
    expect(effects.calls.filter((c) => c.name === 'renewLine')).toHaveLength(1);
  });
});
