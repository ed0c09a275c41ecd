import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { bootServer, type Server } from '../server/boot.js';
import { manualClock } from '../server/clock.js';
import { chatAnswer, messagesAnswer } from '../server/http/chatRoutes.js';
import { quoteAnswer } from '../server/http/quoteRoutes.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The API document served at /docs/json is generated from the routes' schemas (issue 14, item 5):
 * it must be a valid OpenAPI document, list every route the full app registers (chat, quote,
 * staff, studio, console, web chat, official account, metrics, health) with a summary, a tag and
 * its ways in, and the answers of the public contract must match the schemas it shows.
 */
let database: TestDatabase;
let server: Server;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(database, {
    JOBS_POLL_MS: '0',
    SANDBOX_OTP_CODE: '123456',
    WECHAT_OA_APP_ID: 'wx1234567890abcdef',
    WECHAT_OA_APP_SECRET: '0123456789abcdef0123456789abcdef',
    WECHAT_OA_TOKEN: 'kuaidaiTestToken',
    WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
  });
  server = await bootServer(config, createLogger('silent'), { spec: createEchoSpec(), clock: manualClock('2026-03-02T02:00:00.000Z') });
  await server.app.ready();
}, 120_000);

afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string }[];
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

/** Every method and path the app answers, read from fastify's own route tree (not from the swagger plugin). */
function registeredRoutes(tree: string): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)(?:[├└]── )?(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m || !m[2]) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth] = m[2];
    const url = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) routes.push({ method, url });
  }
  return routes;
}

/**
 * Registered but not in the document, each for a reason: swagger-ui's own pages and files, the
 * pages' hashed static assets, the console's trailing-slash redirect, and the web chat's websocket
 * (OpenAPI cannot describe one; bots/web/protocol.ts does). HEAD routes are fastify's copies of GETs.
 */
const NOT_DOCUMENTED = [/^\/docs(\/|$)/, /^\/assets\/:name$/, /^\/console\/assets\/:name$/, /^\/console\/$/, /^\/ws\/chat$/];

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

describe(`the OpenAPI document at /docs/json (${testDatabaseKind()})`, () => {
  let doc: Document;
  beforeAll(async () => {
    const res = await server.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });

  it('is a valid OpenAPI 3.1 document titled 快贷助手 Kuaidai API with the package version', async () => {
    const result = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('快贷助手 Kuaidai API');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['chatToken', 'metricsToken', 'staffSession', 'staffToken']);
  });

  it('lists every route the app registered, each with a summary, a declared tag, its ways in and its path parameters', () => {
    const routes = registeredRoutes(server.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.method !== 'HEAD' && !NOT_DOCUMENTED.some((re) => re.test(r.url)));
    // The full app: the public contract, the staff APIs, the studio, the console, the channels, operations.
    for (const url of ['/api/v1/chat', '/api/v1/quote', '/healthz', '/readyz', '/api/v1/staff/conversations', '/api/v1/staff/studio/campaigns', '/api/v1/staff/queue', '/wechat/official-account', '/metrics']) {
      expect(routes.map((r) => r.url)).toContain(url);
    }
    expect(routes.length).toBeGreaterThan(70);
    const tags = new Set(doc.tags.map((t) => t.name));
    const problems: string[] = [];
    for (const { method, url } of routes) {
      const op = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
      if (!op) {
        problems.push(`${method} ${url}: not in the document`);
        continue;
      }
      if (!op.summary) problems.push(`${method} ${url}: no summary`);
      if (!op.tags?.length || !op.tags.every((t) => tags.has(t))) problems.push(`${method} ${url}: tags ${String(op.tags)} not declared`);
      if (!Array.isArray(op.security)) problems.push(`${method} ${url}: no security (an empty list for public routes)`);
      for (const name of [...url.matchAll(/:(\w+)/g)].map((p) => p[1]!)) {
        if (!op.parameters?.some((p) => p.in === 'path' && p.name === name)) problems.push(`${method} ${url}: path parameter ${name} not documented`);
      }
    }
    expect(problems).toEqual([]);
    // And nothing documented that the app does not answer.
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.url)}`).sort());
  });

  it('documents the chat and quote requests from the same schemas the server validates with', () => {
    const chat = doc.paths['/api/v1/chat']!.post as Operation & { requestBody: { content: Record<string, { schema: { $ref: string } }> } };
    expect(chat.security).toEqual([{ chatToken: [] }]);
    const ref = chat.requestBody.content['application/json']!.schema.$ref.split('/').at(-1)!;
    const schema = (doc as unknown as { components: { schemas: Record<string, { required: string[]; properties: Record<string, unknown> }> } }).components.schemas[ref]!;
    expect(schema.required.sort()).toEqual(['messageId', 'text', 'userId']);
    expect(Object.keys(schema.properties).sort()).toEqual(['channel', 'locale', 'messageId', 'referral', 'text', 'userId']);
    expect(doc.paths['/api/v1/quote']!.post!.security).toEqual([]);
    expect(doc.paths['/api/v1/staff/conversations']!.get!.security).toEqual([{ staffSession: [] }, { staffToken: [] }]);
  });
});

/** What the server sent, exactly: the documented schema neither drops nor changes a field of it. */
function matchesDocumented(schema: z.ZodType, body: unknown) {
  const parsed = schema.safeParse(body);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  expect(JSON.parse(JSON.stringify(parsed.data))).toEqual(body);
}

describe(`answers match the documented response schemas (${testDatabaseKind()})`, () => {
  it('chat, later messages, quote and health', async () => {
    const app = server.app;
    const sent = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'doc-u1', messageId: 'm1', text: '你好' } });
    expect(sent.statusCode).toBe(200);
    matchesDocumented(chatAnswer, sent.json());
    const later = await app.inject({ url: '/api/v1/chat/messages?userId=doc-u1' });
    expect(later.statusCode).toBe(200);
    expect(later.json().messages.length).toBeGreaterThan(0);
    matchesDocumented(messagesAnswer, later.json());

    const quote = await app.inject({ method: 'POST', url: '/api/v1/quote', payload: { principal: '100000.00', annualRatePercent: '6.48', termMonths: 3, method: 'equal_installment', startDate: '2026-01-15', fees: [{ amount: '10.00', when: 'per_period' }] } });
    expect(quote.statusCode).toBe(200);
    matchesDocumented(quoteAnswer, quote.json());

    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'ready', database: testDatabaseKind() });
  }, 60_000);

  it('a request the schema refuses is answered as before: VALIDATION_FAILED naming the field', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId: 'doc-u2', text: 'hi' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/^messageId: /), field: 'messageId' } });
    const query = await server.app.inject({ url: '/api/v1/chat/messages?userId=doc-u2&limit=999' });
    expect(query.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'limit: must be at most 200', field: 'limit' } });
  });
});

describe('swagger-ui at /docs', () => {
  it('serves the page and its script from this server, under its own CSP', async () => {
    let res = await server.app.inject({ url: '/docs' });
    if (res.statusCode === 302) res = await server.app.inject({ url: res.headers.location! });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('swagger-ui');
    expect(res.body).not.toMatch(/(src|href)="https?:/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const script = await server.app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });
});
