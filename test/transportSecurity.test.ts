import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { createLogger } from '../server/logging/index.js';
import type { Providers } from '../server/providers/index.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Transport (issue 15, item 6): in production the session cookie is Secure and HSTS is sent whatever
 * the request claims; X-Forwarded-Proto counts only from TRUST_PROXY; every API response, errors
 * included, says `Cache-Control: no-store` and `nosniff`.
 */
const logger = createLogger('silent');
// Random, one per purpose, as production requires.
const CHAT_TOKEN = 'c748710c199a2595533f4002c7ac669a111386b3a22104cc';
const PRODUCTION = {
  KUAIDAI_ENV: 'production',
  HOST: '0.0.0.0',
  PROVIDERS: 'bank',
  KUAIDAI_DATA_KEY: 'gesGZr7YqQoclzVZhA0QiG/U3csQXJgwGPSEdUZb7MI=',
  CHAT_API_TOKEN: CHAT_TOKEN,
  SESSION_SECRET: 'N9LezITFJRCnJ3EB+Qo3xHrbZY5RwoST/GRXCJSuyGk=',
  PUBLIC_BASE_URL: 'https://loans.example-bank.cn',
  JOBS_POLL_MS: '0',
};
/** The echo conversation calls no provider; production only needs some to be given. */
const NO_PROVIDERS = {} as Providers;

let database: TestDatabase;
let production: Server;
let proxied: Server;

beforeAll(async () => {
  database = await createTestDatabase();
  production = await bootServer(testConfig(database, PRODUCTION), logger, { spec: createEchoSpec(), providers: NO_PROVIDERS });
  proxied = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', TRUST_PROXY: '10.0.0.5' }), logger, { spec: createEchoSpec() });
});

afterAll(async () => {
  await production?.app.close();
  await proxied?.app.close();
  await database?.drop();
});

const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']);

describe(`transport security on ${testDatabaseKind()}`, () => {
  it('production: a Secure cookie and HSTS on plain http, and no-store and nosniff on every response', async () => {
    const page = await production.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(cookieOf(page)).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
    // A client claiming plain http changes nothing.
    expect(cookieOf(await production.app.inject({ url: '/api/web/session', headers: { 'x-forwarded-proto': 'http' } }))).toMatch(/; Secure$/);

    const responses = [
      await production.app.inject({ method: 'POST', url: '/api/v1/chat', headers: { authorization: `Bearer ${CHAT_TOKEN}` }, payload: { userId: 'u1', messageId: 'm1', text: '张三' } }),
      await production.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'u1', messageId: 'm2', text: 'x' } }),
      await production.app.inject({ url: '/api/v1/chat/messages?userId=u1', headers: { authorization: `Bearer ${CHAT_TOKEN}` } }),
      await production.app.inject({ method: 'POST', url: '/api/v1/quote', payload: {} }),
      await production.app.inject({ url: '/no/such/route' }),
      await production.app.inject({ url: '/readyz' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 200, 400, 404, 200]);
    for (const r of responses) {
      expect(r.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'strict-transport-security': 'max-age=31536000' });
    }
  });

  it('production: the staff API answers nothing without a staff session or the token', async () => {
    expect((await production.app.inject({ url: '/api/v1/staff/conversations' })).statusCode).toBe(401);
    // No demo staff in production: the console stays closed until an admin account exists (on
    // PostgreSQL this file's test-mode server seeded its demo accounts into the same database: disabled here).
    await production.db.prisma.staffUser.updateMany({ data: { active: false } });
    const login = await production.app.inject({ method: 'POST', url: '/api/v1/staff/login', payload: { username: 'admin', password: 'Demo-Root-2026' } });
    expect(login.statusCode).toBe(503);
    expect(login.json()).toMatchObject({ error: { code: 'CONSOLE_UNAVAILABLE', message: expect.stringContaining('npm run staff -- add') } });
  });

  it('believes X-Forwarded-Proto only from a configured proxy', async () => {
    const viaProxy = await proxied.app.inject({ url: '/', remoteAddress: '10.0.0.5', headers: { 'x-forwarded-proto': 'https' } });
    expect(cookieOf(viaProxy)).toMatch(/; Secure$/);
    const forged = await proxied.app.inject({ url: '/', remoteAddress: '10.0.0.6', headers: { 'x-forwarded-proto': 'https' } });
    expect(cookieOf(forged)).not.toMatch(/Secure/);
    // Outside production: no HSTS (a developer's http://localhost must keep working), still no-store and nosniff.
    expect(forged.headers['strict-transport-security']).toBeUndefined();
    const api = await proxied.app.inject({ method: 'POST', url: '/api/v1/quote', payload: {} });
    expect(api.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  it('keeps the long cache of hashed assets', async () => {
    const page = await proxied.app.inject({ url: '/' });
    const script = /src="(\/assets\/chat-[0-9a-f]{12}\.js)"/.exec(page.body)![1]!;
    const asset = await proxied.app.inject({ url: script });
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
  });
});
