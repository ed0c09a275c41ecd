import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from './loadConfig.js';

const load = (env: Record<string, string>): Config => loadConfig(env, '/srv/kuaidai');
const refusedSetting = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.setting;
    throw e;
  }
  throw new Error(`expected start-up to be refused for ${JSON.stringify(env)}`);
};

const PRODUCTION = {
  KUAIDAI_ENV: 'production',
  PROVIDERS: 'bank',
  PUBLIC_BASE_URL: 'https://loans.example-bank.cn',
  HOST: '0.0.0.0',
  KUAIDAI_DATA_KEY: 'gesGZr7YqQoclzVZhA0QiG/U3csQXJgwGPSEdUZb7MI=',
  CHAT_API_TOKEN: 'c748710c199a2595533f4002c7ac669a111386b3a22104cc',
  SESSION_SECRET: 'N9LezITFJRCnJ3EB+Qo3xHrbZY5RwoST/GRXCJSuyGk=',
};
const METRICS_TOKEN = '5b1f0c9e7a3d48c2b6e14f90a8d7c3e2f1b0a9d8';

describe('metrics settings', () => {
  it('development serves /metrics open on its loopback port; a separate port takes it off the main one', () => {
    expect(load({}).metrics).toEqual({ token: undefined, port: undefined, host: '127.0.0.1', mainPort: 'open' });
    expect(load({ METRICS_PORT: '9464' }).metrics).toEqual({ token: undefined, port: 9464, host: '127.0.0.1', mainPort: 'off' });
    expect(load({ METRICS_TOKEN }).metrics.mainPort).toBe('token');
  });

  it('production serves nothing without a token or a port of its own (fail-closed)', () => {
    expect(load(PRODUCTION).metrics.mainPort).toBe('off');
    expect(load({ ...PRODUCTION, METRICS_TOKEN }).metrics).toMatchObject({ mainPort: 'token', token: METRICS_TOKEN });
    expect(load({ ...PRODUCTION, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toMatchObject({ mainPort: 'off', port: 9464, host: '0.0.0.0' });
  });

  it('refuses a short, weak or reused token in production, the main port as the metrics port, and a public METRICS_HOST in development', () => {
    expect(refusedSetting({ ...PRODUCTION, METRICS_TOKEN: 'x7Rk2Lp9Qm4Tz8Wc' })).toBe('METRICS_TOKEN');
    expect(refusedSetting({ ...PRODUCTION, METRICS_TOKEN: 'a'.repeat(40) })).toBe('METRICS_TOKEN');
    expect(refusedSetting({ ...PRODUCTION, METRICS_TOKEN: PRODUCTION.CHAT_API_TOKEN })).toBe('METRICS_TOKEN');
    expect(refusedSetting({ METRICS_TOKEN: 'short' })).toBe('METRICS_TOKEN');
    expect(refusedSetting({ PORT: '3000', METRICS_PORT: '3000' })).toBe('METRICS_PORT');
    expect(refusedSetting({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toBe('METRICS_HOST');
  });
});
