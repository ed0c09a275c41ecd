import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, demoPersona } from '../../core/index.js';
import { createConversationSpec } from '../conversationSpec.js';
import { createConversationDriver } from '../testing/conversationDriver.js';
import { createFakeEffects } from '../testing/fakeEffects.js';

const person = demoPersona('excellent').profile.person;
const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');

function conversation(id: string) {
  const effects = createFakeEffects(DEMO_PRODUCTS);
  return createConversationDriver(createConversationSpec({ effects, products: DEMO_PRODUCTS }), { conversationId: id });
}

/** Answers to get the excellent persona an approved offer of the personal product. */
const toOffer = ['申请', '常德快贷·个人贷(演示)', person.name, person.idNumber, person.mobile, '123456', '家庭装修', '20万', '确认提交', '同意全部授权'];

describe('the greeting and the rate FAQ quote the rate this borrower could get, then their own', () => {
  it('a newcomer hears the personal floor, not the business one', async () => {
    const c = conversation('r-1');
    const greeting = texts(await c.say('你好'));
    expect(greeting).toContain('年化利率（单利）6.48% 起');
    expect(greeting).not.toContain('4.00%');
    const faq = texts(await c.say('利率多少？'));
    expect(faq).toContain('年化利率（单利）6.48% 起');
    expect(faq).toContain('按年利率 6.48% 借 1 万元用 1 天，利息 1.80 元');
    expect(faq).toContain('等额本息、先息后本按月计息');
  });

  it('an applicant for the business loan hears its floor', async () => {
    const c = conversation('r-2');
    await c.say('申请');
    await c.say('小微快贷·经营贷(演示)');
    expect(texts(await c.say('利率多少？'))).toContain('年化利率（单利）4.00% 起');
  });

  it('with an approved offer, the approved rate; with a line, the line\'s rate', async () => {
    const c = conversation('r-3');
    for (const step of toOffer) await c.say(step);
    await c.say('稍后决定');
    expect(texts(await c.say('利率多少？'))).toContain('您获批的合同年利率为 6.48%（单利）');
    await c.say('申请');
    await c.say('接受额度');
    await c.say('我已阅读并同意');
    const own = texts(await c.say('利率多少？'));
    expect(own).toContain('您的额度合同年利率为 6.48%（单利）');
    expect(own).not.toContain('起');
  });
});
