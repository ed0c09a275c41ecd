import Fastify, { type FastifyInstance } from 'fastify';

/**
 * A local stand-in for WeChat's servers on 127.0.0.1:<free port>: the access-token APIs
 * (classic and stable), the customer-service message API, and WeCom group-robot webhooks. It
 * checks credentials and tokens the way WeChat does, records every call, and can be told to fail.
 */
export interface FakeCall {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly at: number;
}

export interface FakeWechatApi {
  readonly url: string;
  readonly calls: FakeCall[];
  /** Calls to one path (`/cgi-bin/message/custom/send`, `/cgi-bin/webhook/send`, …). */
  callsTo(path: string): FakeCall[];
  /** Customer-service messages accepted, in order. */
  readonly sent: { touser: string; msgtype: string; body: Record<string, unknown> }[];
  /** Template messages accepted, in order. */
  readonly templates: { touser: string; templateId: string; body: Record<string, unknown> }[];
  /** Scenes of the permanent QR codes created, in order. */
  readonly qrCodes: string[];
  /** Robot messages accepted, by webhook key. */
  readonly robotMessages: { key: string; body: Record<string, unknown>; at: number }[];
  /** The next `times` calls to `path` (after `skip` that succeed) answer `{ errcode, errmsg }` instead of their usual answer. */
  failNext(path: string, errcode: number, times?: number, skip?: number): void;
  /** Every token issued so far stops working (as after another system refreshed it): calls with it get 40001. */
  revokeTokens(): void;
  /** How many tokens were issued. */
  readonly tokensIssued: number;
  /** Delay before the token APIs answer (single-flight tests). */
  tokenDelayMs: number;
  close(): Promise<void>;
}

