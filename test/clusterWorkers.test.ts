import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { applyMigrations, openDatabase } from '../server/db/index.js';
import { readCliToken } from '../server/staff/cliToken.js';
import { sleep, spawnServerProcess, startServerProcess, type LogLine, type ServerProcess } from './support/dbFaultHarness.js';
import { createTestDatabase, testConfig, testDatabaseKind, TEST_STAFF_TOKEN, type TestDatabase } from './support/testDatabase.js';

/**
 * KUAIDAI_WORKERS=2 as an operator runs it (`node server/main.ts`, a primary and two workers on one
 * port). Each request goes on a connection of its own, so the primary hands them to both workers
 * in turn; which process served a request is read from its log line's pid.
 */
const databases: TestDatabase[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.stop()));
  await Promise.all(databases.map((d) => d.drop()));
});

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a new connection (no keep-alive pool): the primary gives it to the next worker. */
function request(base: string, path: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: options.method ?? 'GET', agent: false, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers }, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${path} timed out`)));
    req.end(payload);
  });
}

interface Reply {
  readonly id: string;
  readonly text: string;
}

const chat = async (base: string, userId: string, messageId: string, text: string): Promise<Reply[]> => {
  const res = await request(base, '/api/v1/chat', { method: 'POST', body: { userId, messageId, text } });
  expect(res.status, res.body).toBe(200);
  return (JSON.parse(res.body) as { replies: Reply[] }).replies;
};

/** The pids whose request logs name a URL starting with `prefix`, from log line `from` on. */
const servedBy = (logs: readonly LogLine[], prefix: string, from = 0): Set<number> =>
  new Set(logs.slice(from).filter((l) => l.msg === 'incoming request' && String((l.req as { url?: string } | undefined)?.url ?? '').startsWith(prefix)).map((l) => l.pid as number));

/**
 * The processes that logged serving `prefix` since `from`, once at least `atLeast` have: a request's
 * log line reaches us through the child's stdout pipe, which may lag behind the answer itself. After
 * 5 s it returns what was logged, for the expectation to show.
 */
async function servedByLogged(logs: readonly LogLine[], prefix: string, from: number, atLeast: number): Promise<Set<number>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const served = servedBy(logs, prefix, from);
    if (served.size >= atLeast || Date.now() > deadline) return served;
    await sleep(50);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const FAQ = ['利率多少？', '帮助', '有手续费吗？', '额度', '逾期了会怎样？'];

if (testDatabaseKind() === 'postgres') {
  describe('KUAIDAI_WORKERS=2 on PostgreSQL: two worker processes on one port', () => {
    let database: TestDatabase;
    let server: ServerProcess;
    let sql: pg.Client;
    let workerPids: number[];
    let dataDir: string;
    const deadlineKeys = Array.from({ length: 20 }, (_, i) => `cluster-test-deadline-${i}`);

    beforeAll(async () => {
      database = await createTestDatabase();
      databases.push(database);
      // Deadlines already due when the workers start: both wake a sweep at start-up, side by side.
      const db = await openDatabase(testConfig(database).database);
      await applyMigrations(db.adapterFactory);
      await db.close();
      sql = new pg.Client({ connectionString: database.url });
      await sql.connect();
      for (const key of deadlineKeys) {
        await sql.query(`INSERT INTO "Job" (id, kind, key, "dueAt", payload, status, attempts, "createdAt") VALUES (gen_random_uuid(), 'conversation.deadline', $1, now() - interval '1 second', $2::jsonb, 'pending', 0, now())`, [
          key,
          JSON.stringify({ conversationId: randomUUID(), key, kind: 'offer' }),
        ]);
      }
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-cluster-'));
      server = await startServerProcess({ DATABASE_URL: database.url, KUAIDAI_WORKERS: '2', JOBS_POLL_MS: '200', STAFF_API_TOKEN: TEST_STAFF_TOKEN, METRICS_PORT: '0', KUAIDAI_DATA_DIR: dataDir });
      servers.push(server);
      const all = await server.logged(/^all workers are listening$/);
      workerPids = all.workerPids as number[];
    }, 120_000);
    afterAll(async () => {
      await sql?.end();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('serves from two worker processes, children of the one the operator started', async () => {
      expect(workerPids).toHaveLength(2);
      expect(new Set(workerPids).size).toBe(2);
      expect(workerPids).not.toContain(server.child.pid);
      // Each worker's own lines: listening on the same port, its index on every line.
      const listening = server.logs.filter((l) => /^Server listening at /.test(l.msg));
      expect(new Set(listening.map((l) => l.pid))).toEqual(new Set(workerPids));
      expect(new Set(listening.map((l) => l.msg)).size).toBe(1);
      expect(new Set(listening.map((l) => l.worker))).toEqual(new Set([1, 2]));
      // One worker migrated; the other found the schema up to date (both under the engine's lock).
      expect(server.logs.filter((l) => /^(migrations applied|database schema up to date)$/.test(l.msg))).toHaveLength(2);

      const from = server.logs.length;
      const answers = await Promise.all(Array.from({ length: 8 }, () => request(server.url, '/healthz')));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(await servedByLogged(server.logs, '/healthz', from, workerPids.length)).toEqual(new Set(workerPids));
    });

    it('keeps one conversation in order across the workers: concurrent messages on different connections each get their own replies, once', async () => {
      const user = 'cluster-order';
      await chat(server.url, user, 'first', '你好');
      const from = server.logs.length;
      const n = 30;
      const sent = Array.from({ length: n }, (_, i) => ({ messageId: `c${i}`, text: FAQ[i % FAQ.length]! }));
      const replies = await Promise.all(sent.map((m) => chat(server.url, user, m.messageId, m.text)));
      expect(await servedByLogged(server.logs, '/api/v1/chat', from, workerPids.length)).toEqual(new Set(workerPids));
      // Sent again, each message comes back with its first answer: it was processed once.
      const again = await Promise.all(sent.slice(0, 10).map((m) => chat(server.url, user, m.messageId, m.text)));
      expect(again.map((r) => r.map((x) => x.id))).toEqual(replies.slice(0, 10).map((r) => r.map((x) => x.id)));

      const { rows: conversations } = await sql.query<{ id: string }>(`SELECT id FROM "Conversation" WHERE "externalUserId" = $1`, [user]);
      expect(conversations).toHaveLength(1);
      const { rows: messages } = await sql.query<{ id: string; seq: number; direction: string; replyToId: string | null; channelMessageId: string | null }>(
        `SELECT id, seq, direction, "replyToId", "channelMessageId" FROM "Message" WHERE "conversationId" = $1 ORDER BY seq`,
        [conversations[0]!.id],
      );
      expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
      const inbound = messages.filter((m) => m.direction === 'inbound');
      expect(inbound).toHaveLength(n + 1);
      expect(new Set(inbound.map((m) => m.channelMessageId)).size).toBe(n + 1);
      // Each inbound message is followed by its own replies, and nothing else, before the next turn.
      for (const [k, m] of inbound.entries()) {
        const next = inbound[k + 1]?.seq ?? Number.POSITIVE_INFINITY;
        const after = messages.filter((x) => x.seq > m.seq && x.seq < next);
        expect(after.length).toBeGreaterThan(0);
        for (const r of after) expect(r).toMatchObject({ direction: 'outbound', replyToId: m.id });
        const i = sent.findIndex((s) => m.channelMessageId?.endsWith(`:${s.messageId}`));
        if (i >= 0) expect(replies[i]!.map((r) => r.id)).toEqual(after.map((r) => r.id));
      }
    });

    it("serves both workers' metrics, summed, from the primary on METRICS_PORT", async () => {
      const line = await server.logged(/^metrics of all workers on METRICS_PORT$/);
      expect(line.pid).toBe(server.child.pid);
      const res = await request(`http://127.0.0.1:${line.port as number}`, '/metrics');
      expect(res.status).toBe(200);
      // The REST messages so far: 1 + 30 answered, 10 sent again (counted as duplicates), served by both workers.
      const turns = [...res.body.matchAll(/^kuaidai_conversation_turns_total\{[^}]*channel="rest"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(turns).toBe(41);
    });

    it("pushes a staff message stored by one worker to the borrower's page on the other", async () => {
      const page = await request(server.url, '/');
      const cookie = String(page.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
      expect(cookie).toMatch(/^kd_session=/);
      const wsUrl = `${server.url.replace('http', 'ws')}/ws/chat`;
      const sockets: { ws: WebSocket; frames: { type: string; text?: string }[] }[] = [];
      const open = async () => {
        const ws = new WebSocket(wsUrl, { headers: { cookie }, perMessageDeflate: false });
        const socket = { ws, frames: [] as { type: string; text?: string }[] };
        ws.on('message', (d) => socket.frames.push(JSON.parse(String(d)) as { type: string; text?: string }));
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0, locale: 'zh' }));
        await until('ready', () => (socket.frames.some((f) => f.type === 'ready') ? true : undefined));
        sockets.push(socket);
      };
      try {
        const from = server.logs.length;
        // Tabs of one borrower until both workers hold one (the primary alternates; a few at most).
        while (servedBy(server.logs, '/ws/chat', from).size < 2 && sockets.length < 4) await open();
        expect(await servedByLogged(server.logs, '/ws/chat', from, workerPids.length)).toEqual(new Set(workerPids));
        sockets[0]!.ws.send(JSON.stringify({ type: 'message', id: 'w1', text: '你好' }));
        await until('the bot answered', () => (sockets[0]!.frames.filter((f) => f.type === 'message').length >= 2 ? true : undefined));
        const { rows } = await sql.query<{ id: string }>(`SELECT id FROM "Conversation" WHERE channel = 'web'`);
        expect(rows).toHaveLength(1);
        const staff = { authorization: `Bearer ${TEST_STAFF_TOKEN}` };
        const takeover = await request(server.url, `/api/v1/staff/conversations/${rows[0]!.id}/takeover`, { method: 'POST', body: { staffName: '小陈' }, headers: staff });
        expect(takeover.status, takeover.body).toBe(200);
        const text = '我是另一个进程上的客服';
        const sentFrom = server.logs.length;
        const posted = await request(server.url, `/api/v1/staff/conversations/${rows[0]!.id}/messages`, { method: 'POST', body: { text, staffName: '小陈' }, headers: staff });
        expect(posted.status, posted.body).toBe(200);
        expect((await servedByLogged(server.logs, '/api/v1/staff/conversations', sentFrom, 1)).size).toBe(1);
        // Every tab shows it, those on the worker that did not store it included (LISTEN/NOTIFY).
        for (const socket of sockets) await until(`the staff message on every tab`, () => (socket.frames.some((f) => f.type === 'message' && f.text === text) ? true : undefined), 15_000);
      } finally {
        for (const s of sockets) s.ws.close();
      }
    });

    it("accepts the staff command line's one token on every worker; a demo-clock move in one is read by the other at once", async () => {
      const token = await readCliToken(dataDir);
      expect(token).toBeDefined();
      const admin = { authorization: `Bearer ${token!}` };
      const businessDates = async (n: number) => {
        const from = server.logs.length;
        const answers = await Promise.all(Array.from({ length: n }, () => request(server.url, '/api/v1/staff/jobs', { headers: admin })));
        for (const a of answers) expect(a.status, a.body).toBe(200);
        expect(await servedByLogged(server.logs, '/api/v1/staff/jobs', from, workerPids.length)).toEqual(new Set(workerPids));
        return new Set(answers.map((a) => (JSON.parse(a.body) as { demo: { businessDate: string } }).demo.businessDate));
      };
      const before = await businessDates(6);
      expect(before.size).toBe(1);
      const moved = await request(server.url, '/api/v1/staff/demo/advance', { method: 'POST', body: { days: 1 }, headers: admin });
      expect(moved.status, moved.body).toBe(200);
      const to = (JSON.parse(moved.body) as { businessDate: string }).businessDate;
      expect(before.has(to)).toBe(false);
      await until('every worker on the moved date', async () => {
        const dates = await businessDates(6);
        return dates.size === 1 && dates.has(to) ? true : undefined;
      }, 10_000);
    });

    it('fires each due deadline once, though both workers sweep', async () => {
      await until('every deadline fired', async () => {
        const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Job" WHERE key LIKE 'cluster-test-deadline-%' AND status <> 'done'`);
        return rows[0]!.n === 0 ? true : undefined;
      });
      const { rows } = await sql.query<{ attempts: number }>(`SELECT attempts FROM "Job" WHERE key LIKE 'cluster-test-deadline-%'`);
      expect(rows.map((r) => r.attempts)).toEqual(Array(deadlineKeys.length).fill(1));
      // Each fired into the runtime once (its conversation does not exist, so each logs one line).
      const fired = server.logs.filter((l) => l.msg === 'deadline for a conversation that no longer exists; dropped').map((l) => l.key);
      expect(fired.sort()).toEqual([...deadlineKeys].sort());
    });

    it('restarts a worker killed with SIGKILL; the conversation goes on on both', async () => {
      // No worker died by itself so far (a fatal line says why if one did).
      expect(server.logs.filter((l) => l.msg === 'worker died; restarting it'), JSON.stringify(server.logs.filter((l) => l.level >= 50).slice(0, 3))).toEqual([]);
      const victim = workerPids[1]!;
      const from = server.logs.length;
      process.kill(victim, 'SIGKILL');
      const died = await until('the primary saw it die', () => server.logs.slice(from).find((l) => l.msg === 'worker died; restarting it'));
      expect(died).toMatchObject({ level: 50, workerPid: victim, signal: 'SIGKILL' });
      const replacement = await until('a new worker listening', () => server.logs.slice(from).find((l) => l.msg === 'worker listening' && l.workerPid !== victim), 60_000);
      const pids = [workerPids[0]!, replacement.workerPid as number];
      expect(alive(victim)).toBe(false);
      expect(pids.every(alive)).toBe(true);

      const user = 'cluster-order';
      const after = server.logs.length;
      const more = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(server.url, user, `k${i}`, FAQ[i % FAQ.length]!)));
      for (const r of more) expect(r.length).toBeGreaterThan(0);
      expect(await servedByLogged(server.logs, '/api/v1/chat', after, pids.length)).toEqual(new Set(pids));
      const { rows } = await sql.query<{ n: number; seqs: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs FROM "Message" m JOIN "Conversation" c ON c.id = m."conversationId" WHERE c."externalUserId" = $1 AND m.direction = 'inbound'`,
        [user],
      );
      expect(rows[0]).toEqual({ n: 31 + 8, seqs: 31 + 8 });
      // The restarted worker fired no deadline again.
      expect(server.logs.filter((l) => l.msg === 'deadline for a conversation that no longer exists; dropped')).toHaveLength(deadlineKeys.length);
      workerPids = pids;
    }, 90_000);

    it('stops on SIGTERM: every worker shuts down gracefully and the primary exits 0', async () => {
      const from = server.logs.length;
      await server.stop();
      expect(server.exited()).toEqual({ code: 0, signal: null });
      const exits = server.logs.slice(from).filter((l) => l.msg === 'worker exited');
      expect(exits.map((l) => [l.workerPid, l.code]).sort()).toEqual(workerPids.map((p) => [p, 0]).sort());
      expect(new Set(server.logs.slice(from).filter((l) => l.msg === 'shutting down').map((l) => l.pid))).toEqual(new Set([server.child.pid, ...workerPids]));
      for (const pid of workerPids) expect(alive(pid)).toBe(false);
    }, 60_000);
  });
} else {
  describe('KUAIDAI_WORKERS on embedded PGlite: one process only', () => {
    it('refuses KUAIDAI_WORKERS=2 at start-up with one line saying PostgreSQL is needed; KUAIDAI_WORKERS=1 serves from the process itself', async () => {
      const database = await createTestDatabase({ persistent: true });
      databases.push(database);
      const refused = await spawnServerProcess({ DATABASE_URL: database.url, KUAIDAI_WORKERS: '2' });
      servers.push(refused);
      await until('the refusal', () => refused.exited(), 30_000);
      expect(refused.exited()).toEqual({ code: 1, signal: null });
      expect(refused.stderr().trim()).toMatch(/^kuaidai: configuration error: KUAIDAI_WORKERS: is 2, but the embedded database \(PGlite\) can be opened by one process only: several processes need PostgreSQL/);

      const single = await startServerProcess({ DATABASE_URL: database.url, KUAIDAI_WORKERS: '1' });
      servers.push(single);
      const from = single.logs.length;
      expect((await request(single.url, '/healthz')).status).toBe(200);
      expect(await servedByLogged(single.logs, '/healthz', from, 1)).toEqual(new Set([single.child.pid]));
      expect(single.logs.some((l) => /worker/.test(l.msg))).toBe(false);
      await single.stop();
      expect(single.exited()).toEqual({ code: 0, signal: null });
    }, 90_000);
  });
}
