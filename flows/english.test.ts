import { describe, expect, it } from 'vitest';
import { renderReplyAsText } from '../bots/text/index.js';
import { DEMO_PRODUCTS, demoPersona } from '../core/index.js';
import { createConversationSpec } from './conversationSpec.js';
import type { Reply } from './reply.js';
import { welcomeReply } from './session/rateTalk.js';
import { createConversationDriver, type EventWithoutAt } from './testing/conversationDriver.js';
import { chineseLeft } from './testing/chineseLeft.js';
import { createFakeEffects } from './testing/fakeEffects.js';

/**
 * English is complete: whole journeys in English, and every reply's text, every option label and
 * every string of every card — and the same replies as the text channels render them — hold no
 * Chinese character or Chinese punctuation, except the names people and companies gave.
 */
const excellent = demoPersona('excellent').profile.person;
const owner = demoPersona('enterprise_owner').profile;
const blacklisted = demoPersona('blacklisted').profile.person;
const thinFile = demoPersona('thin_file').profile.person;
/** What people typed about themselves may be Chinese: their names, their company's name. */
const NAMES = [excellent.name, owner.person.name, owner.enterprise!.name, blacklisted.name, thinFile.name, '小王', '赵敏'];
/** The reply as the text channels (terminal, WeChat) render it in English. */
const asText = (reply: Reply) => [renderReplyAsText(reply, { locale: 'en' })];
const chineseIn = (replies: readonly Reply[], said: string) => chineseLeft(replies, said, NAMES, asText);

/** A conversation in English that answers each step by tapping the option whose label matches, or by typing. */
function englishConversation(conversationId: string, effects = createFakeEffects(DEMO_PRODUCTS)) {
  const driver = createConversationDriver(createConversationSpec({ effects, products: DEMO_PRODUCTS }), { locale: 'en', conversationId });
  let last: Reply[] = [];
  const problems: string[] = [];
  const seen: Reply[] = [];
  const record = (replies: Reply[], said: string) => {
    expect(replies.length, `no reply after "${said}"`).toBeGreaterThan(0);
    last = replies;
    seen.push(...replies);
    problems.push(...chineseIn(replies, said));
    return replies;
  };
  return {
    effects,
    problems,
    seen,
    say: async (text: string) => record(await driver.say(text), text),
    /** Taps the option (of the latest replies) whose label matches, as the web chat sends its value. */
    tap: async (label: RegExp) => {
      const option = [...last].reverse().flatMap((r) => r.options ?? []).find((o) => label.test(o.label));
      if (!option) throw new Error(`no option ${label} in ${JSON.stringify(last.map((r) => r.options?.map((o) => o.label)))}`);
      return record(await driver.say(option.value), option.label);
    },
    send: async (event: EventWithoutAt) => record(await driver.send(event), event.type),
  };
}