export async function startFakeWechatApi(options: { appId: string; appSecret: string; robotKeys?: readonly string[]; expiresIn?: number }): Promise<FakeWechatApi> {
  const app: FastifyInstance = Fastify({ logger: false });
  const calls: FakeCall[] = [];
  const sent: FakeWechatApi['sent'] = [];
  const robotMessages: FakeWechatApi['robotMessages'] = [];
  const templates: FakeWechatApi['templates'] = [];
  const qrCodes: string[] = [];
  const failures = new Map<string, { errcode: number; times: number; skip: number }[]>();
  const valid = new Set<string>();
  let issued = 0;
  let current: string | undefined;

  const record = (path: string, query: unknown, body: unknown) => calls.push({ path, query: { ...(query as Record<string, string>) }, body, at: Date.now() });
  const injected = (path: string): { errcode: number; errmsg: string } | undefined => {
    const queue = failures.get(path);
    const next = queue?.[0];
    if (!next) return undefined;
    if (next.skip > 0) {
      next.skip--;
      return undefined;
    }
    if (--next.times <= 0) queue!.shift();
    return { errcode: next.errcode, errmsg: `injected failure ${next.errcode} rid: fake` };
  };
  const issue = async (appid: unknown, secret: unknown) => {
    if (fake.tokenDelayMs) await new Promise((r) => setTimeout(r, fake.tokenDelayMs));
    if (appid !== options.appId) return { errcode: 40013, errmsg: 'invalid appid' };
    if (secret !== options.appSecret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    // The stable API returns the same token while it is valid.
    if (!current || !valid.has(current)) {
      current = `token-${++issued}-${Math.random().toString(36).slice(2)}`;
      valid.add(current);
    }
    return { access_token: current, expires_in: options.expiresIn ?? 7200 };
  };

  app.get('/cgi-bin/token', async (request) => {
    const q = request.query as Record<string, string>;
    record('/cgi-bin/token', { ...q, secret: '***' }, null);
    if (q.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    return injected('/cgi-bin/token') ?? issue(q.appid, q.secret);
  });

  app.post('/cgi-bin/stable_token', async (request) => {
    const b = request.body as Record<string, unknown>;
    record('/cgi-bin/stable_token', {}, { ...b, secret: '***' });
    if (b.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    return injected('/cgi-bin/stable_token') ?? issue(b.appid, b.secret);
  });

  app.post('/cgi-bin/message/custom/send', async (request) => {
    const q = request.query as Record<string, string>;
    const body = request.body as Record<string, unknown>;
    record('/cgi-bin/message/custom/send', q, body);
    if (!q.access_token) return { errcode: 41001, errmsg: 'access_token missing' };
    if (!valid.has(q.access_token)) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    const failure = injected('/cgi-bin/message/custom/send');
    if (failure) return failure;
    if (typeof body?.touser !== 'string' || typeof body.msgtype !== 'string' || typeof body[body.msgtype] !== 'object') return { errcode: 44002, errmsg: 'empty post data' };
    sent.push({ touser: body.touser, msgtype: body.msgtype, body });
    return { errcode: 0, errmsg: 'ok' };
  });

  // Template messages (service notices outside the 48-hour window): a template id and data fields.
  app.post('/cgi-bin/message/template/send', async (request) => {
    const q = request.query as Record<string, string>;
    const body = request.body as Record<string, unknown>;
    record('/cgi-bin/message/template/send', q, body);
    if (!q.access_token) return { errcode: 41001, errmsg: 'access_token missing' };
    if (!valid.has(q.access_token)) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    const failure = injected('/cgi-bin/message/template/send');
    if (failure) return failure;
    if (typeof body?.touser !== 'string' || typeof body.template_id !== 'string' || typeof body.data !== 'object') return { errcode: 40037, errmsg: 'invalid template_id' };
    templates.push({ touser: body.touser, templateId: body.template_id, body });
    return { errcode: 0, errmsg: 'ok', msgid: 200_000 + templates.length };
  });

  // Permanent parametric QR codes (QR_LIMIT_STR_SCENE): a ticket per call, recorded with its scene.
  app.post('/cgi-bin/qrcode/create', async (request) => {
    const q = request.query as Record<string, string>;
    const body = request.body as { action_name?: unknown; action_info?: { scene?: { scene_str?: unknown } } };
    record('/cgi-bin/qrcode/create', q, body);
    if (!q.access_token) return { errcode: 41001, errmsg: 'access_token missing' };
    if (!valid.has(q.access_token)) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    const failure = injected('/cgi-bin/qrcode/create');
    if (failure) return failure;
    const scene = body?.action_info?.scene?.scene_str;
    if (body?.action_name !== 'QR_LIMIT_STR_SCENE' || typeof scene !== 'string' || scene.length < 1 || scene.length > 64) return { errcode: 40053, errmsg: 'invalid action info' };
    qrCodes.push(scene);
    return { ticket: `gQ-fake-ticket-${qrCodes.length}==`, url: `http://weixin.qq.com/q/fake${qrCodes.length}` };
  });

  app.post('/cgi-bin/webhook/send', async (request) => {
    const q = request.query as Record<string, string>;
    const body = request.body as Record<string, unknown>;
    record('/cgi-bin/webhook/send', { key: q.key ?? '' }, body);
    if (!q.key || !(options.robotKeys ?? []).includes(q.key)) return { errcode: 93000, errmsg: 'invalid webhook url' };
    const failure = injected('/cgi-bin/webhook/send');
    if (failure) return failure;
    if (typeof body?.msgtype !== 'string' || typeof body[body.msgtype] !== 'object') return { errcode: 40008, errmsg: 'invalid message type' };
    robotMessages.push({ key: q.key, body, at: Date.now() });
    return { errcode: 0, errmsg: 'ok' };
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const fake: FakeWechatApi = {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (path) => calls.filter((c) => c.path === path),
    sent,
    templates,
    robotMessages,
    qrCodes,
    failNext(path, errcode, times = 1, skip = 0) {
      const queue = failures.get(path) ?? [];
      queue.push({ errcode, times, skip });
      failures.set(path, queue);
    },
    revokeTokens() {
      valid.clear();
    },
    get tokensIssued() {
      return issued;
    },
    tokenDelayMs: 0,
    close: () => app.close(),
  };
  return fake;
}
