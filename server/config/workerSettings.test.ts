import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loadConfig.js';
import { parseWorkerSettings } from './workerSettings.js';

const PG = 'postgres://kuaidai@db.internal:5432/kuaidai';
const load = (env: Record<string, string>) => loadConfig(env, '/srv/kuaidai');

const failure = (env: Record<string, string>): ConfigError => {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('KUAIDAI_WORKERS', () => {
  it('is one process when unset or 1, on either database', () => {
    expect(load({}).workers).toBe(1);
    expect(load({ KUAIDAI_WORKERS: '1' }).workers).toBe(1);
    expect(load({ KUAIDAI_WORKERS: '1', DATABASE_URL: 'pglite:memory' }).workers).toBe(1);
    expect(load({ KUAIDAI_WORKERS: '', DATABASE_URL: PG }).workers).toBe(1);
  });

  it('runs N processes on PostgreSQL, auto one per CPU', () => {
    expect(load({ KUAIDAI_WORKERS: '2', DATABASE_URL: PG }).workers).toBe(2);
    expect(load({ KUAIDAI_WORKERS: '12', DATABASE_URL: PG }).workers).toBe(12);
    const postgres = { database: { kind: 'postgres', url: PG }, wechatyPuppet: undefined, officialAccountTokenApi: undefined } as const;
    expect(parseWorkerSettings('auto', postgres, () => 6)).toBe(6);
    expect(parseWorkerSettings('auto', postgres, () => 1)).toBe(1);
    expect(parseWorkerSettings('auto', postgres, () => 500)).toBe(64);
  });

  it('names a value that is no count', () => {
    for (const bad of ['0', '-2', 'two', '2.5', '65', '1000', 'AUTO ']) {
      const e = failure({ KUAIDAI_WORKERS: bad, DATABASE_URL: PG });
      expect(e.message, bad).toMatch(/^KUAIDAI_WORKERS: must be a number of processes from 1 to 64 \(e\.g\. 2\) or auto/);
    }
  });

  it('refuses several processes on the embedded database, auto included, saying PostgreSQL is needed', () => {
    for (const env of <Record<string, string>[]>[{ KUAIDAI_WORKERS: '2' }, { KUAIDAI_WORKERS: 'auto' }, { KUAIDAI_WORKERS: '2', DATABASE_URL: 'pglite:memory' }, { KUAIDAI_WORKERS: '4', DATABASE_URL: 'pglite:./db' }]) {
      const e = failure(env);
      expect(e.message).toMatch(/^KUAIDAI_WORKERS: is (2|auto|4), but the embedded database \(PGlite\) can be opened by one process only: several processes need PostgreSQL/);
    }
  });

  it('refuses several processes with the personal-WeChat bot or the classic official-account token', () => {
    expect(failure({ KUAIDAI_WORKERS: '2', DATABASE_URL: PG, WECHATY_PUPPET: 'wechaty-puppet-service' }).message).toMatch(/personal-WeChat bot \(WECHATY_PUPPET\) .* exactly one process/);
    const oa = { WECHAT_OA_APP_ID: 'wx0123456789abcdef', WECHAT_OA_APP_SECRET: '0123456789abcdef0123456789abcdef', WECHAT_OA_TOKEN: 'tokentoken' };
    expect(failure({ KUAIDAI_WORKERS: '2', DATABASE_URL: PG, ...oa, WECHAT_OA_TOKEN_API: 'classic' }).message).toMatch(/WECHAT_OA_TOKEN_API=stable/);
    expect(load({ KUAIDAI_WORKERS: '2', DATABASE_URL: PG, ...oa }).workers).toBe(2);
    expect(load({ KUAIDAI_WORKERS: '1', DATABASE_URL: PG, WECHATY_PUPPET: 'wechaty-puppet-service' }).workers).toBe(1);
  });
});
