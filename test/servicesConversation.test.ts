import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawdownBinding } from '../flows/shared/effectKeys.js';
import { demoPersona } from '../core/index.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { applicationOf, asSubmitted, key, openLineFor, openServices, personaApplication, shanghai, type ServicesHarness } from './servicesHarness.js';

const at = shanghai('2026-01-15');
const MOBILE = '13807360001';

describe(`OTP, offers, work items and preferences on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  beforeAll(async () => {
    h = await openServices();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sends a 6-digit code stored only hashed, verifies it once, and throttles resends', async () => {
    const sent = await h.effects.sendOtp({ conversationId: 'otp-1', mobile: MOBILE, requestKey: key('send'), at });
    expect(sent).toEqual({ ok: true, expiresAt: at + 5 * 60_000 });
    const code = h.providers.sms.lastCode(MOBILE)!;
    expect(code).toMatch(/^\d{6}$/);
    const row = await h.db.prisma.otpChallenge.findFirstOrThrow({ where: { conversationId: 'otp-1' } });
    expect(JSON.stringify(row)).not.toContain(code);
    expect(JSON.stringify(row)).not.toContain(MOBILE);

    expect(await h.effects.sendOtp({ conversationId: 'otp-1', mobile: MOBILE, requestKey: key('send'), at: at + 30_000 })).toEqual({ ok: false, reason: 'rate_limited' });
    const wrong = code === '000000' ? '000001' : '000000';
    expect(await h.effects.verifyOtp({ conversationId: 'otp-1', mobile: MOBILE, code: wrong, attemptKey: 'a1', at: at + 10_000 })).toEqual({ result: 'wrong' });
    expect(await h.effects.verifyOtp({ conversationId: 'otp-1', mobile: MOBILE, code, attemptKey: 'a2', at: at + 20_000 })).toEqual({ result: 'ok' });
    expect(await h.effects.verifyOtp({ conversationId: 'otp-1', mobile: MOBILE, code, attemptKey: 'a3', at: at + 25_000 })).toEqual({ result: 'expired' });
  });

  it('expires codes after 5 minutes and allows 5 attempts', async () => {
    await h.effects.sendOtp({ conversationId: 'otp-2', mobile: MOBILE, requestKey: key('send'), at });
    const code = h.providers.sms.lastCode(MOBILE)!;
    expect(await h.effects.verifyOtp({ conversationId: 'otp-2', mobile: MOBILE, code, attemptKey: 'a4', at: at + 5 * 60_000 })).toEqual({ result: 'expired' });

    const t = at + 120_000;
    await h.effects.sendOtp({ conversationId: 'otp-3', mobile: MOBILE, requestKey: key('send'), at: t });
    const good = h.providers.sms.lastCode(MOBILE)!;
    const bad = good === '999999' ? '999998' : '999999';
    const results: string[] = [];
    for (let i = 0; i < 5; i++) results.push((await h.effects.verifyOtp({ conversationId: 'otp-3', mobile: MOBILE, code: bad, attemptKey: `a5-${i}`, at: t + i })).result);
    expect(results).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'too_many_attempts']);
    expect(await h.effects.verifyOtp({ conversationId: 'otp-3', mobile: MOBILE, code: good, attemptKey: 'a6', at: t + 10 })).toEqual({ result: 'too_many_attempts' });
    // A new code a minute later starts over.
    await h.effects.sendOtp({ conversationId: 'otp-3', mobile: MOBILE, requestKey: key('send'), at: t + 61_000 });
    expect(await h.effects.verifyOtp({ conversationId: 'otp-3', mobile: MOBILE, code: h.providers.sms.lastCode(MOBILE)!, attemptKey: 'a7', at: t + 62_000 })).toEqual({ result: 'ok' });
  });

  it('answers the same request (a redelivered message) with its first answer and sends no second SMS', async () => {
    const mobile = '13700000040';
    const send = { conversationId: 'otp-again', mobile, requestKey: key('send'), at };
    const first = await h.effects.sendOtp(send);
    expect(first).toMatchObject({ ok: true });
    const code = h.providers.sms.lastCode(mobile);
    expect(await h.effects.sendOtp({ ...send, at: at + 5_000 })).toEqual(first);
    expect(h.providers.sms.lastCode(mobile)).toBe(code);
    expect(await h.db.prisma.otpChallenge.count({ where: { conversationId: 'otp-again' } })).toBe(1);
    // Another message within the minute is a new request: refused by the resend interval.
    expect(await h.effects.sendOtp({ ...send, requestKey: key('send'), at: at + 6_000 })).toEqual({ ok: false, reason: 'rate_limited' });
  });

  it('sends a mobile at most 10 codes an hour, whichever conversations ask', async () => {
    const mobile = '13700000010';
    const results: string[] = [];
    for (let i = 0; i < 11; i++) {
      const sent = await h.effects.sendOtp({ conversationId: `otp-h-${i}`, mobile, requestKey: key('send'), at: at + i * 1_000 });
      results.push(sent.ok ? 'sent' : sent.reason);
    }
    expect(results).toEqual([...Array<string>(10).fill('sent'), 'rate_limited']);
    expect(await h.db.prisma.otpChallenge.count({ where: { conversationId: { startsWith: 'otp-h-' } } })).toBe(10);
    // An hour after the first, one more may go.
    expect(await h.effects.sendOtp({ conversationId: 'otp-h-x', mobile, requestKey: key('send'), at: at + 3_600_001 })).toEqual({ ok: true, expiresAt: at + 3_600_001 + 5 * 60_000 });
  });

  it('sends a mobile at most 20 codes a day from any number of chat users, and one chat user at most 10 a day', async () => {
    const mobile = '13700000020';
    const results: string[] = [];
    // Two codes an hour from different chat users: within the hourly allowance, not the daily one.
    for (let i = 0; i < 21; i++) {
      const sent = await h.effects.sendOtp({ conversationId: `otp-d-${i}`, mobile, requestKey: key('send'), at: at + i * 1_800_000 });
      results.push(sent.ok ? 'sent' : sent.reason);
    }
    expect(results).toEqual([...Array<string>(20).fill('sent'), 'rate_limited']);
    // One chat user asking for codes to many mobiles.
    const perChat: string[] = [];
    for (let i = 0; i < 11; i++) {
      const sent = await h.effects.sendOtp({ conversationId: 'otp-one-chat', mobile: `13700000${100 + i}`, requestKey: key('send'), at: at + i * 61_000 });
      perChat.push(sent.ok ? 'sent' : sent.reason);
    }
    expect(perChat).toEqual([...Array<string>(10).fill('sent'), 'rate_limited']);
  });

  it('locks a mobile for the day after 10 wrong codes across all conversations, and tells why', async () => {
    const mobile = '13700000030';
    let t = at;
    let wrongCount = 0;
    // Wrong guesses spread over three chat users (4 + 4 + 2: no challenge used up by itself).
    for (let c = 0; c < 3 && wrongCount < 10; c++) {
      await h.effects.sendOtp({ conversationId: `otp-w-${c}`, mobile, requestKey: key('send'), at: (t += 61_000) });
      const good = h.providers.sms.lastCode(mobile)!;
      const bad = good === '111111' ? '111112' : '111111';
      for (let i = 0; i < 4 && wrongCount < 10; i++) {
        await h.effects.verifyOtp({ conversationId: `otp-w-${c}`, mobile, code: bad, attemptKey: `w-${c}-${i}`, at: (t += 1_000) });
        wrongCount++;
      }
    }
    // Now even the right code of a fresh challenge is refused, and no new code is sent.
    expect(await h.effects.sendOtp({ conversationId: 'otp-w-new', mobile, requestKey: key('send'), at: (t += 61_000) })).toEqual({ ok: false, reason: 'locked' });
    expect(await h.effects.verifyOtp({ conversationId: 'otp-w-2', mobile, code: h.providers.sms.lastCode(mobile)!, attemptKey: 'w-right', at: (t += 1_000) })).toEqual({ result: 'too_many_attempts' });
    // A day after the wrong codes, the mobile may try again.
    expect(await h.effects.sendOtp({ conversationId: 'otp-w-new', mobile, requestKey: key('send'), at: t + 86_400_000 })).toMatchObject({ ok: true });
  });

  it('sends the drawdown step-up code to the mobile on file, valid once and only for the drawdown it names', async () => {
    const opened = await openLineFor(h, 'excellent', at);
    const mobile = demoPersona('excellent').profile.person.mobile;
    const lineId = opened.line!.lineId;
    const bindTo = drawdownBinding({ lineId, amount: 3_000_000, termMonths: 12, method: 'equal_installment' });
    const other = drawdownBinding({ lineId, amount: 5_000_000, termMonths: 12, method: 'equal_installment' });
    const t = at + 600_000;
    const send = { conversationId: 'step-1', borrowerId: opened.borrowerId, bindTo, requestKey: key('send'), at: t };
    const sent = await h.effects.sendStepUp(send);
    expect(sent).toEqual({ ok: true, expiresAt: t + 5 * 60_000, mobileMasked: `${mobile.slice(0, 3)}****${mobile.slice(-4)}` });
    expect(await h.effects.sendStepUp({ ...send, at: t + 1_000 })).toEqual(sent); // the same request (a redelivery): no second SMS
    const code = h.providers.sms.lastCode(mobile)!;
    const row = await h.db.prisma.otpChallenge.findFirstOrThrow({ where: { conversationId: 'step-1' } });
    expect({ purpose: row.purpose, bindTo: row.bindTo }).toEqual({ purpose: 'drawdown', bindTo });
    expect(JSON.stringify(row)).not.toContain(code);

    const check = (code: string, attemptKey: string, on = bindTo) => h.effects.verifyStepUp({ conversationId: 'step-1', borrowerId: opened.borrowerId, bindTo: on, code, attemptKey, at: t + 10_000 });
    expect(await check(code, 's1', other)).toEqual({ result: 'expired' }); // another amount needs its own code
    expect(await check(code === '000000' ? '000001' : '000000', 's2')).toEqual({ result: 'wrong' });
    expect(await check(code, 's3')).toEqual({ result: 'ok' });
    expect(await check(code, 's3')).toEqual({ result: 'ok' }); // the same attempt redelivered
    expect(await check(code, 's4')).toEqual({ result: 'expired' }); // used up: valid once
    // Another conversation, or the application's own code, is no step-up.
    expect(await h.effects.verifyStepUp({ conversationId: 'step-2', borrowerId: opened.borrowerId, bindTo, code, attemptKey: 's5', at: t + 11_000 })).toEqual({ result: 'expired' });
    await h.effects.sendOtp({ conversationId: 'step-3', mobile, requestKey: key('send'), at: t + 12_000 });
    expect(await h.effects.verifyStepUp({ conversationId: 'step-3', borrowerId: opened.borrowerId, bindTo, code: h.providers.sms.lastCode(mobile)!, attemptKey: 's6', at: t + 13_000 })).toEqual({ result: 'expired' });
    // A borrower with no mobile on file gets no code, and has no code to check.
    expect(await h.effects.sendStepUp({ ...send, borrowerId: '00000000-0000-4000-8000-000000000000', requestKey: key('send') })).toEqual({ ok: false, reason: 'no_mobile' });
    expect(await h.effects.verifyStepUp({ conversationId: 'step-1', borrowerId: '00000000-0000-4000-8000-000000000000', bindTo, code, attemptKey: 's7', at: t + 14_000 })).toEqual({ result: 'expired' });
    expect(await h.effects.verifyStepUp({ conversationId: 'step-1', borrowerId: 'not-a-uuid', bindTo, code, attemptKey: 's8', at: t + 14_000 })).toEqual({ result: 'expired' });
  });

  it('counts an attempt, uses up a right code and remembers the answer together: the same attempt again answers the same and counts nothing', async () => {
    const mobile = '13700000050';
    await h.effects.sendOtp({ conversationId: 'otp-once', mobile, requestKey: key('send'), at });
    const code = h.providers.sms.lastCode(mobile)!;
    const bad = code === '222222' ? '222223' : '222222';
    const verify = (c: string, attemptKey: string, dt: number) => h.effects.verifyOtp({ conversationId: 'otp-once', mobile, code: c, attemptKey, at: at + dt });
    const state = async () => {
      const row = await h.db.prisma.otpChallenge.findFirstOrThrow({ where: { conversationId: 'otp-once' } });
      return { attempts: row.attempts, used: row.consumedAt !== null };
    };
    expect(await verify(bad, 'once-1', 1_000)).toEqual({ result: 'wrong' });
    expect(await verify(bad, 'once-1', 2_000)).toEqual({ result: 'wrong' });
    expect(await state()).toEqual({ attempts: 1, used: false });
    expect(await verify(code, 'once-2', 3_000)).toEqual({ result: 'ok' });
    expect(await verify(code, 'once-2', 4_000)).toEqual({ result: 'ok' });
    expect(await state()).toEqual({ attempts: 2, used: true });
    // A later attempt finds the code used up, and nothing is counted or remembered for it.
    expect(await verify(code, 'once-3', 5_000)).toEqual({ result: 'expired' });
    expect(await state()).toEqual({ attempts: 2, used: true });
    expect(await h.db.prisma.idempotencyRecord.count({ where: { scope: 'verifyOtp', key: { in: ['once-1', 'once-2', 'once-3'] } } })).toBe(2);
  });

  it('sends no code until name, ID number and mobile belong together, and says so', async () => {
    const chen = demoPersona('excellent').profile.person;
    const t = at + 7_200_000;
    const ask = (conversationId: string, name: string, mobile: string) => h.effects.sendOtp({ conversationId, mobile, identity: { name, idNumber: chen.idNumber }, requestKey: key('send'), at: t });
    const before = await h.db.prisma.otpChallenge.count();
    expect(await ask('match-1', '王小明', chen.mobile)).toEqual({ ok: false, reason: 'identity_mismatch' }); // another name
    expect(await ask('match-2', chen.name, '13912345678')).toEqual({ ok: false, reason: 'identity_mismatch' }); // another mobile
    expect(h.providers.sms.lastCode('13912345678')).toBeUndefined();
    expect(await h.db.prisma.otpChallenge.count()).toBe(before);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'otp.identity_mismatch', subjectId: { in: ['match-1', 'match-2'] } } })).toBe(2);
    expect(await ask('match-3', chen.name, chen.mobile)).toMatchObject({ ok: true });
  });

  it('sends at most SMS_MAX_PER_ADDRESS_PER_HOUR codes for messages from one client address, whichever chat users and mobiles', async () => {
    const capped = await openServices({ otpMaxPerOriginPerHour: 3 });
    try {
      const t = at;
      const send = (i: number, origin: string, when = t + i * 1_000) => capped.effects.sendOtp({ conversationId: `addr-${origin}-${i}`, mobile: `13600000${100 + i}`, origin, requestKey: key('send'), at: when });
      for (let i = 0; i < 3; i++) expect(await send(i, 'a1')).toMatchObject({ ok: true });
      expect(await send(3, 'a1')).toEqual({ ok: false, reason: 'rate_limited' });
      expect(capped.providers.sms.lastCode('13600000103')).toBeUndefined();
      expect(await send(4, 'a2')).toMatchObject({ ok: true }); // another address
      expect(await send(5, 'a1', t + 3_600_001)).toMatchObject({ ok: true }); // an hour later
      // A message with no address (a WeChat relay) is not counted against any.
      expect(await capped.effects.sendOtp({ conversationId: 'addr-none', mobile: '13600000199', requestKey: key('send'), at: t + 10_000 })).toMatchObject({ ok: true });
    } finally {
      await capped.close();
    }
  });

  it('uses a fixed sandbox code when configured (SANDBOX_OTP_CODE)', async () => {
    const fixed = await openServices({ otpCode: () => '246810' });
    try {
      await fixed.effects.sendOtp({ conversationId: 'otp-f', mobile: '13900000000', requestKey: key('send'), at });
      expect(await fixed.effects.verifyOtp({ conversationId: 'otp-f', mobile: '13900000000', code: '246810', attemptKey: 'f1', at: at + 1 })).toEqual({ result: 'ok' });
    } finally {
      await fixed.close();
    }
  });

  it('opens a supervised manual-review work order for a thin-file applicant (decided within 8 working hours)', async () => {
    const opened = await openLineFor(h, 'thin_file', at);
    expect(opened.decision.outcome).toBe('manual_review');
    expect(opened.line).toBeNull();
    const item = await h.db.prisma.workItem.findFirstOrThrow({ where: { applicationId: opened.applicationId } });
    expect(item).toMatchObject({ kind: 'manual_review', status: 'open', decisionId: opened.decisionId, borrowerId: opened.borrowerId, number: expect.stringMatching(/^GD20260115-\d{4}$/) });
    // Thursday 10:00: picked up within 4 working hours, decided within 8 (the day closes at 18:00).
    expect(item.firstResponseDueAt?.getTime()).toBe(shanghai('2026-01-15', '14:00'));
    expect(item.dueAt.getTime()).toBe(shanghai('2026-01-15', '18:00'));
    expect(item.reason).toContain('THIN_CREDIT_FILE');
    const account = await h.effects.loadAccount({ borrowerId: opened.borrowerId, at });
    expect(account.pendingOffer).toBeUndefined();
    // The borrower can follow it: under review, decided by the work item's deadline.
    expect(account.application).toEqual({ applicationId: opened.applicationId, productId: 'changde-kuaidai-personal-demo', status: 'under_review', submittedAt: expect.any(Number), reviewDueAt: item.dueAt.getTime() });
    await h.db.prisma.workItem.update({ where: { id: item.id }, data: { status: 'resolved' } });
    expect((await h.effects.loadAccount({ borrowerId: opened.borrowerId, at })).application).not.toHaveProperty('reviewDueAt');
  });

  it('tells a borrower where their latest application stands: submitted, declined, approved and waiting; nothing once a line is open', async () => {
    const submitted = applicationOf(await h.effects.submitApplication(personaApplication('multi_lender', at)));
    expect((await h.effects.loadAccount({ borrowerId: submitted.borrowerId, at })).application).toMatchObject({ applicationId: submitted.applicationId, status: 'submitted' });

    const declined = await openLineFor(h, 'blacklisted', at);
    expect(declined.decision.outcome).toBe('declined');
    expect((await h.effects.loadAccount({ borrowerId: declined.borrowerId, at })).application).toMatchObject({ applicationId: declined.applicationId, status: 'declined' });

    const opened = await openLineFor(h, 'excellent', at);
    const withLine = await h.effects.loadAccount({ borrowerId: opened.borrowerId, at });
    expect(withLine.lines.length).toBeGreaterThan(0);
    expect(withLine.application).toBeUndefined();
    // Another application of the same person, approved and not yet accepted.
    await h.db.prisma.creditLine.update({ where: { id: opened.line!.lineId }, data: { status: 'closed' } });
    const again = asSubmitted(await h.effects.submitApplication(personaApplication('excellent', at)));
    await h.effects.recordDecision({ applicationId: again.applicationId, decision: { ...opened.decision, asOf: '2026-01-18' }, offerExpiresAt: at + 86_400_000, at });
    const waiting = await h.effects.loadAccount({ borrowerId: again.borrowerId, at });
    expect(waiting.application).toMatchObject({ applicationId: again.applicationId, status: 'offer_pending' });
    expect(waiting.pendingOffer?.applicationId).toBe(again.applicationId);
    expect((await h.effects.loadAccount({ borrowerId: again.borrowerId, at: at + 2 * 86_400_000 })).application).toBeUndefined();
  });

  it('refuses an expired offer and one closed by the borrower', async () => {
    const s = asSubmitted(await h.effects.submitApplication(personaApplication('enterprise_owner', at)));
    const opened = await openLineFor(h, 'enterprise_owner', at);
    expect(opened.line?.productId).toBe('xiaowei-kuaidai-enterprise-demo');
    expect(s.borrowerId).toBe(opened.borrowerId);

    const other = await openLineFor(h, 'excellent', at);
    // After that line is closed, a second approved application of the same borrower, accepted after expiry.
    await h.db.prisma.creditLine.update({ where: { id: other.line!.lineId }, data: { status: 'closed' } });
    const again = asSubmitted(await h.effects.submitApplication(personaApplication('excellent', at)));
    const decision = await h.db.prisma.decision.findUniqueOrThrow({ where: { id: other.decisionId } });
    const { decisionId } = await h.effects.recordDecision({ applicationId: again.applicationId, decision: { ...other.decision, asOf: '2026-01-16' }, offerExpiresAt: at + 1_000, at });
    expect(decisionId).not.toBe(decision.id);
    const accept = { applicationId: again.applicationId, borrowerId: again.borrowerId, decisionId, termsVersion: 't', termsText: 'x', idempotencyKey: key('accept'), at: at + 2_000 };
    expect(await h.effects.acceptOffer(accept)).toEqual({ ok: false, reason: 'expired' });
    expect(await h.effects.acceptOffer({ ...accept, decisionId: other.decisionId })).toEqual({ ok: false, reason: 'not_found' });

    const third = asSubmitted(await h.effects.submitApplication(personaApplication('excellent', at)));
    const d3 = await h.effects.recordDecision({ applicationId: third.applicationId, decision: { ...other.decision, asOf: '2026-01-17' }, offerExpiresAt: at + 86_400_000, at });
    expect((await h.effects.loadAccount({ borrowerId: third.borrowerId, at })).pendingOffer?.applicationId).toBe(third.applicationId);
    expect(await h.effects.closeOffer({ applicationId: third.applicationId, status: 'declined_by_borrower', at })).toEqual({ ok: true });
    expect(await h.effects.acceptOffer({ ...accept, applicationId: third.applicationId, decisionId: d3.decisionId, idempotencyKey: key('accept') })).toEqual({ ok: false, reason: 'expired' });
    expect((await h.effects.loadAccount({ borrowerId: third.borrowerId, at })).pendingOffer).toBeUndefined();
  });

  it('opens one hand-off work order per conversation until it is resolved (a person within 15 working minutes)', async () => {
    const first = await h.effects.requestHandoff({ conversationId: 'conv-h', reason: '转人工', at });
    const second = await h.effects.requestHandoff({ conversationId: 'conv-h', reason: '还是转人工', at: at + 1_000 });
    expect(second).toEqual(first);
    const item = await h.db.prisma.workItem.findUniqueOrThrow({ where: { id: first.workItemId } });
    expect(item).toMatchObject({ kind: 'handoff', status: 'open', conversationId: 'conv-h', number: expect.stringMatching(/^GD20260115-\d{4}$/) });
    expect(item.firstResponseDueAt?.getTime()).toBe(at + 15 * 60_000);
    expect(item.dueAt.getTime()).toBe(at + 4 * 3_600_000);
    await h.db.prisma.workItem.update({ where: { id: item.id }, data: { status: 'resolved' } });
    expect((await h.effects.requestHandoff({ conversationId: 'conv-h', reason: '再次', at })).workItemId).not.toBe(first.workItemId);
  });

  it('stores the marketing opt-out per channel user', async () => {
    const conversation = await h.db.prisma.conversation.create({ data: { channel: 'wechat', externalUserId: 'wx-openid-1', machineId: 'm', machineVersion: 1 } });
    await h.effects.setMarketingOptOut({ conversationId: conversation.id, optOut: true, at });
    const pref = await h.db.prisma.contactPreference.findFirstOrThrow({ where: { channel: 'wechat', externalUserId: 'wx-openid-1' } });
    expect(pref).toMatchObject({ marketingOptOut: true, conversationId: conversation.id });
    expect(pref.optedOutAt?.getTime()).toBe(at);
    await h.effects.setMarketingOptOut({ conversationId: conversation.id, optOut: false, at: at + 1 });
    expect(await h.db.prisma.contactPreference.findFirstOrThrow({ where: { id: pref.id } })).toMatchObject({ marketingOptOut: false, optedOutAt: null });
    await h.effects.setMarketingOptOut({ conversationId: 'terminal-session', optOut: true, at });
    expect(await h.db.prisma.contactPreference.count()).toBe(2);
  });
});