describe('English is complete', () => {
  it('an individual applies, authorises item by item, reads the example and terms, borrows, repays, pays off and talks to a person: no Chinese anywhere', async () => {
    const c = englishConversation('en-1');
    await c.say('hello');
    await c.tap(/^FAQ$/);
    for (const question of [/interest rate/, /fees/, /repay/, /late/, /fast/, /how long/i, /documents/, /safe/]) {
      await c.tap(question);
      await c.tap(/^FAQ$/).catch(() => c.say('FAQ'));
    }
    await c.say('menu');
    await c.tap(/^Apply/);
    await c.tap(/personal loan/);
    await c.say('12345'); // not a name: a hint
    await c.say(excellent.name);
    await c.say('110105199001011234'); // a bad check digit: a hint
    await c.say(excellent.idNumber);
    await c.say('12345');
    await c.say(excellent.mobile);
    await c.say('000000'); // the wrong code
    await c.say(c.effects.otp);
    await c.tap(/Home renovation/);
    await c.say('lots'); // not an amount
    await c.say('200000');
    await c.tap(/^Submit$/);
    await c.tap(/one by one/);
    for (let i = 0; i < 4; i++) await c.tap(/^(Agree|Yes)/);
    await c.tap(/example/i);
    await c.tap(/^Accept$/);
    await c.tap(/^Back$/);
    await c.tap(/^Accept$/);
    await c.tap(/I have read and agree/);
    await c.tap(/^Borrow$/);
    await c.say('30000');
    await c.tap(/^12 months$/);
    await c.tap(/^Equal instalments$/);
    await c.tap(/^Confirm$/);
    await c.say('123456'); // the step-up SMS code
    await c.tap(/^Repay$/);
    await c.tap(/early|instalment/i);
    await c.tap(/^Confirm/);
    await c.say('limit');
    await c.say('what is the rate?');
    await c.say('repay');
    await c.tap(/Pay off/);
    await c.tap(/^Confirm/);
    await c.say('human');
    await c.say('I would like to ask about my bill');
    await c.send({ type: 'staff.takeover', staffId: 's1', staffName: '小王' });
    await c.send({ type: 'staff.message', staffId: 's1', text: 'Hello, I can help with that.' });
    await c.send({ type: 'staff.handback', staffId: 's1' });
    await c.say('revoke');
    await c.tap(/^Cancel$/);
    await c.say('unsubscribe');
    expect(c.problems).toEqual([]);
    // The journey really went through: an offer, a schedule, both receipts, a staff member's words.
    const cards = c.seen.map((r) => r.card?.type);
    expect(cards).toEqual(expect.arrayContaining(['consent', 'offer', 'schedule', 'receipt', 'account']));
    expect(c.seen.some((r) => r.sender?.kind === 'staff')).toBe(true);
  });

  it('an enterprise owner applies in English, and a declined applicant is told why in English', async () => {
    const c = englishConversation('en-2');
    await c.say('apply');
    await c.tap(/small-business/);
    for (const answer of [owner.person.name, owner.person.idNumber, owner.person.mobile, c.effects.otp, owner.enterprise!.name, owner.enterprise!.uscc]) await c.say(answer);
    await c.tap(/Legal representative/i);
    await c.tap(/Working capital/);
    await c.say('500000');
    await c.tap(/^Submit$/);
    await c.tap(/Agree to all/);
    await c.tap(/^Decide later$/);
    expect(c.problems).toEqual([]);

    const d = englishConversation('en-3');
    await d.say('apply');
    await d.tap(/personal loan/);
    for (const answer of [blacklisted.name, blacklisted.idNumber, blacklisted.mobile, d.effects.otp]) await d.say(answer);
    await d.tap(/Daily spending/);
    await d.say('50000');
    await d.tap(/^Submit$/);
    await d.tap(/Agree to all/);
    expect(d.problems).toEqual([]);
    expect(d.seen.map((r) => r.text).join('\n')).toMatch(/cannot approve/);
  });

  it('manual review in English: the question, the approval with its offer accepted, and a decline are told in English', async () => {
    const toReview = async (c: ReturnType<typeof englishConversation>) => {
      await c.say('apply');
      await c.tap(/personal loan/);
      for (const answer of [thinFile.name, thinFile.idNumber, thinFile.mobile, c.effects.otp]) await c.say(answer);
      await c.tap(/Daily spending/);
      await c.say('50000');
      await c.tap(/^Submit$/);
      await c.tap(/Agree to all/);
    };
    const c = englishConversation('en-4');
    await toReview(c);
    await c.send({ type: 'review.decided', outcome: 'info_requested', reviewId: 'r-1', applicationId: 'a', text: 'What is your monthly income?', staffId: 's-2', staffName: '赵敏' });
    await c.say('About 6000 a month from my shop job');
    const decided = c.effects.decideReview({ outcome: 'approved', limit: 8_000_000, annualRate: 0.08, at: Date.UTC(2026, 10, 22, 3, 0, 0) });
    await c.send({ type: 'review.decided', outcome: 'approved', reviewId: 'r-2', applicationId: decided.applicationId, offer: decided.offer! });
    await c.tap(/^Accept$/);
    await c.say('I have read and agree');
    expect(c.problems).toEqual([]);
    expect(c.seen.map((r) => r.text).join('\n')).toMatch(/more information[\s\S]*passed to the reviewer[\s\S]*approved your application[\s\S]*line is open/);

    const d = englishConversation('en-5');
    await toReview(d);
    d.effects.decideReview({ outcome: 'declined', at: 0 });
    await d.send({ type: 'review.decided', outcome: 'declined', reviewId: 'r-3', applicationId: 'a', text: 'Your credit history is shorter than six months; please apply again later.' });
    await d.say('status');
    expect(d.problems).toEqual([]);
    expect(d.seen.map((r) => r.text).join('\n')).toMatch(/The reviewer explains: Your credit history/);
  });

  it('the check itself catches Chinese words and punctuation, and lets names through', () => {
    expect(chineseIn([{ text: 'Product：Changde' }], 'x').length).toBeGreaterThan(0);
    expect(chineseIn([{ text: 'ok', options: [{ label: '确认', value: 'ok' }] }], 'x').length).toBeGreaterThan(0);
    expect(chineseIn([{ text: 'ok', card: { type: 'receipt', kind: 'drawdown', reference: 'r', amount: '1.00', at: 'now', lines: [{ label: '期限', value: '3' }] } }], 'x').length).toBeGreaterThan(0);
    expect(chineseIn([{ text: `Name: ${excellent.name}` }], 'x')).toEqual([]);
  });

  it('the web page greeting in English is English', () => {
    expect(chineseIn([welcomeReply(DEMO_PRODUCTS, 'en')], 'page opened')).toEqual([]);
  });
});
