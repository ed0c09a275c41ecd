import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, demoPersona, type DataSource } from '../../core/index.js';
import { createConversationSpec } from '../conversationSpec.js';
import type { FlowEffects, RenewalView } from '../host.js';
import type { Reply } from '../reply.js';
import { DEFAULT_FLOW_SETTINGS } from '../shared/flowSettings.js';
import { createConversationDriver } from '../testing/conversationDriver.js';
import { createFakeEffects } from '../testing/fakeEffects.js';
import { lineFixture } from '../testing/fixtures.js';

const ENTERPRISE = DEMO_PRODUCTS.find((p) => p.id === 'xiaowei-kuaidai-enterprise-demo')!;
const SOURCES: DataSource[] = [...ENTERPRISE.dataSources.required, ...ENTERPRISE.dataSources.optional];
const CURRENT = DEFAULT_FLOW_SETTINGS.consentTextVersion;

const invitation = (consentVersion = CURRENT): RenewalView => ({
  lineId: 'line-1',
  productId: ENTERPRISE.id,
  validUntil: '2026-12-10',
  applicationId: 'app-1',
  limit: 50_000_000,
  outstanding: 20_000_000,
  annualRate: 0.045,
  consents: SOURCES.map((source) => ({ source, textVersion: consentVersion })),
});

/** A conversation of a known borrower whose host has `renewal` open (or none), the real core decision on the enterprise persona's data. */
function conversation(renewal: RenewalView | null, profile = demoPersona('enterprise_owner').profile) {
  const fake = createFakeEffects(DEMO_PRODUCTS);
  const calls: { name: keyof FlowEffects; input: unknown }[] = [];
  const keyed = new Map<string, unknown>();
  const once = <T>(key: string, f: () => T): T => (keyed.has(key) ? (keyed.get(key) as T) : (keyed.set(key, f()), keyed.get(key) as T));
  const effects: FlowEffects = {
    ...fake,
    loadRenewal: async (input) => (calls.push({ name: 'loadRenewal', input }), renewal ? { status: 'open', renewal } : { status: 'none' }),
    recordConsent: async (input) => (calls.push({ name: 'recordConsent', input }), { consentIds: ['c-1'] }),
    pullData: async (input) => (calls.push({ name: 'pullData', input }), { ok: true, profile }),
    recordRenewalDecision: async (input) => (calls.push({ name: 'recordRenewalDecision', input }), once(input.requestKey, () => ({ ok: true as const, decisionId: 'd-renew' }))),
    renewLine: async (input) => {
      calls.push({ name: 'renewLine', input });
      return once(input.requestKey, () => ({ ok: true as const, line: lineFixture({ productId: ENTERPRISE.id, validUntil: input.newValidUntil, limit: 50_000_000, available: 30_000_000 }) }));
    },
    closeRenewal: async (input) => (calls.push({ name: 'closeRenewal', input }), { ok: true }),
  };
  const driver = createConversationDriver(createConversationSpec({ effects, products: DEMO_PRODUCTS }), { borrowerId: 'b-1' });
  const text = (rs: Reply[]) => rs.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');
  const named = (name: keyof FlowEffects) => calls.filter((c) => c.name === name).map((c) => c.input as Record<string, unknown>);
  return { driver, calls, named, say: async (t: string) => text(await driver.say(t)) };
}

