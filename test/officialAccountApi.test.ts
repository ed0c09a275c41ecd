import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../server/errors.js';
import { createOfficialAccountApi } from '../server/channels/officialAccount/index.js';
import { startFakeWechatApi, type FakeWechatApi } from './support/fakeWechatApi.js';

const APP_ID = 'wx1234567890abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
let fake: FakeWechatApi;

beforeAll(async () => {
  fake = await startFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET });
});
afterAll(() => fake?.close());

const message = (n: number) => ({ touser: 'oUser1', msgtype: 'text', text: { content: `m${n}` } });

describe('official-account API client against a fake WeChat', () => {
  it.each(['stable', 'classic'] as const)('fetches the %s token once for concurrent sends and reuses it', async (tokenApi) => {
    fake.revokeTokens();
    fake.tokenDelayMs = 50;
    try {
      const api = createOfficialAccountApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: fake.url, tokenApi });
      const path = tokenApi === 'stable' ? '/cgi-bin/stable_token' : '/cgi-bin/token';
      const before = fake.callsTo(path).length;
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => api.sendCustomMessage(message(n))));
      expect(results).toEqual(Array(5).fill({ ok: true }));
      await api.sendCustomMessage(message(6));
      expect(fake.callsTo(path).length - before).toBe(1);
      // The secret travels to the token API only, never in a call that carries the token.
      expect(fake.callsTo('/cgi-bin/message/custom/send').every((c) => !JSON.stringify(c).includes(APP_SECRET))).toBe(true);
    } finally {
      fake.tokenDelayMs = 0;
    }
  });

  it('re-fetches the token on 40001 and 42001 and sends again, once', async () => {
    const api = createOfficialAccountApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: fake.url, tokenApi: 'stable' });
    await api.sendCustomMessage(message(1));
    const issued = fake.tokensIssued;
    fake.revokeTokens();
    expect(await api.sendCustomMessage(message(2))).toEqual({ ok: true });
    expect(fake.tokensIssued).toBe(issued + 1);
    fake.failNext('/cgi-bin/message/custom/send', 42001);
    expect(await api.sendCustomMessage(message(3))).toEqual({ ok: true });
    // Refused twice in a row: the second refusal is the caller's to handle.
    fake.failNext('/cgi-bin/message/custom/send', 40001, 2);
    expect(await api.sendCustomMessage(message(4))).toMatchObject({ ok: false, errcode: 40001 });
  });

  it('returns other refusals as values and throws for a bad credential or an unreachable server, without the secret', async () => {
    const api = createOfficialAccountApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: fake.url, tokenApi: 'stable' });
    fake.failNext('/cgi-bin/message/custom/send', 45047);
    expect(await api.sendCustomMessage(message(1))).toMatchObject({ ok: false, errcode: 45047, errmsg: expect.stringContaining('45047') });

    const wrong = createOfficialAccountApi({ appId: APP_ID, appSecret: 'f'.repeat(32), baseUrl: fake.url, tokenApi: 'classic' });
    const error = await wrong.sendCustomMessage(message(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('WECHAT_API_FAILED');
    expect((error as AppError).message).toMatch(/errcode 40125/);
    expect((error as AppError).message).not.toContain('f'.repeat(32));

    const down = createOfficialAccountApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: 'http://127.0.0.1:9', tokenApi: 'stable', timeoutMs: 2_000 });
    await expect(down.sendCustomMessage(message(3))).rejects.toMatchObject({ code: 'WECHAT_API_FAILED' });
  });

  it('creates a permanent QR code with a string scene and returns its ticket and showqrcode address; a refusal is a value', async () => {
    const api = createOfficialAccountApi({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: fake.url, tokenApi: 'stable' });
    const created = await api.createPermanentQrCode('mgr_KM001');
    expect(created).toMatchObject({ ok: true, ticket: expect.stringMatching(/^gQ-fake-ticket-/) });
    if (!created.ok) throw new Error('unreachable');
    expect(created.imageUrl).toBe(`https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(created.ticket)}`);
    expect(fake.callsTo('/cgi-bin/qrcode/create').at(-1)?.body).toEqual({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'mgr_KM001' } } });
    fake.failNext('/cgi-bin/qrcode/create', 48001);
    expect(await api.createPermanentQrCode('cmp_spring')).toMatchObject({ ok: false, errcode: 48001 });
    await expect(api.createPermanentQrCode('x'.repeat(65))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
