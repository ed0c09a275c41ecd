import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PERSONAS, demoPersona, generateResidentId, type PersonIdentity } from '../../core/index.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/support/testDatabase.js';
import { loadConfig } from '../config/index.js';
import { applyMigrations, openDatabase, type Database } from '../db/index.js';
import { createLogger } from '../logging/index.js';
import { createProviders, createSandboxProviders, sandboxFileFor, SANDBOX_CARD_BALANCE, SandboxPaymentGateway, type DataQuery } from './index.js';

const silent = createLogger('silent');
const at = Date.parse('2026-01-15T02:00:00Z');
const consent = { consentId: 'c1', source: 'credit_bureau' as const, textVersion: 'v1', textHash: 'h', grantedAt: at };
const query = (person: PersonIdentity, extra: Partial<DataQuery> = {}): DataQuery => ({ person, consent, at, ...extra });

/** A logger whose lines tests can read. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
  return { logger: createLogger('info', 'json', stream), lines: () => lines.map((l) => JSON.parse(l) as { msg: string }) };
}

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase(database.target, { poolSize: 4 });
  await applyMigrations(db.adapterFactory);
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe(`sandbox providers on ${testDatabaseKind()}`, () => {
  it('answer demo personas with their own files', async () => {
    const p = createSandboxProviders(silent, db.prisma);
    for (const persona of Object.values(DEMO_PERSONAS)) {
      const q = query(persona.profile.person, persona.profile.enterprise ? { enterprise: persona.profile.enterprise } : {});
      expect(await p.creditBureau.report(q)).toEqual({ ok: true, data: persona.profile.sources.credit_bureau ?? null, synthetic: false });
      expect(await p.government.housingFund(q)).toMatchObject({ ok: true, data: persona.profile.sources.housing_fund ?? null });
      expect(await p.bank.relationship(q)).toMatchObject({ ok: true, data: persona.profile.sources.bank ?? null });
      expect(await p.identity.watchlist(q)).toMatchObject({ ok: true, data: persona.profile.watchlist });
      expect((await p.identity.verify(q)).ok && (await p.identity.verify(q))).toMatchObject({ data: { nameIdMatch: true } });
    }
    const owner = demoPersona('enterprise_owner').profile;
    const q = query(owner.person, { enterprise: owner.enterprise! });
    expect(await p.government.businessRegistry(q)).toMatchObject({ data: { status: 'active', establishedOn: '2016-04-01' } });
    expect(await p.government.tax(q)).toMatchObject({ data: { annualTaxPaid: 18_000_000, creditGrade: 'A' } });
    expect(await p.government.businessRegistry(query(owner.person))).toEqual({ ok: true, data: null });
  });

  it('flag a name or a mobile that is not the persona\'s as a mismatch; the blacklisted persona is on the court list', async () => {
    const p = createSandboxProviders(silent, db.prisma);
    const excellent = demoPersona('excellent').profile.person;
    expect(await p.identity.verify({ person: { ...excellent, name: '张三' }, at })).toMatchObject({ ok: true, data: { nameIdMatch: false } });
    // The operator three-factor check: the persona's own mobile only.
    expect(await p.identity.verify({ person: { ...excellent, mobile: '13900000000' }, at })).toMatchObject({ ok: true, data: { nameIdMatch: true, mobileMatch: false } });
    expect(await p.identity.verify({ person: excellent, at })).toMatchObject({ ok: true, data: { nameIdMatch: true, mobileMatch: true } });
    // A made-up person (any other valid ID number) verifies as typed.
    expect(await p.identity.verify({ person: { name: '周测试', idNumber: generateResidentId({ regionCode: '430702', birthDate: '1990-03-07', sex: 'male', serial: 17 }), mobile: '13900000000' }, at })).toMatchObject({ ok: true, data: { nameIdMatch: true, mobileMatch: true } });
    expect(await p.identity.watchlist({ person: demoPersona('blacklisted').profile.person, at })).toMatchObject({ data: { courtDefaulter: true } });
    expect(await p.identity.verify({ person: { ...excellent, idNumber: '430702198605120231' }, at })).toMatchObject({ data: { nameIdMatch: false } });
  });

  it('make up the same synthetic file for the same ID number, labelled synthetic, and different files for others', async () => {
    const id = generateResidentId({ regionCode: '410102', birthDate: '1988-08-08', sex: 'female', serial: 42 });
    const other = generateResidentId({ regionCode: '410102', birthDate: '1988-08-08', sex: 'female', serial: 43 });
    const person = { name: '王芳', idNumber: id, mobile: '13600000000' };
    const a = createSandboxProviders(silent, db.prisma);
    const b = createSandboxProviders(silent, db.prisma);
    const first = await a.creditBureau.report(query(person));
    expect(first).toMatchObject({ ok: true, synthetic: true });
    expect(await b.creditBureau.report(query(person))).toEqual(first);
    expect(await b.bank.relationship(query(person))).toEqual(await a.bank.relationship(query(person)));
    expect(sandboxFileFor(id)).toEqual(sandboxFileFor(id.toLowerCase()));
    const files = [id, other].map((x) => JSON.stringify(sandboxFileFor(x)!.profile.sources));
    expect(files[0]).not.toEqual(files[1]);
    expect(sandboxFileFor('123')).toBeNull();
    expect(await a.creditBureau.report(query({ ...person, idNumber: '123' }))).toEqual({ ok: true, data: null });
  });

  it('log the SMS code in a line a developer can read (development only), and keep it for tests', async () => {
    const { logger, lines } = capturingLogger();
    const p = createSandboxProviders(logger, db.prisma, { printSmsCodes: true });
    expect(await p.sms.sendVerificationCode({ mobile: '13807360001', code: '123456', ttlMinutes: 5 })).toMatchObject({ ok: true });
    expect(p.sms.lastCode('13807360001')).toBe('123456');
    expect(lines().map((l) => l.msg)).toContain('[sandbox-sms] 验证码 123456 → 138****0001 (5 分钟内有效)');
    expect(JSON.stringify(lines())).not.toContain('13807360001');
    // Outside development (createProviders decides by KUAIDAI_ENV) the code is never written to a log.
    const quiet = capturingLogger();
    const configured = createProviders(loadConfig({ KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent' }), quiet.logger, db.prisma) as ReturnType<typeof createSandboxProviders>;
    await configured.sms.sendVerificationCode({ mobile: '13807360001', code: '654321', ttlMinutes: 5 });
    expect(configured.sms.lastCode('13807360001')).toBe('654321');
    expect(JSON.stringify(quiet.lines())).not.toContain('654321');
    expect(quiet.lines().map((l) => l.msg)).toContain('[sandbox-sms] 验证码 ****** → 138****0001 (5 分钟内有效)');
  });

  it('move sandbox money once per key, keep a card balance, and refuse .44 collections as insufficient funds', async () => {
    const { payments } = createSandboxProviders(silent, db.prisma);
    const request = { idempotencyKey: 'k1', borrowerId: 'b1', amount: 3_000_000, reference: 'DD1', at };
    const paid = await payments.disburse(request);
    expect(paid).toMatchObject({ ok: true, amount: 3_000_000, card: payments.cardOf('b1') });
    expect(await payments.disburse(request)).toEqual(paid);
    expect(await payments.balanceOf('b1')).toBe(SANDBOX_CARD_BALANCE + 3_000_000);
    expect(await payments.collect({ ...request, idempotencyKey: 'k2', amount: 100_044 })).toMatchObject({ ok: false, reason: 'insufficient_funds' });
    const collected = await payments.collect({ ...request, idempotencyKey: 'k3', amount: 100_000 });
    expect(await payments.collect({ ...request, idempotencyKey: 'k3', amount: 999 })).toEqual(collected);
    expect(await payments.balanceOf('b1')).toBe(SANDBOX_CARD_BALANCE + 2_900_000);
    await payments.setBalance('b2', 500);
    expect(await payments.collect({ ...request, borrowerId: 'b2', idempotencyKey: 'k4', amount: 501 })).toMatchObject({ ok: false, reason: 'insufficient_funds' });
    expect(payments.cardOf('b1')).toBe(createSandboxProviders(silent, db.prisma).payments.cardOf('b1'));
  });

  it('keep cards and payments in the database: a new gateway (a restart) replays a key, looks it up, and knows the balance', async () => {
    const first = new SandboxPaymentGateway(db.prisma, silent);
    const request = { idempotencyKey: 'restart-1', borrowerId: 'b-restart', amount: 1_234_500, reference: 'DD2', at };
    const paid = await first.disburse(request);
    const collected = await first.collect({ ...request, idempotencyKey: 'restart-2', amount: 200_000 });
    const restarted = new SandboxPaymentGateway(db.prisma, silent);
    expect(await restarted.disburse(request)).toEqual(paid);
    expect(await restarted.lookup('disburse', 'restart-1')).toEqual(paid);
    expect(await restarted.lookup('collect', 'restart-2')).toEqual(collected);
    expect(await restarted.lookup('collect', 'restart-1')).toBeNull(); // keys are per kind
    expect(await restarted.lookup('disburse', 'never-used')).toBeNull();
    expect(await restarted.balanceOf('b-restart')).toBe(SANDBOX_CARD_BALANCE + 1_234_500 - 200_000);
  });

  it('move money once when two gateways (two processes) get the same key at the same moment', async () => {
    const gateways = [0, 1, 2, 3].map(() => new SandboxPaymentGateway(db.prisma, silent));
    const request = { idempotencyKey: 'race-1', borrowerId: 'b-race', amount: 700_000, reference: 'RP1', at };
    const results = await Promise.all(gateways.map((g) => g.collect(request)));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0]).toMatchObject({ ok: true, amount: 700_000 });
    expect(await gateways[0]!.balanceOf('b-race')).toBe(SANDBOX_CARD_BALANCE - 700_000);
  });

  it('fail on request: declined and unavailable move nothing; lost_response moves the money and then throws', async () => {
    const { payments } = createSandboxProviders(silent, db.prisma);
    const request = { idempotencyKey: 'fail-1', borrowerId: 'b-fail', amount: 100_000, reference: 'DD3', at };
    payments.failNext('disburse', 'unavailable');
    expect(await payments.disburse(request)).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(await payments.lookup('disburse', 'fail-1')).toBeNull();
    payments.failNext('disburse', 'lost_response');
    await expect(payments.disburse(request)).rejects.toThrow(/answer was lost/);
    const recorded = await payments.lookup('disburse', 'fail-1');
    expect(recorded).toMatchObject({ ok: true, amount: 100_000 });
    expect(await payments.disburse(request)).toEqual(recorded);
    expect(await payments.balanceOf('b-fail')).toBe(SANDBOX_CARD_BALANCE + 100_000);
  });
});

describe('provider selection', () => {
  it('defaults to the sandbox and refuses it in production', () => {
    expect(loadConfig({ KUAIDAI_ENV: 'test' }).providers).toBe('sandbox');
    const production = { KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: 'gesGZr7YqQoclzVZhA0QiG/U3csQXJgwGPSEdUZb7MI=', CHAT_API_TOKEN: 'c748710c199a2595533f4002c7ac669a111386b3a22104cc' };
    expect(() => loadConfig(production)).toThrow(/PROVIDERS: is sandbox/);
    expect(loadConfig({ ...production, PROVIDERS: 'bank' }).providers).toBe('bank');
    expect(() => loadConfig({ ...production, PROVIDERS: 'bank', SANDBOX_OTP_CODE: '123456' })).toThrow(/SANDBOX_OTP_CODE/);
    expect(loadConfig({ KUAIDAI_ENV: 'development', SANDBOX_OTP_CODE: '123456' }).sandboxOtpCode).toBe('123456');
  });

  it('needs the bank\'s providers when PROVIDERS=bank', () => {
    expect(() => createProviders({ providers: 'bank', env: 'production' }, silent, db.prisma)).toThrow(/no bank providers/);
    const bank = createSandboxProviders(silent, db.prisma);
    expect(createProviders({ providers: 'bank', env: 'production' }, silent, db.prisma, bank)).toBe(bank);
    expect(createProviders({ providers: 'sandbox', env: 'development' }, silent, db.prisma).payments.name).toBe('sandbox-payments');
  });
});
