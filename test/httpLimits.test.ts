import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wechatSignature } from '../bots/officialAccount/index.js';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * Rate and time limits (issue 15, item 4): past its budget a client address, a bearer token, a
 * user or a browser minting sessions is answered 429 RATE_LIMITED with Retry-After; a request whose
 * body trickles in is cut at HTTP_REQUEST_TIMEOUT_MS with 408 REQUEST_TIMEOUT; a slow answer is not.
 */
const CHAT_TOKEN = 'chat-token-0123456789abcdef';
const STAFF_TOKEN = 'staff-token-0123456789abcdef';
const OA_TOKEN = 'kuaidaiTestToken';
const LIMITS = { perIp: 20, perToken: 10, perUser: 5, perStaffSession: 8, newSessions: 3 };
const logger = createLogger('silent');
const clock = manualClock('2026-03-02T02:00:00.000Z');
let database: TestDatabase;
let server: Server;
let port: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(database, {
    JOBS_POLL_MS: '0',
    CHAT_API_TOKEN: CHAT_TOKEN,
    STAFF_API_TOKEN: STAFF_TOKEN,
    RATE_LIMIT_PER_IP: String(LIMITS.perIp),
    RATE_LIMIT_PER_TOKEN: String(LIMITS.perToken),
    RATE_LIMIT_PER_USER: String(LIMITS.perUser),
    RATE_LIMIT_PER_STAFF_SESSION: String(LIMITS.perStaffSession),
    RATE_LIMIT_NEW_SESSIONS_PER_IP: String(LIMITS.newSessions),
    HTTP_REQUEST_TIMEOUT_MS: '1000',
    TRUST_PROXY: '10.255.0.1',
    WECHAT_OA_APP_ID: 'wx1234567890abcdef',
    WECHAT_OA_APP_SECRET: '0123456789abcdef0123456789abcdef',
    WECHAT_OA_TOKEN: OA_TOKEN,
    WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
  });
  server = await bootServer(config, logger, { spec: createEchoSpec({ lookupMs: 1_500 }), clock });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  port = (server.app.server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

let seq = 0;
const chat = (userId: string, remoteAddress: string) =>
  server.app.inject({ method: 'POST', url: '/api/v1/chat', remoteAddress, headers: { authorization: `Bearer ${CHAT_TOKEN}` }, payload: { userId, messageId: `m${++seq}`, text: `${userId}${seq}` } });
const staffList = (remoteAddress: string) => server.app.inject({ url: '/api/v1/staff/conversations', remoteAddress, headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
const quote = (remoteAddress: string, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'POST', url: '/api/v1/quote', remoteAddress, headers, payload: { principal: '100000.00', annualRatePercent: '6.48', termMonths: 12, method: 'equal_installment', startDate: '2026-01-15' } });

function expectRateLimited(res: Awaited<ReturnType<typeof quote>>) {
  expect(res.statusCode).toBe(429);
  expect(res.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'Too many requests' } });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.headers['cache-control']).toBe('no-store');
}

