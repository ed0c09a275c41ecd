import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { web } from '../../bots/index.js';
import { createEchoSpec } from '../../test/support/echoConversation.js';
import { createTestDatabase, staffAuthHeaders, testConfig, testDatabaseKind, type TestDatabase } from '../../test/support/testDatabase.js';
import { bootServer, type Server } from '../boot.js';
import { createLogger } from '../logging/index.js';
import { INT4_MAX } from './parseInput.js';

/**
 * Every number a client sends is bounded to what its database column holds: beyond it the answer
 * is 400 VALIDATION_FAILED naming the field, never a 500 from an integer overflow in the query.
 */
let database: TestDatabase;
let server: Server;
let conversationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await bootServer(testConfig(database, { JOBS_POLL_MS: '0' }), createLogger('silent'), { spec: createEchoSpec({ lookupMs: 1 }) });
  const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'u1', messageId: 'm1', text: '张三' } });
  expect(res.statusCode).toBe(200);
  conversationId = (await server.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'u1' } })).id;
});
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

const get = (url: string) => server.app.inject({ method: 'GET', url, ...(url.startsWith('/api/v1/staff') ? { headers: staffAuthHeaders } : {}) });

describe(`numeric parameters are bounded on ${testDatabaseKind()}`, () => {
  it('int4 is the bound', () => {
    expect(INT4_MAX).toBe(2 ** 31 - 1);
  });

  it.each([
    ['/api/v1/chat/messages?userId=u1&afterSeq=2147483648', 'afterSeq'],
    ['/api/v1/chat/messages?userId=u1&afterSeq=99999999999999999999', 'afterSeq'],
    ['/api/v1/chat/messages?userId=u1&afterSeq=1e10', 'afterSeq'],
    ['/api/v1/chat/messages?userId=u1&afterSeq=1.5', 'afterSeq'],
    ['/api/v1/chat/messages?userId=u1&afterSeq=abc', 'afterSeq'],
    ['/api/v1/chat/messages?userId=u1&limit=2147483648', 'limit'],
    ['/api/v1/chat/messages?userId=u1&limit=201', 'limit'],
    ['/api/v1/staff/conversations?limit=2147483648', 'limit'],
    ['/api/v1/staff/conversations?limit=-1', 'limit'],
    ['/api/v1/staff/conversations/CONV/messages?afterSeq=2147483648', 'afterSeq'],
    ['/api/v1/staff/conversations/CONV/messages?afterSeq=-2147483649', 'afterSeq'],
    ['/api/v1/staff/conversations/CONV/messages?limit=2147483648', 'limit'],
  ])('GET %s answers 400 naming %s', async (url, field) => {
    const res = await get(url.replace('CONV', conversationId));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'VALIDATION_FAILED', field, message: expect.stringMatching(new RegExp(`^${field}: `)) } });
  });

  it('takes the largest sequence number a column holds', async () => {
    const chat = await get(`/api/v1/chat/messages?userId=u1&afterSeq=${INT4_MAX}`);
    expect(chat.statusCode, chat.body).toBe(200);
    expect(chat.json().messages).toEqual([]);
    const staff = await get(`/api/v1/staff/conversations/${conversationId}/messages?afterSeq=${INT4_MAX}`);
    expect(staff.statusCode, staff.body).toBe(200);
    expect(staff.json().messages).toEqual([]);
  });

  it.each([
    [{ termMonths: 2147483648 }, 'termMonths'],
    [{ termMonths: 1e300 }, 'termMonths'],
    [{ principal: '99999999999999999999999.00' }, 'principal'],
  ])('POST /api/v1/quote with %j answers 400 naming %s', async (change, field) => {
    const payload = { principal: '100000.00', annualRatePercent: '6.48', termMonths: 12, method: 'equal_installment', startDate: '2026-01-15', ...change };
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/quote', payload });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  it('the websocket protocol refuses a resume or an ack beyond a sequence number', () => {
    const over = 2 ** 31;
    const hello = web.parseClientFrame(JSON.stringify({ type: 'hello', v: web.PROTOCOL_VERSION, lastSeq: over }));
    expect(hello).toMatchObject({ ok: false, code: web.CLOSE.INVALID_FRAME, reason: expect.stringContaining('lastSeq') });
    expect(web.parseClientFrame(JSON.stringify({ type: 'ack', seq: over }))).toMatchObject({ ok: false, reason: expect.stringContaining('seq') });
    expect(web.parseClientFrame(JSON.stringify({ type: 'hello', v: web.PROTOCOL_VERSION, lastSeq: over - 1 }))).toMatchObject({ ok: true });
  });
});
