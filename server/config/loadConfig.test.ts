import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loadConfig.js';

const load = (env: Record<string, string>) => loadConfig(env, '/srv/kuaidai');

// Values as production requires them: random (made once with `openssl rand`), one per purpose.
const KEY = 'gesGZr7YqQoclzVZhA0QiG/U3csQXJgwGPSEdUZb7MI=';
const CHAT_TOKEN = 'c748710c199a2595533f4002c7ac669a111386b3a22104cc';
const SESSION_SECRET = 'N9LezITFJRCnJ3EB+Qo3xHrbZY5RwoST/GRXCJSuyGk=';
const OA_TOKEN = '8lRhrE1zLE1qp0KsjFXMl6ClPvEZ1ayV';
const PRODUCTION = { KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: KEY, PROVIDERS: 'bank', CHAT_API_TOKEN: CHAT_TOKEN, SESSION_SECRET, HOST: '0.0.0.0' };

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
    const e = failure({ KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: KEY, PROVIDERS: 'bank' });
    expect(e.setting).toBe('CHAT_API_TOKEN');
    expect(e.message).toMatch(/^CHAT_API_TOKEN: is required in production/);
    expect(load({ KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: KEY, PROVIDERS: 'bank', CHAT_API_TOKEN: CHAT_TOKEN }).chatApiToken).toBe(CHAT_TOKEN);
    expect(failure({ CHAT_API_TOKEN: 'short' }).message).toMatch(/^CHAT_API_TOKEN: must be at least 16 characters/);
  });

  it('gives the web chat a development session secret and limits, and no secret in production unless set', () => {
    const dev = load({});
    expect(dev.web).toEqual({
      sessionSecret: expect.stringMatching(/development/),
      sessionSecretIsDevelopmentDefault: true,
      cookieName: 'kd_session',
      sessionIdleMs: 30 * 60_000,
      sessionMaxMs: 12 * 3_600_000,
      maxFrameBytes: 16 * 1024,
      ratePerSec: 5,
      rateBurst: 10,
      maxSocketsPerSession: 5,
    });
    const production = { KUAIDAI_ENV: 'production', KUAIDAI_DATA_KEY: KEY, PROVIDERS: 'bank', CHAT_API_TOKEN: CHAT_TOKEN };
    expect(load(production).web.sessionSecret).toBeUndefined();
    expect(load({ ...production, SESSION_SECRET }).web).toMatchObject({ sessionSecret: SESSION_SECRET, sessionSecretIsDevelopmentDefault: false });
    expect(failure({ SESSION_SECRET: 'short' }).message).toMatch(/^SESSION_SECRET: must be at least 32 characters/);
    expect(failure({ WEB_COOKIE_NAME: 'a b' }).setting).toBe('WEB_COOKIE_NAME');
    expect(failure({ WEB_MAX_FRAME_BYTES: '100' }).setting).toBe('WEB_MAX_FRAME_BYTES');
    expect(load({ WEB_RATE_PER_SEC: '2.5', WEB_RATE_BURST: '4', WEB_SESSION_IDLE_MS: '600000', WEB_SESSION_MAX_MS: '3600000' }).web).toMatchObject({ ratePerSec: 2.5, rateBurst: 4, sessionIdleMs: 600_000, sessionMaxMs: 3_600_000 });
    expect(failure({ WEB_SESSION_IDLE_MS: '1000' }).setting).toBe('WEB_SESSION_IDLE_MS');
    expect(failure({ WEB_SESSION_MAX_MS: String(31 * 86_400_000) }).setting).toBe('WEB_SESSION_MAX_MS');
  });

  it('names a bad JOBS_POLL_MS or TURN_SETTLE_TIMEOUT_MS', () => {
    expect(load({ JOBS_POLL_MS: '0' }).jobsPollMs).toBe(0);
    expect(failure({ JOBS_POLL_MS: '-1' }).setting).toBe('JOBS_POLL_MS');
    expect(failure({ TURN_SETTLE_TIMEOUT_MS: '5' }).setting).toBe('TURN_SETTLE_TIMEOUT_MS');
  });

  it('leaves the personal-WeChat channel off unless WECHATY_PUPPET names a puppet', () => {
    expect(load({}).wechaty).toBeUndefined();
    expect(load({ WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_TOKEN: 'puppet_service_token', WECHATY_PUPPET_ENDPOINT: '10.0.0.8:8788', WECHATY_NAME: 'kuaidai-bot', WECHATY_BOT_NAMES: '快贷助手, 小快，快贷' }).wechaty).toEqual({
      puppet: 'wechaty-puppet-service',
      token: 'puppet_service_token',
      endpoint: '10.0.0.8:8788',
      name: 'kuaidai-bot',
      sessionFile: '/srv/kuaidai/.data/wechaty/kuaidai-bot',
      botNames: ['快贷助手', '小快', '快贷'],
      acceptFriendships: true,
    });
    expect(load({ WECHATY_PUPPET: 'wechaty-puppet-padlocal', WECHATY_ACCEPT_FRIENDS: 'false' }).wechaty?.acceptFriendships).toBe(false);
    expect(load({ WECHATY_PUPPET: '@juzibot/wechaty-puppet-wxwork' }).wechaty).toEqual({ puppet: '@juzibot/wechaty-puppet-wxwork', token: undefined, endpoint: undefined, name: undefined, sessionFile: undefined, botNames: ['快贷助手'], acceptFriendships: true });
  });

  it('names a bad or stray WeChat setting and refuses the mock puppet in production', () => {
    expect(failure({ WECHATY_PUPPET: 'padlocal' }).message).toMatch(/^WECHATY_PUPPET: must be a wechaty puppet package/);
    expect(failure({ WECHATY_PUPPET_TOKEN: 'puppet_padlocal_x' }).message).toMatch(/^WECHATY_PUPPET_TOKEN: is set but WECHATY_PUPPET is not/);
    expect(failure({ WECHATY_PUPPET: 'wechaty-puppet-mock', WECHATY_NAME: '../etc/passwd' }).setting).toBe('WECHATY_NAME');
    expect(failure({ ...PRODUCTION, WECHATY_PUPPET: 'wechaty-puppet-mock' }).message).toMatch(/^WECHATY_PUPPET: wechaty-puppet-mock is a test double/);
    expect(load({ ...PRODUCTION, WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_TOKEN: 't' }).wechaty?.puppet).toBe('wechaty-puppet-service');
  });

  it('turns the official account on only with all of AppID, AppSecret and Token, naming the first one missing', () => {
    expect(load({}).officialAccount).toBeUndefined();
    const oa = { WECHAT_OA_APP_ID: 'wx1234567890abcdef', WECHAT_OA_APP_SECRET: '0123456789abcdef0123456789abcdef', WECHAT_OA_TOKEN: 'kuaidaiToken' };
    expect(load(oa).officialAccount).toEqual({
      appId: 'wx1234567890abcdef',
      appSecret: '0123456789abcdef0123456789abcdef',
      token: 'kuaidaiToken',
      encodingAesKey: undefined,
      mode: 'plain',
      path: '/wechat/official-account',
      apiBaseUrl: 'https://api.weixin.qq.com',
      replyBudgetMs: 4_000,
      tokenApi: 'stable',
    });
    expect(failure({ WECHAT_OA_APP_ID: oa.WECHAT_OA_APP_ID }).message).toMatch(/^WECHAT_OA_APP_SECRET: is required when the official account is configured \(WECHAT_OA_APP_ID is set\)/);
    expect(failure({ WECHAT_OA_MODE: 'safe' }).setting).toBe('WECHAT_OA_APP_ID');
    expect(failure({ ...oa, WECHAT_OA_TOKEN: '' }).setting).toBe('WECHAT_OA_TOKEN');
    expect(failure({ ...oa, WECHAT_OA_APP_ID: 'gh_123' }).setting).toBe('WECHAT_OA_APP_ID');
    expect(failure({ ...oa, WECHAT_OA_TOKEN: 'with space' }).setting).toBe('WECHAT_OA_TOKEN');
  });

  it('validates the EncodingAESKey, defaults to safe mode with one and refuses plain and compatible modes in production', () => {
    const oa = { WECHAT_OA_APP_ID: 'wx1234567890abcdef', WECHAT_OA_APP_SECRET: '0123456789abcdef0123456789abcdef', WECHAT_OA_TOKEN: 'kuaidaiToken' };
    const aes = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    expect(load({ ...oa, WECHAT_OA_AES_KEY: aes }).officialAccount).toMatchObject({ mode: 'safe', encodingAesKey: aes });
    expect(failure({ ...oa, WECHAT_OA_AES_KEY: aes.slice(1) }).message).toMatch(/^WECHAT_OA_AES_KEY: must be the 43-character EncodingAESKey/);
    expect(failure({ ...oa, WECHAT_OA_AES_KEY: `${aes.slice(1)}+` }).setting).toBe('WECHAT_OA_AES_KEY');
    expect(failure({ ...oa, WECHAT_OA_MODE: 'compatible' }).message).toMatch(/^WECHAT_OA_AES_KEY: is required in compatible mode/);
    expect(failure({ ...oa, WECHAT_OA_MODE: 'secret' }).setting).toBe('WECHAT_OA_MODE');
    expect(load({ ...oa, WECHAT_OA_PATH: '/wx/callback', WECHAT_OA_REPLY_BUDGET_MS: '0', WECHAT_OA_TOKEN_API: 'classic', WECHAT_API_BASE_URL: 'http://127.0.0.1:8080/' }).officialAccount).toMatchObject({
      path: '/wx/callback',
      replyBudgetMs: 0,
      tokenApi: 'classic',
      apiBaseUrl: 'http://127.0.0.1:8080',
    });
    expect(failure({ ...oa, WECHAT_OA_REPLY_BUDGET_MS: '5000' }).setting).toBe('WECHAT_OA_REPLY_BUDGET_MS');
    expect(failure({ ...oa, WECHAT_OA_PATH: 'wechat' }).setting).toBe('WECHAT_OA_PATH');
    const production = { ...PRODUCTION, ...oa, WECHAT_OA_TOKEN: OA_TOKEN };
    expect(failure(production).message).toMatch(/^WECHAT_OA_MODE: plain/);
    expect(failure({ ...production, WECHAT_OA_AES_KEY: aes, WECHAT_OA_MODE: 'compatible' }).message).toMatch(/^WECHAT_OA_MODE: compatible \(兼容\) mode is refused in production/);
    expect(load({ ...production, WECHAT_OA_AES_KEY: aes }).officialAccount?.mode).toBe('safe');
  });

  it('reads WeCom robots as name=key pairs (or whole webhook URLs) without echoing a key in errors', () => {
    expect(load({}).wecom).toEqual({ webhookBaseUrl: 'https://qyapi.weixin.qq.com', robots: {} });
    const a = '693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa';
    const b = '04ec98e0-6332-490a-9766-c87131bee3c6';
    expect(load({ WECOM_ROBOTS: `branch_a=${a}, 总行=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${b}`, WECOM_ROBOT_WEBHOOK_BASE_URL: 'http://127.0.0.1:9000/' }).wecom).toEqual({
      webhookBaseUrl: 'http://127.0.0.1:9000',
      robots: { branch_a: a, 总行: b },
    });
    expect(failure({ WECOM_ROBOTS: `a=${a},a=${b}` }).message).toMatch(/^WECOM_ROBOTS: robot a is listed twice/);
    expect(failure({ WECOM_ROBOTS: a }).message).toMatch(/^WECOM_ROBOTS: entry 1 must be name=key/);
    const bad = failure({ WECOM_ROBOTS: 'x=not a key!' });
    expect(bad.message).toMatch(/^WECOM_ROBOTS: the key of robot x is not a webhook key/);
    expect(bad.message).not.toContain('not a key!');
  });
});
