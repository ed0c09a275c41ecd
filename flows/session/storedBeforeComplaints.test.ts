import { describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS, demoPersona } from '../../core/index.js';
import { createConversationSpec } from '../conversationSpec.js';
import { createConversationDriver } from '../testing/conversationDriver.js';
import { createFakeEffects } from '../testing/fakeEffects.js';

const person = demoPersona('excellent').profile.person;

/**
 * Conversations stored before the session had its complaint region (value `{ handoff, flow }`) are
 * still in the database: they restore, carry on where they were, and a complaint then opens.
 */
describe('a conversation stored before the complaint region', () => {
  it('restores mid-application, goes on, and 投诉 opens a work order', async () => {
    const spec = createConversationSpec({ effects: createFakeEffects(DEMO_PRODUCTS), products: DEMO_PRODUCTS });
    const before = createConversationDriver(spec);
    await before.say('申请');
    await before.say('1');
    await before.say(person.name);
    const saved = before.saved();
    const old = JSON.parse(JSON.stringify(saved.persisted)) as { value: Record<string, unknown> };
    expect(old.value).toHaveProperty('complaint');
    delete old.value.complaint;

    const after = createConversationDriver(spec, {}, { ...saved, persisted: old });
    const next = await after.say(person.idNumber);
    expect(next.map((r) => r.text).join('\n')).toContain('手机号');
    const complaint = await after.say('我要投诉');
    expect(complaint.map((r) => r.text).join('\n')).toMatch(/工单号 GD\d{8}-\d{4}/);
    expect(complaint.map((r) => r.text).join('\n')).toContain('手机号');
  });
});