describe('renewal flow (无还本续贷)', () => {
  it('shows the renewed terms APR first after a fresh decision, and 确认续贷 renews keyed by that message', async () => {
    const c = conversation(invitation());
    await c.say('你好');
    const terms = await c.say('续贷');
    expect(terms).toContain('正在为您重新评估续贷额度');
    // APR before the contract rate and before the limit, as every offer.
    expect(terms.indexOf('年化利率（APR')).toBeLessThan(terms.indexOf('合同年利率'));
    expect(terms.indexOf('合同年利率')).toBeLessThan(terms.indexOf('额度 ¥'));
    expect(terms).toContain('有效期由 2026-12-10 延长至 2027-12-10');
    expect(terms).toContain('无需先还本金');
    expect(c.named('recordConsent')).toEqual([]);
    expect(c.named('pullData')[0]).toMatchObject({ borrowerId: 'b-1', applicationId: 'app-1', idempotencyKey: 'renew.pull:conv-1:m2' });
    expect(c.named('recordRenewalDecision')[0]).toMatchObject({ lineId: 'line-1', validUntil: '2026-12-10', requestKey: 'renew.decide:conv-1:m2', decision: { outcome: 'approved' } });

    const done = await c.say('确认续贷');
    expect(done).toContain('续贷成功');
    expect(done).toContain('2027-12-10');
    const [renewed] = c.named('renewLine');
    expect(renewed).toMatchObject({ lineId: 'line-1', validUntil: '2026-12-10', newValidUntil: '2027-12-10', decisionId: 'd-renew', requestKey: 'renew:conv-1:m3', termsVersion: DEFAULT_FLOW_SETTINGS.termsVersion });
    expect(renewed!.termsText).toContain('年化利率（APR');
    // Back at the menu: the next words are the menu's.
    expect(await c.say('额度')).not.toContain('续贷成功');
  });

  it('asks for the data authorisation again only when its text version changed', async () => {
    const same = conversation(invitation());
    await same.say('你好');
    expect(await same.say('续贷')).not.toContain('授权书已更新');
    expect(same.named('recordConsent')).toEqual([]);

    const changed = conversation(invitation('auth-2025.9'));
    await changed.say('你好');
    const asked = await changed.say('续贷');
    expect(asked).toContain(`数据查询授权书已更新（版本 ${CURRENT}）`);
    expect(changed.named('pullData')).toEqual([]);
    const terms = await changed.say('同意授权');
    expect(changed.named('recordConsent')[0]).toMatchObject({ applicationId: 'app-1', textVersion: CURRENT, granted: SOURCES, idempotencyKey: `renew.consent:conv-1:m2:${CURRENT}` });
    expect(String(changed.named('recordConsent')[0]!.text)).toContain(`版本 ${CURRENT}`);
    expect(changed.named('pullData')[0]).toMatchObject({ sources: SOURCES });
    expect(terms).toContain('续贷方案');

    const refused = conversation(invitation('auth-2025.9'));
    await refused.say('你好');
    await refused.say('续贷');
    expect(await refused.say('不同意')).toContain('没有数据授权，无法完成续贷评估');
    expect(refused.named('pullData')).toEqual([]);
  });

  it('answers politely when no invitation is open, and when the fresh decision declines', async () => {
    const none = conversation(null);
    await none.say('你好');
    expect(await none.say('续贷')).toContain('您目前没有可办理的续贷');
    expect(none.named('pullData')).toEqual([]);

    const defaulter = demoPersona('blacklisted').profile;
    const declined = conversation(invitation(), { ...demoPersona('enterprise_owner').profile, ...(defaulter.watchlist ? { watchlist: defaulter.watchlist } : {}) });
    await declined.say('你好');
    const answer = await declined.say('续贷');
    expect(answer).toContain('本次续贷评估暂未通过');
    expect(answer).toContain('2026-12-10');
    expect(declined.named('renewLine')).toEqual([]);
  });

  it('不需要续贷 closes the invitation; 稍后再说 keeps it', async () => {
    const no = conversation(invitation());
    await no.say('你好');
    await no.say('续贷');
    expect(await no.say('不需要续贷')).toContain('已记录您暂不续贷');
    expect(no.named('closeRenewal')[0]).toMatchObject({ lineId: 'line-1', validUntil: '2026-12-10' });

    const later = conversation(invitation());
    await later.say('你好');
    await later.say('续贷');
    expect(await later.say('稍后再说')).toContain('2026-12-10 前办理');
    expect(later.named('closeRenewal')).toEqual([]);
  });

  it('speaks English', async () => {
    const c = conversation(invitation());
    await c.say('English');
    const terms = await c.say('renew');
    expect(terms).toMatch(/APR \(annual percentage rate, compound\)[\s\S]*contract rate[\s\S]*Limit ¥/);
    expect(await c.say('Confirm renewal')).toContain('Renewed!');
  });

  it('the invitation offers 续贷, and the menu keeps offering it until the borrower has answered it', async () => {
    const c = conversation(invitation());
    await c.say('你好');
    const told = await c.driver.send({ type: 'postloan.notice', noticeId: 'renewal:line-1:2026-12-10', template: 'renewal.invite', params: { limit: 50_000_000, validUntil: '2026-12-10' } });
    expect(told[0]!.text).toContain('符合无还本续贷条件');
    expect(told[0]!.options).toEqual([{ label: '续贷', value: '续贷' }]);
    const menu = await c.driver.say('菜单');
    expect(menu.at(-1)!.options!.map((o) => o.label)).toEqual(['申请额度', '借款用款', '还款', '额度与账单', '常见问题', '转人工', '续贷']);
    // Its number on the menu starts the renewal.
    expect(await c.say('7')).toContain('续贷方案');
    expect(c.named('loadRenewal')).toHaveLength(1);
    await c.say('确认续贷');
    expect((await c.driver.say('菜单')).at(-1)!.options!.map((o) => o.label)).not.toContain('续贷');
  });

  it('续贷 said inside another flow tells how to get there', async () => {
    const c = conversation(invitation());
    await c.say('你好');
    await c.say('申请');
    expect(await c.say('续贷')).toContain('如需办理续贷，请先回复“返回主菜单”');
    expect(c.named('loadRenewal')).toEqual([]);
  });
});
