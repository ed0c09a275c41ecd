import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from './loadConfig.js';
import { isLoopback } from './failClosed.js';
import { weakSecretReason } from './weakSecret.js';

const load = (env: Record<string, string>): Config => loadConfig(env, '/srv/kuaidai');
const refusal = (env: Record<string, string>): ConfigError => {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected start-up to be refused for ${JSON.stringify(env)}`);
};

// Random values, one per purpose (made once with `openssl rand`).
const KEY = 'gesGZr7YqQoclzVZhA0QiG/U3csQXJgwGPSEdUZb7MI=';
const OLD_KEY = 'z2BubT5YUzG2N0DmBkZsEoD6LdR1Y8DPZHecS5oSc7g=';
const CHAT_TOKEN = 'c748710c199a2595533f4002c7ac669a111386b3a22104cc';
const STAFF_TOKEN = '010a0a65666aab3b8465e38dfe6178b91ff49d806e9fd25e';
const SESSION_SECRET = 'N9LezITFJRCnJ3EB+Qo3xHrbZY5RwoST/GRXCJSuyGk=';
const OA = { WECHAT_OA_APP_ID: 'wx1234567890abcdef', WECHAT_OA_APP_SECRET: 'Q7vLx2mZr9TfK4cWb8NpY3hJd6GsE1aU', WECHAT_OA_TOKEN: '8lRhrE1zLE1qp0KsjFXMl6ClPvEZ1ayV', WECHAT_OA_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const PRODUCTION = { KUAIDAI_ENV: 'production', HOST: '0.0.0.0', KUAIDAI_DATA_KEY: KEY, PROVIDERS: 'bank', CHAT_API_TOKEN: CHAT_TOKEN, STAFF_API_TOKEN: STAFF_TOKEN, SESSION_SECRET, PUBLIC_BASE_URL: 'https://loans.example-bank.cn' };

describe('development mode is safe by construction', () => {
  it('serves on loopback with the sandbox by default, as `npm install && npm start` gives', () => {
    const c = load({});
    expect(c).toMatchObject({ env: 'development', host: '127.0.0.1', providers: 'sandbox', publicBaseUrl: 'http://localhost:3000', trustProxy: [] });
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(load({ HOST: host }).host).toBe(host);
    expect(load({ PUBLIC_BASE_URL: 'http://127.0.0.1:8080' }).publicBaseUrl).toBe('http://127.0.0.1:8080');
  });

  it.each([
    [{ HOST: '0.0.0.0' }, 'HOST'],
    [{ HOST: '::' }, 'HOST'],
    [{ HOST: '10.1.2.3' }, 'HOST'],
    [{ HOST: 'kuaidai.internal' }, 'HOST'],
    [{ PROVIDERS: 'bank' }, 'PROVIDERS'],
    [{ PUBLIC_BASE_URL: 'https://loans.example-bank.cn' }, 'PUBLIC_BASE_URL'],
    [{ NODE_ENV: 'development', HOST: '0.0.0.0' }, 'HOST'],
    [{ KUAIDAI_ENV: 'test', HOST: '0.0.0.0' }, 'HOST'],
    [{ KUAIDAI_ENV: 'test', PROVIDERS: 'bank' }, 'PROVIDERS'],
  ])('stops start-up outside production for %j, naming %s', (env, setting) => {
    const e = refusal(env);
    expect(e.setting).toBe(setting);
    expect(e.message).toMatch(/KUAIDAI_ENV=production/);
  });

  it('lets test mode name a public link base (tests render links), still on loopback', () => {
    expect(load({ KUAIDAI_ENV: 'test', PUBLIC_BASE_URL: 'https://loans.example-bank.cn' }).publicBaseUrl).toBe('https://loans.example-bank.cn');
  });

  it('tells loopback from other addresses', () => {
    expect(['127.0.0.1', 'localhost', 'app.localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.2', 'example.com', '128.0.0.1', 'localhost.example.com'].some(isLoopback)).toBe(false);
  });
});

describe('production refuses weak settings at start-up, naming them', () => {
  it('accepts random, distinct secrets with the bank providers', () => {
    const c = load({ ...PRODUCTION, ...OA, KUAIDAI_DATA_KEYS_OLD: OLD_KEY, TRUST_PROXY: '10.0.0.5, 10.1.0.0/16' });
    expect(c).toMatchObject({ env: 'production', host: '0.0.0.0', providers: 'bank', trustProxy: ['10.0.0.5', '10.1.0.0/16'] });
    expect(c.oldDataKeys.map((k) => k.toString('base64'))).toEqual([OLD_KEY]);
    expect(load({ NODE_ENV: 'production', HOST: '0.0.0.0', KUAIDAI_DATA_KEY: KEY, PROVIDERS: 'bank', CHAT_API_TOKEN: CHAT_TOKEN }).env).toBe('production');
  });

  const developmentKey = Buffer.from('kuaidai-development-only-data-key').subarray(0, 32);
  it.each([
    ['the public development data key', { KUAIDAI_DATA_KEY: developmentKey.toString('base64') }, 'KUAIDAI_DATA_KEY', /public development key/],
    ['the public development key in hex', { KUAIDAI_DATA_KEY: developmentKey.toString('hex') }, 'KUAIDAI_DATA_KEY', /public development key/],
    ['an all-zero data key', { KUAIDAI_DATA_KEY: Buffer.alloc(32).toString('base64') }, 'KUAIDAI_DATA_KEY', /one byte repeated/],
    ['a data key of one repeated byte', { KUAIDAI_DATA_KEY: Buffer.alloc(32, 1).toString('hex') }, 'KUAIDAI_DATA_KEY', /one byte repeated/],
    ['a data key that is a typed phrase', { KUAIDAI_DATA_KEY: Buffer.from('my-very-secret-bank-key-20261205').toString('base64') }, 'KUAIDAI_DATA_KEY', /text, not random bytes/],
    ['a data key of a repeated pattern', { KUAIDAI_DATA_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => [0xde, 0xad, 0xbe, 0xef][i % 4]!)).toString('base64') }, 'KUAIDAI_DATA_KEY', /short pattern/],
    ['the current key among the old ones', { KUAIDAI_DATA_KEYS_OLD: `${OLD_KEY},${KEY}` }, 'KUAIDAI_DATA_KEYS_OLD', /itself/],
    ['the public development session secret', { SESSION_SECRET: 'kuaidai-development-only-session-secret' }, 'SESSION_SECRET', /public development secret/],
    ['a session secret of one character', { SESSION_SECRET: 's'.repeat(40) }, 'SESSION_SECRET', /one character repeated/],
    ['a 16-character chat token', { CHAT_API_TOKEN: randomBytes(8).toString('hex') }, 'CHAT_API_TOKEN', /at least 32 characters/],
    ['a chat token of one character', { CHAT_API_TOKEN: 'a'.repeat(32) }, 'CHAT_API_TOKEN', /one character repeated/],
    ['a chat token that counts up', { CHAT_API_TOKEN: 'abcdefghijklmnopqrstuvwxyz0123456789' }, 'CHAT_API_TOKEN', /run of neighbouring characters/],
    ['a chat token of few characters', { CHAT_API_TOKEN: 'akztzakatzkzatkzaztkakztzatkzkatzakt' }, 'CHAT_API_TOKEN', /too little randomness/],
    ['a 16-character staff token', { STAFF_API_TOKEN: 'x7Rk2Lp9Qm4Tz8Wc' }, 'STAFF_API_TOKEN', /at least 32 characters/],
    ['the staff token equal to the chat token', { STAFF_API_TOKEN: CHAT_TOKEN }, 'STAFF_API_TOKEN', /same value as CHAT_API_TOKEN/],
    ['the session secret equal to the data key', { SESSION_SECRET: KEY }, 'SESSION_SECRET', /same value as KUAIDAI_DATA_KEY/],
    ['the chat token equal to the data key in hex', { CHAT_API_TOKEN: Buffer.from(KEY, 'base64').toString('hex') }, 'CHAT_API_TOKEN', /KUAIDAI_DATA_KEY written another way/],
    ['a short official-account token', { ...OA, WECHAT_OA_TOKEN: 'kuaidaiToken' }, 'WECHAT_OA_TOKEN', /at least 32 characters/],
    ['the official-account token reused as the chat token', { ...OA, CHAT_API_TOKEN: OA.WECHAT_OA_TOKEN }, 'WECHAT_OA_TOKEN', /same value as CHAT_API_TOKEN/],
    ['plaintext official-account callbacks', { ...OA, WECHAT_OA_MODE: 'compatible' }, 'WECHAT_OA_MODE', /refused in production/],
    ['sandbox providers', { PROVIDERS: 'sandbox' }, 'PROVIDERS', /is sandbox/],
    ['a fixed SMS code', { SANDBOX_OTP_CODE: '123456' }, 'SANDBOX_OTP_CODE', /fixed verification code/],
    ['a typo in the trusted proxies', { TRUST_PROXY: '10.0.0.300' }, 'TRUST_PROXY', /not an IP address/],
  ])('refuses %s', (_what, change, setting, reason) => {
    const e = refusal({ ...PRODUCTION, ...change });
    expect(e.setting).toBe(setting);
    expect(e.message).toMatch(reason);
    // The message names the setting, never its value.
    const value = (change as Record<string, string>)[setting];
    if (value && value.length >= 16) expect(e.message).not.toContain(value);
  });

  it('requires the data key and the chat token', () => {
    const { KUAIDAI_DATA_KEY: _key, ...withoutKey } = PRODUCTION;
    expect(refusal(withoutKey).setting).toBe('KUAIDAI_DATA_KEY');
    const { CHAT_API_TOKEN: _token, ...withoutToken } = PRODUCTION;
    expect(refusal(withoutToken).setting).toBe('CHAT_API_TOKEN');
  });
});

describe('weakSecretReason', () => {
  it('lets random values of every usual encoding through', () => {
    for (let i = 0; i < 200; i++) {
      for (const value of [randomBytes(16).toString('hex'), randomBytes(24).toString('hex'), randomBytes(32).toString('base64'), randomBytes(32).toString('base64url')]) {
        expect(weakSecretReason(value), value).toBeUndefined();
      }
      expect(weakSecretReason(randomBytes(32))).toBeUndefined();
    }
  });

  it('lets through random values that were refused by chance before', () => {
    // From randomBytes(16): 16 of 31 neighbours equal or adjacent digits (once "mostly a run").
    expect(weakSecretReason('1840009bbaaad49dcdccb0fedc665968')).toBeUndefined();
    // From randomBytes(16): nine distinct digits, estimated at about 89 bits.
    expect(weakSecretReason('f4aafba1aacb1aa211a4b8aa294a1a2a')).toBeUndefined();
  });

  it('names what makes a typed value weak', () => {
    expect(weakSecretReason('kuaidaiTestToken')).toMatch(/too little randomness/);
    expect(weakSecretReason('Kuaidai2026!Kuaidai2026!Kuaidai2')).toMatch(/short pattern/);
    expect(weakSecretReason('12345678901234567890123456789012')).toMatch(/short pattern/);
    expect(weakSecretReason(`${'0'.repeat(63)}1`)).toMatch(/run of neighbouring/);
    expect(weakSecretReason(Buffer.alloc(32, 0xff))).toMatch(/one byte repeated/);
  });
});
