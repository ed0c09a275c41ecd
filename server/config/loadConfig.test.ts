import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loadConfig.js';

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

describe('loadConfig', () => {
  it('defaults to the embedded database in ./.data/pglite on port 3000', () => {
    const c = load({});
    expect(c.database).toEqual({ kind: 'pglite', dataDir: '/srv/kuaidai/.data/pglite' });
    expect(c.port).toBe(3000);
    expect(c.env).toBe('development');
    expect(c.dataKeyIsDevelopmentDefault).toBe(true);
  });

  it('understands pglite:memory, pglite:<dir> and postgres URLs', () => {
    expect(load({ DATABASE_URL: 'pglite:memory' }).database).toEqual({ kind: 'pglite', dataDir: 'memory://' });
    expect(load({ DATABASE_URL: 'pglite:/var/lib/kd' }).database).toEqual({ kind: 'pglite', dataDir: '/var/lib/kd' });
    expect(load({ DATABASE_URL: 'postgres://u:p@db:5432/kd' }).database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/kd' });
    expect(load({ DATABASE_URL: 'postgresql://db/kd' }).database.kind).toBe('postgres');
  });

  it('names DATABASE_URL when its scheme is unknown', () => {
    const e = failure({ DATABASE_URL: 'mysql://root@localhost/kd' });
    expect(e.setting).toBe('DATABASE_URL');
    expect(e.message).toMatch(/^DATABASE_URL: unsupported scheme "mysql:"/);
  });

  it('requires the data key in production and names it', () => {
    const e = failure({ KUAIDAI_ENV: 'production', DATABASE_URL: 'postgres://db/kd' });
    expect(e.setting).toBe('KUAIDAI_DATA_KEY');
    expect(e.message).toMatch(/required in production/);
  });

  it('accepts a 32-byte key as base64 or hex and rejects other lengths', () => {
    const key = Buffer.alloc(32, 7);
    expect(load({ KUAIDAI_DATA_KEY: key.toString('base64') }).dataKey.equals(key)).toBe(true);
    expect(load({ KUAIDAI_DATA_KEY: key.toString('hex') }).dataKey.equals(key)).toBe(true);
    expect(failure({ KUAIDAI_DATA_KEY: 'c2hvcnQ=' }).message).toMatch(/KUAIDAI_DATA_KEY: must be 32 bytes/);
  });

  it('names a bad port or log level', () => {
    expect(failure({ PORT: 'eighty' }).setting).toBe('PORT');
    expect(failure({ PORT: '70000' }).setting).toBe('PORT');
    expect(failure({ LOG_LEVEL: 'loud' }).setting).toBe('LOG_LEVEL');
  });

  it('treats empty values as unset', () => {
    expect(load({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });

  it('leaves the chat API open in development and requires CHAT_API_TOKEN in production', () => {
    const dev = load({});
    expect(dev.chatApiToken).toBeUndefined();
    expect(dev.jobsPollMs).toBe(1_000);
    expect(dev.turnSettleTimeoutMs).toBe(10_000);
    const key = Buffer.alloc(32, 7).toString('base64');
    const e = failure({ KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: key, PROVIDERS: 'bank' });
    expect(e.setting).toBe('CHAT_API_TOKEN');
    expect(e.message).toMatch(/^CHAT_API_TOKEN: is required in production/);
    expect(load({ KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: key, PROVIDERS: 'bank', CHAT_API_TOKEN: 'a'.repeat(24) }).chatApiToken).toBe('a'.repeat(24));
    expect(failure({ CHAT_API_TOKEN: 'short' }).message).toMatch(/^CHAT_API_TOKEN: must be at least 16 characters/);
  });

  it('names a bad JOBS_POLL_MS or TURN_SETTLE_TIMEOUT_MS', () => {
    expect(load({ JOBS_POLL_MS: '0' }).jobsPollMs).toBe(0);
    expect(failure({ JOBS_POLL_MS: '-1' }).setting).toBe('JOBS_POLL_MS');
    expect(failure({ TURN_SETTLE_TIMEOUT_MS: '5' }).setting).toBe('TURN_SETTLE_TIMEOUT_MS');
  });
});
