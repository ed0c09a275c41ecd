import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { createLendingConversation } from '../server/lendingConversation.js';
import { createLogger } from '../server/logging/index.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

const METRICS_TOKEN = 'mtr-4Hq8Zp2Lx7Vc3Nb9Kd6Tf1Wg5Rj0Ys';

// The open app logs at debug into memory: the turn's line carries turnId and requestId.
const lines: Record<string, unknown>[] = [];
const memory = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let database: TestDatabase;
let second: TestDatabase;
let open: Server;
let guarded: Server;
let metricsPort: number;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  database = await createTestDatabase();
  open = await bootServer(testConfig(database, { JOBS_POLL_MS: '0', SANDBOX_OTP_CODE: '123456' }), createLogger('debug', 'json', memory), { spec: (ctx) => createLendingConversation(ctx) });
  second = await createTestDatabase();
  metricsPort = await freePort();
  guarded = await bootServer(testConfig(second, { JOBS_POLL_MS: '0', METRICS_TOKEN, METRICS_PORT: String(metricsPort) }), createLogger('silent'), { spec: (ctx) => createLendingConversation(ctx) });
});
afterAll(async () => {
  await open?.app.close();
  await guarded?.app.close();
  await database?.drop();
  await second?.drop();
});

const scrape = async (server: Server): Promise<string> => {
  const res = await server.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
};

/** The value of one series (`name{labels}`), 0 when absent (a counter not yet incremented). */
const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

const say = (server: Server, userId: string, messageId: string, text: string, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'POST', url: '/api/v1/chat', payload: { userId, messageId, text }, headers });

