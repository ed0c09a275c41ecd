import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { generateResidentId, type DataSource } from '../core/index.js';
import { fieldContext } from '../server/security/fieldCipher.js';
import { testDatabaseKind } from './support/testDatabase.js';
import { applicationOf, asSubmitted, key, spyOnDataSources, openServices, personaApplication, shanghai, type ServicesHarness } from './servicesHarness.js';

const at = shanghai('2026-01-15');

/** Spies on every data and identity provider method. */
function spyProviders(h: ServicesHarness) {
  return [...spyOnDataSources(h.providers), vi.spyOn(h.providers.identity, 'verify'), vi.spyOn(h.providers.identity, 'watchlist')];
}

describe(`consents, submission and data pulls on ${testDatabaseKind()}`, () => {
  let h: ServicesHarness;
  beforeAll(async () => {
    h = await openServices();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function consentTo(borrowerId: string, applicationId: string, granted: DataSource[], refused: DataSource[] = []) {
    return h.effects.recordConsent({ borrowerId, applicationId, conversationId: 'c1', channel: 'wechat', granted, refused, textVersion: 'auth-1', text: '授权书全文', idempotencyKey: key('consent'), at });
  }

  it('refuses a pull for any source without a recorded, unrevoked consent and calls no provider at all', async () => {
    const s = applicationOf(await h.effects.submitApplication(personaApplication('excellent', at)));
    const spies = spyProviders(h);
    try {
      // No consent at all.
      expect(await h.effects.pullData({ borrowerId: s.borrowerId, applicationId: s.applicationId, sources: ['credit_bureau'], idempotencyKey: key('pull'), at })).toEqual({ ok: false, reason: 'consent_missing', sources: ['credit_bureau'] });
      // Consent to the bureau only; housing fund asked as well.
      await consentTo(s.borrowerId, s.applicationId, ['credit_bureau']);
      expect(await h.effects.pullData({ borrowerId: s.borrowerId, applicationId: s.applicationId, sources: ['credit_bureau', 'housing_fund'], idempotencyKey: key('pull'), at })).toEqual({ ok: false, reason: 'consent_missing', sources: ['housing_fund'] });
      // A consent given later than the pull's moment does not count.
      await h.effects.recordConsent({ borrowerId: s.borrowerId, applicationId: s.applicationId, conversationId: 'c1', channel: 'web', granted: ['bank'], refused: [], textVersion: 'auth-1', text: 't', idempotencyKey: key('consent'), at: at + 60_000 });
      expect(await h.effects.pullData({ borrowerId: s.borrowerId, applicationId: s.applicationId, sources: ['bank'], idempotencyKey: key('pull'), at })).toMatchObject({ ok: false, reason: 'consent_missing', sources: ['bank'] });
      // Revoked consent.
      expect(await h.effects.revokeConsent({ borrowerId: s.borrowerId, sources: ['credit_bureau', 'tax'], channel: 'web', at: at + 1 })).toEqual({ revoked: ['credit_bureau'] });
      expect(await h.effects.pullData({ borrowerId: s.borrowerId, applicationId: s.applicationId, sources: ['credit_bureau'], idempotencyKey: key('pull'), at: at + 2 })).toMatchObject({ ok: false, reason: 'consent_missing', sources: ['credit_bureau'] });
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      const refusals = await h.db.prisma.auditLog.count({ where: { action: 'data_pull.refused', subjectId: s.applicationId } });
      expect(refusals).toBe(4);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('refusing a source on a later consent screen revokes the earlier consent', async () => {
    const s = applicationOf(await h.effects.submitApplication(personaApplication('thin_file', at)));
    await consentTo(s.borrowerId, s.applicationId, ['credit_bureau', 'social_security']);
    await consentTo(s.borrowerId, s.applicationId, ['credit_bureau'], ['social_security']);
    const active = await h.db.prisma.consent.findMany({ where: { borrowerId: s.borrowerId, revokedAt: null } });
    expect(active.map((c) => c.source).sort()).toEqual(['credit_bureau', 'credit_bureau']);
  });

  it('records one consent row per granted source with version, SHA-256 of the text, channel and time; idempotent by key', async () => {
    const s = applicationOf(await h.effects.submitApplication(personaApplication('blacklisted', at)));
    const input = { borrowerId: s.borrowerId, applicationId: s.applicationId, conversationId: 'not-a-uuid', channel: 'official_account', granted: ['credit_bureau', 'social_security'] as DataSource[], refused: [] as DataSource[], textVersion: 'auth-2026.1', text: '授权书', idempotencyKey: key('consent'), at };
    const first = await h.effects.recordConsent(input);
    expect(first.consentIds).toHaveLength(2);
    expect(await h.effects.recordConsent(input)).toEqual(first);
    const rows = await h.db.prisma.consent.findMany({ where: { borrowerId: s.borrowerId } });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ textVersion: 'auth-2026.1', textHash: createHash('sha256').update('授权书').digest('hex'), channel: 'official_account', conversationId: null, revokedAt: null });
    expect(rows[0]!.grantedAt.getTime()).toBe(at);
  });

  it('submission is idempotent by key, finds the borrower by ID number and stores identifiers encrypted', async () => {
    const input = personaApplication('enterprise_owner', at);
    const first = asSubmitted(await h.effects.submitApplication(input));
    expect(await h.effects.submitApplication(input)).toEqual(first);
    // Another submission by the same person (lower-case x in the ID) finds them and the application in progress: none opened twice.
    const second = await h.effects.submitApplication({ ...input, idNumber: input.idNumber.toLowerCase(), idempotencyKey: key('submit') });
    expect(second).toMatchObject({ status: 'existing', situation: 'in_progress', borrowerId: first.borrowerId, applicationId: first.applicationId });
    expect(await h.db.prisma.application.count({ where: { borrowerId: first.borrowerId } })).toBe(1);
    // Stored results name nobody: a recalled one (above) takes the name from the borrower's row.
    expect(first.borrowerName).toBe(input.name);
    const results = await h.db.prisma.idempotencyRecord.findMany({ where: { scope: 'submitApplication' } });
    expect(results.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(results)).not.toContain(input.name);

    const raw = await h.db.prisma.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM "Borrower" WHERE id = $1::uuid', first.borrowerId);
    const text = JSON.stringify(raw);
    expect(text).not.toContain('43070219780203031X');
    expect(text).not.toContain('13507360005');
    expect(raw[0]).toMatchObject({ kind: 'enterprise', idNumberMasked: '430702********031X', phoneMasked: '135****0005', uscc: '914307022016040119', enterpriseRole: 'legal_representative' });
    // Sealed for its own row and column only.
    expect(h.cipher.decrypt(raw[0]!.idNumberEnc as string, fieldContext('Borrower', 'idNumberEnc', first.borrowerId))).toBe('43070219780203031X');
    expect(() => h.cipher.decrypt(raw[0]!.idNumberEnc as string)).toThrow(expect.objectContaining({ code: 'CRYPTO_FAILED' }));
  });

  it('attributes a borrower to the manager or campaign named by the referral code, first touch kept', async () => {
    const staff = await h.db.prisma.staffUser.create({ data: { username: 'mgr1', displayName: '王经理', roles: ['manager'], passwordHash: 'x', referralCode: 'MGR001' } });
    const campaign = await h.db.prisma.campaign.create({ data: { code: 'SPRING26', name: '春季', content: {} } });
    const first = asSubmitted(await h.effects.submitApplication(personaApplication('multi_lender', at, { referral: 'MGR001' })));
    // Declined: the person may apply again, through a campaign this time.
    await h.db.prisma.application.update({ where: { id: first.applicationId }, data: { status: 'cancelled' } });
    const again = asSubmitted(await h.effects.submitApplication(personaApplication('multi_lender', at, { referral: 'SPRING26' })));
    const borrower = await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: first.borrowerId } });
    expect(borrower.attributedStaffId).toBe(staff.id);
    expect(borrower.attributedCampaignId).toBeNull();
    expect((await h.db.prisma.application.findUniqueOrThrow({ where: { id: again.applicationId } })).referral).toBe('SPRING26');
    const idNumber = generateResidentId({ regionCode: '430702', birthDate: '1990-03-07', sex: 'male', serial: 17 });
    const newcomer = asSubmitted(await h.effects.submitApplication({ ...personaApplication('excellent', at, { referral: 'SPRING26' }), idNumber, name: '周测试' }));
    expect((await h.db.prisma.borrower.findUniqueOrThrow({ where: { id: newcomer.borrowerId } })).attributedCampaignId).toBe(campaign.id);
    await expect(h.effects.submitApplication({ ...personaApplication('excellent', at), idNumber: idNumber.slice(0, 17) + (idNumber.endsWith('1') ? '2' : '1') })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('pulls consented sources once per key and assembles the profile from the borrower record and the application', async () => {
    const s = applicationOf(await h.effects.submitApplication(personaApplication('enterprise_owner', at, { idempotencyKey: key('submit') })));
    const sources: DataSource[] = ['credit_bureau', 'business_registry', 'tax', 'bank'];
    await consentTo(s.borrowerId, s.applicationId, sources);
    const bureau = vi.spyOn(h.providers.creditBureau, 'report');
    try {
      const pull = { borrowerId: s.borrowerId, applicationId: s.applicationId, sources, idempotencyKey: key('pull'), at };
      const first = await h.effects.pullData(pull);
      if (!first.ok) throw new Error(JSON.stringify(first));
      expect(first.profile).toMatchObject({
        person: { name: '孙立强', idNumber: '43070219780203031X', mobile: '13507360005' },
        enterprise: { uscc: '914307022016040119', role: 'legal_representative' },
        request: { amount: 80_000_000, termMonths: 12, repaymentMethod: 'interest_first', purpose: 'business' },
        sources: { tax: { annualTaxPaid: 18_000_000, creditGrade: 'A' }, business_registry: { status: 'active', establishedOn: '2016-04-01' } },
        watchlist: { courtDefaulter: false, bankBlacklist: false },
        verification: { nameIdMatch: true },
      });
      expect(first.profile.sources.housing_fund).toBeUndefined();
      expect(await h.effects.pullData(pull)).toEqual(first);
      expect(bureau).toHaveBeenCalledTimes(1);
      expect(bureau.mock.calls[0]![0].consent).toMatchObject({ source: 'credit_bureau', textVersion: 'auth-1' });
      // The cached pull is encrypted at rest: no ID number in the stored row.
      const stored = await h.db.prisma.idempotencyRecord.findUniqueOrThrow({ where: { scope_key: { scope: 'pullData', key: pull.idempotencyKey } } });
      expect(JSON.stringify(stored.result)).not.toContain('43070219780203031X');
    } finally {
      bureau.mockRestore();
    }
  });

  it('answers provider_unavailable when a provider fails, and caches nothing', async () => {
    const s = applicationOf(await h.effects.submitApplication(personaApplication('excellent', at, { idempotencyKey: key('submit') })));
    await consentTo(s.borrowerId, s.applicationId, ['credit_bureau']);
    const failing = vi.spyOn(h.providers.creditBureau, 'report').mockRejectedValueOnce(new Error('bureau timeout'));
    const pull = { borrowerId: s.borrowerId, applicationId: s.applicationId, sources: ['credit_bureau'] as DataSource[], idempotencyKey: key('pull'), at };
    expect(await h.effects.pullData(pull)).toEqual({ ok: false, reason: 'provider_unavailable', detail: 'credit_bureau: bureau timeout' });
    failing.mockRestore();
    expect(await h.effects.pullData(pull)).toMatchObject({ ok: true });
  });


  it("refuses a consent on another borrower's application and writes nothing of it (no consent, no revocation, no audit entry)", async () => {
    const mine = applicationOf(await h.effects.submitApplication(personaApplication('multi_lender', at)));
    const theirs = applicationOf(await h.effects.submitApplication(personaApplication('excellent', at)));
    await consentTo(mine.borrowerId, mine.applicationId, ['credit_bureau']);
    const auditsBefore = await h.db.prisma.auditLog.count({ where: { action: 'consent.recorded' } });
    await expect(consentTo(mine.borrowerId, theirs.applicationId, ['bank'], ['credit_bureau'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(consentTo(mine.borrowerId, '00000000-0000-4000-8000-000000000000', ['bank'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const consents = await h.db.prisma.consent.findMany({ where: { borrowerId: mine.borrowerId } });
    expect(consents.map((c) => [c.source, c.revokedAt])).toEqual([['credit_bureau', null]]);
    expect(await h.db.prisma.auditLog.count({ where: { action: 'consent.recorded' } })).toBe(auditsBefore);
  });
});
