import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../../core/index.js';
import { createConversationSpec } from '../conversationSpec.js';
import type { AccountView, FlowEffects } from '../host.js';
import { noticeText, NOTICE_TEMPLATES, type NoticeTemplateName } from '../notices/noticeCatalog.js';
import type { Reply } from '../reply.js';
import { createConversationDriver } from '../testing/conversationDriver.js';
import { createFakeEffects } from '../testing/fakeEffects.js';
import { drawdownFixture, lineFixture } from '../testing/fixtures.js';
import { en } from '../text/messages.en.js';
import { zh } from '../text/messages.zh.js';

const params = { drawdownId: 'dd-1', period: 1, dueDate: '2026-12-22', amount: 258_862, penalty: 0, dpd: 0, productZh: '常德快贷', productEn: 'Changde Kuaidai' };
const notice = (noticeId: string, template = 'reminder.T-1') => ({ type: 'postloan.notice' as const, noticeId, template, params });

function conversation(view: () => AccountView, start: { chatType?: 'private' | 'group'; locale?: 'zh' | 'en' } = {}) {
  const fake = createFakeEffects(DEMO_PRODUCTS);
  const calls: { name: string; input: unknown }[] = [];
  const effects: FlowEffects = {
    ...fake,
    loadAccount: async (input) => (calls.push({ name: 'loadAccount', input }), view()),
    openCollectionOrder: async (input) => (calls.push({ name: "openCollectionOrder", input }), fake.openCollectionOrder(input)),
  };
  const driver = createConversationDriver(createConversationSpec({ effects, products: DEMO_PRODUCTS }), { borrowerId: 'b-1', ...start });
  let last: Reply[] = [];
  const remember = (r: Reply[]) => ((last = r), r);
  return {
    calls,
    say: async (text: string) => remember(await driver.say(text)),
    tell: async (id: string, template?: string) => remember(await driver.send(notice(id, template))),
    tap: async (label: RegExp) => {
      const option = last.flatMap((r) => r.options ?? []).find((o) => label.test(o.label));
      if (!option) throw new Error(`no option ${label}`);
      return remember(await driver.say(option.value));
    },
  };
}

const dueSoon = () => ({ borrowerId: 'b-1', lines: [lineFixture({}, [drawdownFixture('dd-1')])] });

describe('post-loan notices in the conversation', () => {
  it('every template has words in both languages, and each reminder names the bank product, the amount and how to reach a person', () => {
    for (const [name, entry] of Object.entries(NOTICE_TEMPLATES)) {
      expect(zh[entry.text], name).toBeTruthy();
      expect(en[entry.text], name).toBeTruthy();
      if (!name.startsWith('reminder.')) continue;
      const text = noticeText(name as NoticeTemplateName, params, 'zh');
      expect(text).toMatch(/常德快贷[\s\S]*¥2,588\.62[\s\S]*转人工/);
      expect(noticeText(name as NoticeTemplateName, params, 'en')).toMatch(/Changde Kuaidai[\s\S]*¥2,588\.62[\s\S]*Talk to a person/);
    }
  });

  it('is told at the menu with 还款 / 已还 / 转人工, and the same noticeId dispatched again is told once', async () => {
    const c = conversation(dueSoon);
    await c.say('你好');
    const first = await c.tell('reminder:dd-1:1:T-1');
    expect(first).toHaveLength(1);
    expect(first[0]!.text).toContain('明天（2026-12-22）到期，应还 ¥2,588.62');
    expect(first[0]!.options?.map((o) => o.label)).toEqual(['还款', '已还', '转人工']);
    expect(await c.tell('reminder:dd-1:1:T-1')).toEqual([]);
    // Another notice (a different key) is told.
    expect(await c.tell('reminder:dd-1:1:DUE', 'reminder.DUE')).toHaveLength(1);
  });

  it('is told in the middle of a flow, which then asks its question again (no quick replies over its options)', async () => {
    const c = conversation(dueSoon);
    await c.say('申请额度');
    const replies = await c.tell('reminder:dd-1:1:T-1');
    expect(replies[0]!.text).toContain('应还 ¥2,588.62');
    expect(replies[0]!.options).toBeUndefined();
    expect(replies.length).toBeGreaterThan(1);
  });

  it('is never told in a group chat', async () => {
    const c = conversation(dueSoon, { chatType: 'group' });
    expect(await c.tell('reminder:dd-1:1:T-1')).toEqual([]);
  });

  it('还款 opens the repayment on the amount due', async () => {
    const overdue = () => ({ borrowerId: 'b-1', lines: [lineFixture({ dueNow: 260_000, overdue: 260_000, daysPastDue: 1 }, [drawdownFixture('dd-1', { dueNow: 260_000 })])] });
    const c = conversation(overdue);
    await c.say('你好');
    await c.tell('reminder:dd-1:1:DPD1', 'reminder.DPD1');
    const replies = await c.tap(/^还款$/);
    expect(replies.at(-1)!.text).toContain('将从您绑定的银行卡扣款 ¥2,600.00，确认还款吗？');
  });

  it('已还: received when the instalment is paid, otherwise not yet and how long transfers take', async () => {
    let paid = false;
    const c = conversation(() => (paid ? { borrowerId: 'b-1', lines: [lineFixture({}, [drawdownFixture('dd-1', { nextDue: { date: '2027-01-22', amount: 258_862 } })])] } : dueSoon()));
    await c.say('你好');
    await c.tell('reminder:dd-1:1:T-1');
    expect((await c.tap(/^已还$/)).at(-1)!.text).toMatch(/暂未查到[\s\S]*1–2 个工作日/);
    paid = true;
    expect((await c.say('已还')).at(-1)!.text).toMatch(/已收到您的还款，谢谢！[\s\S]*2027-01-22/);
  });

  it('转人工 opens a collection work order keyed by the message', async () => {
    const c = conversation(dueSoon);
    await c.say('你好');
    await c.tell('reminder:dd-1:1:T-1');
    const replies = await c.tap(/^转人工$/);
    expect(replies.at(-1)!.text).toMatch(/已为您转接还款专员，工单号 GD\d{8}-\d{4}/);
    const opened = c.calls.filter((x) => x.name === 'openCollectionOrder');
    expect(opened).toHaveLength(1);
    expect((opened[0]!.input as { requestKey: string }).requestKey).toMatch(/^collection:conv-1:m\d+$/);
  });

  it('a conversation stored before the postLoan region restores and answers a notice', async () => {
    const spec = createConversationSpec({ effects: { ...createFakeEffects(DEMO_PRODUCTS), loadAccount: async () => dueSoon() }, products: DEMO_PRODUCTS });
    const before = createConversationDriver(spec, { borrowerId: 'b-1' });
    await before.say('你好');
    const saved = before.saved();
    const old = JSON.parse(JSON.stringify(saved.persisted)) as { value: Record<string, unknown> };
    expect(old.value).toHaveProperty('postLoan');
    delete old.value.postLoan;
    const after = createConversationDriver(spec, { borrowerId: 'b-1' }, { ...saved, persisted: old });
    expect((await after.send(notice('reminder:dd-1:1:T-1')))[0]!.text).toContain('应还 ¥2,588.62');
    expect((await after.say('已还')).at(-1)!.text).toMatch(/暂未查到/);
  });
});
