import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, demoPersona } from '../core/index.js';
import { createConversationSpec } from './conversationSpec.js';
import { createConversationDriver, type EventWithoutAt } from './testing/conversationDriver.js';
import { createFakeEffects, type FakeEffects } from './testing/fakeEffects.js';
import { renderReplies } from './testing/renderTranscript.js';

type Step = string | { event: EventWithoutAt } | { fire: string } | { after: number; say: string } | ((effects: FakeEffects) => void);

const excellent = demoPersona('excellent').profile.person;
const owner = demoPersona('enterprise_owner').profile;
const blacklisted = demoPersona('blacklisted').profile.person;

/** Answers that get the excellent persona to an open credit line. */
const openLine: Step[] = ['你好', '1', '1', excellent.name, excellent.idNumber, excellent.mobile, '123456', '2', '20万', '确认提交', '1', '1', '我已阅读并同意'];

/** Runs a script and returns the whole transcript: what the borrower said and what the bot answered. */
async function transcript(steps: Step[], chatType: 'private' | 'group' = 'private', effects: FakeEffects = createFakeEffects(DEMO_PRODUCTS), conversationId = 'conv-1'): Promise<string> {
  const driver = createConversationDriver(createConversationSpec({ effects, products: DEMO_PRODUCTS }), { chatType, conversationId });
  const out: string[] = [];
  for (const step of steps) {
    if (typeof step === 'function') {
      step(effects);
      continue;
    }
    if (typeof step === 'string') {
      out.push(`> ${step.length > 60 ? `${step.slice(0, 20)}…(${step.length} chars)` : step}`);
      out.push(renderReplies(await driver.say(step)));
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

  it('2. an enterprise owner applies with the unified social credit code', async () => {
    const steps: Step[] = ['我要申请贷款', '2', owner.person.name, owner.person.idNumber, owner.person.mobile, '123456', owner.enterprise!.name, owner.enterprise!.uscc, '法定代表人', '经营周转', '50万', '确认', '同意全部授权', '接受额度', '我已阅读并同意'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('happy-2-enterprise-apply'));
  });

  it('3. a borrower draws ¥30,000 over 12 months in equal instalments', async () => {
    await expect(await transcript([...openLine, '借款', '3万', '12', '等额本息', '确认借款'])).toMatchFileSnapshot(golden('happy-3-drawdown'));
  });

  it('4. a borrower repays one instalment early, then pays off', async () => {
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', { after: 60 * 24 * 10, say: '还款' }, '1', '确认还款', '还款', '全部结清', '确认还款', '额度'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('happy-4-repayment'));
  });

  it('5. a borrower asks for a human mid-application and continues where they were after the hand-back', async () => {
    const steps: Step[] = [
      '申请',
      '1',
      excellent.name,
      '转人工',
      '我的身份证丢了怎么办',
      { event: { type: 'staff.takeover', staffId: 's1', staffName: '小王' } },
      { event: { type: 'staff.message', staffId: 's1', text: '不用担心，补办期间可以用临时身份证号码办理。' } },
      '好的谢谢',
      { event: { type: 'staff.handback', staffId: 's1' } },
      excellent.idNumber,
    ];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('happy-5-handoff'));
  });
});

describe('golden transcripts: unhappy paths', () => {
  it('an impostor with a borrower\'s ID number and another name is refused before anything is stored or pulled', async () => {
    const effects = createFakeEffects(DEMO_PRODUCTS);
    await transcript(openLine, 'private', effects);
    const calls = effects.calls.length;
    const steps: Step[] = ['你好', '1', '1', '王小明', excellent.idNumber, excellent.mobile, '123456', '2', '20万', '确认提交', '额度'];
    await expect(await transcript(steps, 'private', effects, 'conv-2')).toMatchFileSnapshot(golden('unhappy-impostor'));
    expect(effects.calls.slice(calls).map((c) => c.name)).not.toContain('pullData');
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
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', '还款', '2', '100亿', '100万', '取消'];
    await expect(await transcript(steps)).toMatchFileSnapshot(golden('unhappy-repay-above-owed'));
  });

  it('a repayment the card cannot cover changes nothing', async () => {
    const steps: Step[] = [...openLine, '借款', '3万', '12', '等额本息', '确认借款', (e) => (e.cardBalance = 100), '还款', '1', '确认还款', '返回'];
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
  it('"3" picks the third term shown, "3期" means three months', async () => {
    const third = await transcript([...openLine, '借款', '3万', '3', '等额本息']);
    expect(third).toContain('借款 ¥30,000.00，12 期');
    const three = await transcript([...openLine, '借款', '3万', '3期', '等额本息']);
    expect(three).toContain('借款 ¥30,000.00，3 期');
  });
});
