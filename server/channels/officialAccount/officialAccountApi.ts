import { AppError } from '../../errors.js';
import { AccessTokenCache, type FetchedToken } from './accessTokenCache.js';

export interface OfficialAccountApiOptions {
  readonly appId: string;
  readonly appSecret: string;
  /** https://api.weixin.qq.com, or a fake in tests. */
  readonly baseUrl: string;
  /**
   * `stable` (POST /cgi-bin/stable_token, normal mode): the same token for every instance and
   * isolated from other systems of the bank using the classic API; `classic` (GET /cgi-bin/token)
   * invalidates the token any other caller holds after five minutes.
   */
  readonly tokenApi: 'stable' | 'classic';
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

/** WeChat's answer to an API call: accepted, or refused with its errcode. Network and HTTP failures throw. */
export type WechatApiResult = { readonly ok: true } | { readonly ok: false; readonly errcode: number; readonly errmsg: string };

export interface OfficialAccountApi {
  accessToken(): Promise<string>;
  /** POST /cgi-bin/message/custom/send; a refused token is re-fetched and the call made once more. */
  sendCustomMessage(body: Readonly<Record<string, unknown>>): Promise<WechatApiResult>;
  /** POST /cgi-bin/message/template/send: a service notice by template id, allowed outside the 48-hour window. */
  sendTemplateMessage(body: Readonly<Record<string, unknown>>): Promise<WechatApiResult & { readonly msgid?: number }>;
  /**
   * POST /cgi-bin/qrcode/create with `QR_LIMIT_STR_SCENE`: a permanent parametric QR code whose scans
   * reach the callback with `scene` (1–64 characters). The account may hold at most 100,000 of these:
   * create each once and keep the ticket. `imageUrl` is showqrcode's address of the image.
   */
  createPermanentQrCode(scene: string): Promise<{ readonly ok: true; readonly ticket: string; readonly url: string; readonly imageUrl: string } | { readonly ok: false; readonly errcode: number; readonly errmsg: string }>;
}

/** Where WeChat serves a QR code's image by its ticket. */
export const SHOW_QR_CODE_URL = 'https://mp.weixin.qq.com/cgi-bin/showqrcode';

/** errcodes meaning the access_token is invalid or expired. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/**
 * The few official-account APIs the channel calls, with the access_token cached. The AppSecret
 * and tokens never appear in errors or logs.
 */
export function createOfficialAccountApi(options: OfficialAccountApiOptions): OfficialAccountApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(api: string, url: string, init: RequestInit): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new AppError('WECHAT_API_FAILED', { api, reason: e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'network error' }, { cause: e });
    }
    if (!response.ok) throw new AppError('WECHAT_API_FAILED', { api, reason: `HTTP ${response.status}` });
    try {
      const body: unknown = await response.json();
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // Falls through to the error below.
    }
    throw new AppError('WECHAT_API_FAILED', { api, reason: 'the answer is not a JSON object' });
  }

  const errcodeOf = (body: Record<string, unknown>): number => (typeof body.errcode === 'number' ? body.errcode : 0);
  const errmsgOf = (body: Record<string, unknown>): string => (typeof body.errmsg === 'string' ? body.errmsg.slice(0, 200) : '');

  async function fetchToken(): Promise<FetchedToken> {
    const body =
      options.tokenApi === 'stable'
        ? await call('stable_token', `${base}/cgi-bin/stable_token`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ grant_type: 'client_credential', appid: options.appId, secret: options.appSecret, force_refresh: false }),
          })
        : await call('token', `${base}/cgi-bin/token?${new URLSearchParams({ grant_type: 'client_credential', appid: options.appId, secret: options.appSecret })}`, { method: 'GET' });
    const errcode = errcodeOf(body);
    if (errcode !== 0 || typeof body.access_token !== 'string' || !body.access_token) {
      // 40013 bad AppID, 40125 bad AppSecret, 40164/61004 this server's IP is not on the account's allow-list.
      throw new AppError('WECHAT_API_FAILED', { api: options.tokenApi === 'stable' ? 'stable_token' : 'token', reason: `errcode ${errcode} ${errmsgOf(body)}`.trim() });
    }
    const expiresInSec = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 7200;
    return { token: body.access_token, expiresInSec };
  }

  const tokens = new AccessTokenCache(fetchToken, options.now);

  /** A message API call; a refused token is re-fetched and the call made once more. */
  async function post(api: string, message: Readonly<Record<string, unknown>>): Promise<{ ok: boolean; errcode: number; errmsg: string; body: Record<string, unknown> }> {
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.get();
      const body = await call(api, `${base}/cgi-bin/${api}?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
      });
      const errcode = errcodeOf(body);
      if (errcode === 0) return { ok: true, errcode, errmsg: '', body };
      if (TOKEN_ERRCODES.has(errcode)) {
        tokens.invalidate(token);
        if (attempt < 2) continue;
      }
      return { ok: false, errcode, errmsg: errmsgOf(body), body };
    }
  }

  return {
    accessToken: () => tokens.get(),
    async sendCustomMessage(message) {
      const { ok, errcode, errmsg } = await post('message/custom/send', message);
      return ok ? { ok: true } : { ok: false, errcode, errmsg };
    },
    async sendTemplateMessage(message) {
      const { ok, errcode, errmsg, body } = await post('message/template/send', message);
      return ok ? { ok: true, ...(typeof body.msgid === 'number' ? { msgid: body.msgid } : {}) } : { ok: false, errcode, errmsg };
    },
    async createPermanentQrCode(scene) {
      if (scene.length < 1 || scene.length > 64) throw new AppError('VALIDATION_FAILED', { field: 'scene', reason: 'must be 1–64 characters' });
      const { ok, errcode, errmsg, body } = await post('qrcode/create', { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: scene } } });
      if (!ok) return { ok: false, errcode, errmsg };
      if (typeof body.ticket !== 'string' || !body.ticket) throw new AppError('WECHAT_API_FAILED', { api: 'qrcode/create', reason: 'the answer has no ticket' });
      return { ok: true, ticket: body.ticket, url: typeof body.url === 'string' ? body.url : '', imageUrl: `${SHOW_QR_CODE_URL}?ticket=${encodeURIComponent(body.ticket)}` };
    },
  };
}