describe(`rate limits on ${testDatabaseKind()}`, () => {
  it('limits each client address on the quote API; another address keeps its own budget', async () => {
    for (let i = 0; i < LIMITS.perIp; i++) expect((await quote('10.0.0.1')).statusCode).toBe(200);
    expectRateLimited(await quote('10.0.0.1'));
    expect((await quote('10.0.0.2')).statusCode).toBe(200);
  });

  it('limits each REST user, whichever address the messages come from; other users go on', async () => {
    for (let i = 0; i < LIMITS.perUser; i++) expect((await chat('flooder', `10.0.1.${i}`)).statusCode).toBe(200);
    const refused = await chat('flooder', '10.0.1.99');
    expectRateLimited(refused);
    expect((await chat('calm', '10.0.1.100')).statusCode).toBe(200);
  });

  it('limits a bearer token across addresses (staff API)', async () => {
    let answered = 0;
    let res = await staffList('10.0.2.0');
    for (let i = 1; res.statusCode === 200 && i < 50; i++, res = await staffList(`10.0.2.${i}`)) answered++;
    expect(answered).toBe(LIMITS.perToken);
    expectRateLimited(res);
  });

  it('gives a staff console session its own budget, larger than a borrower\'s (a console reads all day)', async () => {
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/staff/login', remoteAddress: '10.0.4.0', payload: { username: 'kefu', password: 'Demo-Agent-2026' } });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const me = (i: number) => server.app.inject({ url: '/api/v1/staff/me', remoteAddress: `10.0.4.${i}`, headers: { cookie } });
    let answered = 0;
    let res = await me(1);
    for (let i = 2; res.statusCode === 200 && i < 50; i++, res = await me(i)) answered++;
    expect(answered).toBe(LIMITS.perStaffSession);
    expect(answered).toBeGreaterThan(LIMITS.perUser);
    expectRateLimited(res);
  });

  it('limits each official-account user by openid, counted once the callback is opened', async () => {
    const post = (openid: string, i: number) => {
      const timestamp = String(Math.floor(clock.now().getTime() / 1000));
      const nonce = `n${openid}${i}`;
      const xml = `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[HELP${i}]]></EventKey></xml>`;
      return server.app.inject({
        method: 'POST',
        url: `/wechat/official-account?${new URLSearchParams({ timestamp, nonce, signature: wechatSignature(OA_TOKEN, timestamp, nonce) })}`,
        remoteAddress: `10.0.3.${i}`,
        headers: { 'content-type': 'text/xml' },
        payload: xml,
      });
    };
    for (let i = 0; i < LIMITS.perUser; i++) expect((await post('oFlood', i)).statusCode).toBe(200);
    expectRateLimited(await post('oFlood', 99));
    expect((await post('oCalm', 0)).statusCode).toBe(200);
  });

  it('limits new web sessions per address; a browser renewing its own session is not counted', async () => {
    const cookies: string[] = [];
    for (let i = 0; i < LIMITS.newSessions; i++) {
      const res = await server.app.inject({ url: '/api/web/session', remoteAddress: '10.0.4.1' });
      expect(res.statusCode).toBe(200);
      cookies.push(String(res.headers['set-cookie']).split(';')[0]!);
    }
    expectRateLimited(await server.app.inject({ url: '/api/web/session', remoteAddress: '10.0.4.1' }));
    expectRateLimited(await server.app.inject({ url: '/', remoteAddress: '10.0.4.1' }));
    expect((await server.app.inject({ url: '/api/web/session', remoteAddress: '10.0.4.1', headers: { cookie: cookies[0]! } })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/api/web/session', remoteAddress: '10.0.4.2' })).statusCode).toBe(200);
  });

  it('counts the client behind a trusted proxy by X-Forwarded-For, and ignores the header from anyone else', async () => {
    // Through the configured proxy, two clients have a budget each.
    for (let i = 0; i < LIMITS.perIp; i++) expect((await quote('10.255.0.1', { 'x-forwarded-for': '203.0.113.7' })).statusCode).toBe(200);
    expectRateLimited(await quote('10.255.0.1', { 'x-forwarded-for': '203.0.113.7' }));
    expect((await quote('10.255.0.1', { 'x-forwarded-for': '203.0.113.8' })).statusCode).toBe(200);
    // A peer that is not the proxy cannot pick a fresh address per request.
    for (let i = 0; i < LIMITS.perIp; i++) expect((await quote('10.0.5.1', { 'x-forwarded-for': `203.0.113.${100 + i}` })).statusCode).toBe(200);
    expectRateLimited(await quote('10.0.5.1', { 'x-forwarded-for': '203.0.113.250' }));
  });

  it('does not limit health checks', async () => {
    for (let i = 0; i < LIMITS.perIp + 5; i++) expect((await server.app.inject({ url: '/healthz', remoteAddress: '10.0.6.1' })).statusCode).toBe(200);
  });
});

/** A raw HTTP exchange: writes the head, then each body piece after `everyMs`; resolves with what came back and when. */
function trickle(head: string, pieces: readonly string[], everyMs: number): Promise<{ response: string; closedAfterMs: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < pieces.length && socket.writable) socket.write(pieces[sent++]!);
      }, everyMs);
    });
    socket.on('data', (d: Buffer) => (response += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response, closedAfterMs: Date.now() - started, sent });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after 10 s; got ${JSON.stringify(response)}`));
    }, 10_000).unref();
  });
}

describe(`time limits on ${testDatabaseKind()}`, () => {
  it('cuts a request whose body trickles in (headers, then a byte every 300 ms) at the request timeout, with 408 and the coded body', async () => {
    const body = JSON.stringify({ principal: '100000.00', annualRatePercent: '6.48', termMonths: 12, method: 'equal_installment', startDate: '2026-01-15' });
    const head = `POST /api/v1/quote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { response, closedAfterMs, sent } = await trickle(head, [...body], 300);
    expect(response).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(response).toMatch(/\r\ncache-control: no-store\r\n/);
    expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' } });
    // Configured 1 s, checked every 250 ms: cut well before the body could finish.
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(closedAfterMs).toBeLessThan(2_500);
    expect(sent).toBeLessThan(body.length);
  });

  it('cuts headers that never end the same way', async () => {
    const { response } = await trickle('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', Array.from({ length: 20 }, (_, i) => `X-Slow-${i}: 1\r\n`), 300);
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(response).toContain('"code":"REQUEST_TIMEOUT"');
  });

  it('does not cut a request received in time whose answer takes longer than the request timeout', async () => {
    // The echo machine looks a new name up for 1.5 s; the request timeout is 1 s.
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CHAT_TOKEN}` },
      body: JSON.stringify({ userId: 'patient', messageId: 'p1', text: '慢慢' }),
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('configures the server from the settings', () => {
    const http = server.app.server;
    expect({ requestTimeout: http.requestTimeout, timeout: http.timeout, keepAliveTimeout: http.keepAliveTimeout, maxRequestsPerSocket: http.maxRequestsPerSocket, maxConnections: http.maxConnections }).toEqual({
      requestTimeout: 1_000,
      timeout: 60_000,
      keepAliveTimeout: 72_000,
      maxRequestsPerSocket: 1_000,
      maxConnections: 2_000,
    });
  });
});

describe('connection cap', () => {
  it('closes connections past HTTP_MAX_CONNECTIONS at once and serves the others', async () => {
    const capped = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', HTTP_MAX_CONNECTIONS: '2' }), logger);
    try {
      await capped.app.listen({ host: '127.0.0.1', port: 0 });
      const cappedPort = (capped.app.server.address() as net.AddressInfo).port;
      const open = () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(cappedPort, '127.0.0.1', () => resolve(s));
          s.on('error', () => {});
        });
      const held = [await open(), await open()];
      await new Promise((r) => setTimeout(r, 50));
      const third = await open();
      const closed = await new Promise<boolean>((resolve) => {
        third.on('close', () => resolve(true));
        setTimeout(() => resolve(false), 2_000);
      });
      expect(closed).toBe(true);
      held[0]!.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        held[0]!.on('data', (d: Buffer) => (text += d.toString()));
        held[0]!.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      for (const s of held) s.destroy();
    } finally {
      await capped.app.close();
    }
  });
});