describe(`GET /metrics on ${testDatabaseKind()}`, () => {
  it('counts a chat turn by channel and outcome, times it, and counts a redelivery as a duplicate', async () => {
    const before = await scrape(open);
    const ok = 'kuaidai_conversation_turns_total{channel="rest",kind="message",outcome="ok"}';
    const duplicate = 'kuaidai_conversation_turns_total{channel="rest",kind="message",outcome="duplicate"}';
    const timed = 'kuaidai_conversation_turn_duration_seconds_count{channel="rest",kind="message"}';
    expect((await say(open, 'metrics-1', 'm1', '你好')).statusCode).toBe(200);
    expect((await say(open, 'metrics-1', 'm1', '你好')).statusCode).toBe(200);
    const after = await scrape(open);
    expect(value(after, ok) - value(before, ok)).toBe(1);
    expect(value(after, duplicate) - value(before, duplicate)).toBe(1);
    expect(value(after, timed) - value(before, timed)).toBe(2);
    expect(value(after, 'kuaidai_conversation_turn_duration_seconds_sum{channel="rest",kind="message"}')).toBeGreaterThan(value(before, 'kuaidai_conversation_turn_duration_seconds_sum{channel="rest",kind="message"}'));
    // Node's default metrics, event-loop lag among them.
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(after).toMatch(/^process_cpu_user_seconds_total \d/m);
  });

  it('counts the effects a journey calls by name and result', async () => {
    const sendOtp = 'kuaidai_effects_total{effect="sendOtp",result="ok"}';
    const before = value(await scrape(open), sendOtp);
    let i = 0;
    for (const text of ['你好', '1', '1', '陈思远', '430702198605120230', '13807360001']) {
      const res = await say(open, 'metrics-2', `j${++i}`, text);
      expect(res.statusCode).toBe(200);
    }
    const after = await scrape(open);
    expect(value(after, sendOtp) - before).toBe(1);
    expect(value(after, 'kuaidai_effect_duration_seconds_count{effect="sendOtp"}')).toBeGreaterThanOrEqual(1);
  });

  it('reads outbox depth, due-at rows and the database at scrape time', async () => {
    const turn = (await say(open, 'metrics-3', 'o1', '你好')).json() as { replies: unknown[] };
    expect(turn.replies.length).toBeGreaterThan(0);
    const conversation = await open.db.prisma.conversation.findFirstOrThrow({ where: { externalUserId: 'metrics-3' } });
    const pendingBefore = value(await scrape(open), 'kuaidai_outbox_pending_messages{channel="rest"}');
    const overdueBefore = value(await scrape(open), 'kuaidai_scheduled_jobs_overdue');
    // A staff event's replies on the REST channel wait to be fetched: pending outbound rows.
    await open.conversations!.runtime.dispatch(conversation.id, { type: 'staff.takeover', staffId: 'metrics-staff', staffName: '小王', at: Date.now() });
    await open.db.prisma.job.create({ data: { kind: 'metrics.test', key: `metrics:${Date.now()}`, dueAt: new Date(Date.now() - 60_000), payload: {} } });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the snapshot's reuse window
    const text = await scrape(open);
    expect(value(text, 'kuaidai_outbox_pending_messages{channel="rest"}')).toBeGreaterThan(pendingBefore);
    expect(value(text, 'kuaidai_outbox_oldest_pending_seconds{channel="rest"}')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'kuaidai_scheduled_jobs{status="pending"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'kuaidai_scheduled_jobs_overdue')).toBe(overdueBefore + 1);
    expect(value(text, 'kuaidai_conversation_turns_total{channel="rest",kind="event",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'kuaidai_db_up')).toBe(1);
    expect(text).toMatch(/^kuaidai_db_scrape_query_seconds \d/m);
    // pg-boss did not start here (JOBS_POLL_MS=0): its gauge is declared with no queues.
    expect(text).toContain('# TYPE kuaidai_job_queue_jobs gauge');
    expect(text).toContain('# TYPE kuaidai_job_results_total counter');
    if (testDatabaseKind() === 'postgres') expect(text).toMatch(/^kuaidai_db_pool_connections\{pool="kuaidai-runtime",state="total"\} \d/m);
  });

  it("shows how busy the embedded database's thread is (PGlite), and nothing of it on PostgreSQL", async () => {
    const before = await scrape(open);
    const turn = (await say(open, 'metrics-4', 'e1', '你好')).json() as { replies: unknown[] };
    expect(turn.replies.length).toBeGreaterThan(0);
    const after = await scrape(open);
    for (const name of ['kuaidai_embedded_db_thread_active_seconds_total', 'kuaidai_embedded_db_requests_total']) expect(after).toContain(`# TYPE ${name} counter`);
    expect(after).toContain('# TYPE kuaidai_embedded_db_requests_in_flight gauge');
    if (testDatabaseKind() === 'pglite') {
      // A turn is at least its load and its commit; the scrape's own reads add more.
      expect(value(after, 'kuaidai_embedded_db_requests_total') - value(before, 'kuaidai_embedded_db_requests_total')).toBeGreaterThanOrEqual(2);
      expect(value(after, 'kuaidai_embedded_db_thread_active_seconds_total')).toBeGreaterThan(value(before, 'kuaidai_embedded_db_thread_active_seconds_total'));
      expect(value(after, 'kuaidai_embedded_db_requests_in_flight')).toBeGreaterThanOrEqual(0);
    } else {
      expect(value(after, 'kuaidai_embedded_db_requests_total')).toBe(0);
      expect(value(after, 'kuaidai_embedded_db_thread_active_seconds_total')).toBe(0);
    }
  });

  it('requires METRICS_TOKEN on the main port when it is set, and serves METRICS_PORT without one', async () => {
    const none = await guarded.app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).statusCode).toBe(401);
    const ok = await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('kuaidai_conversation_turns_total');

    await guarded.app.listen({ host: '127.0.0.1', port: 0 });
    const own = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('# TYPE kuaidai_outbox_pending_messages gauge');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
  });
});

describe('request ids', () => {
  it('generates one when absent and echoes it on every response, 404s included', async () => {
    const healthz = await open.app.inject({ method: 'GET', url: '/healthz' });
    expect(healthz.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const other = await open.app.inject({ method: 'GET', url: '/healthz' });
    expect(other.headers['x-request-id']).not.toBe(healthz.headers['x-request-id']);
    expect((await open.app.inject({ method: 'GET', url: '/no-such-page', headers: { 'x-request-id': 'gw-7f3a:01' } })).headers['x-request-id']).toBe('gw-7f3a:01');
  });

  it('takes a well-formed X-Request-Id, replaces any other, and logs it with the turn id on the turn', async () => {
    const res = await say(open, 'metrics-4', 'r1', '你好', { 'x-request-id': 'req-metrics-4' });
    expect(res.headers['x-request-id']).toBe('req-metrics-4');
    const turn = lines.find((l) => l.msg === 'conversation turn' && l.reqId === 'req-metrics-4');
    expect(turn).toMatchObject({ channel: 'rest', kind: 'message', outcome: 'ok' });
    expect(turn?.turnId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.some((l) => l.reqId === 'req-metrics-4' && l.msg === 'request completed')).toBe(true);
    const odd = await open.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'has space and "quotes"' } });
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
