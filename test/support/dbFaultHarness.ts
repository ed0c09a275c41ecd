import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { generateMobile, generateResidentId } from '../../core/index.js';
import { openDatabase } from '../../server/db/index.js';
import { checkBooks } from '../../server/services/index.js';
import { BENCH_LIMITS } from '../../bench/benchLimits.js';
import { freePort } from './postgresInstance.js';

/**
 * What database fault tests and `npm run bench:dbfaults` share: the server as its own process (what
 * `npm start` runs), borrowers chatting over REST who send every message again with the same
 * messageId until it is answered (as the REST contract tells clients to), and the checks of what the
 * database holds afterwards.
 */

const root = path.resolve(import.meta.dirname, '..', '..');

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** stdout's JSON log lines so far. */
  readonly logs: LogLine[];
  stderr(): string;
  /** Set once the process has exited. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves when /healthz answers (the server is listening); rejects if it exits first or takes longer than `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** Resolves with the first log line matching `pattern` (rejects after `timeoutMs`). */
  logged(pattern: RegExp, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `server/main.ts` (node --import tsx: the pid is the server's) and waits until /healthz answers.
 * Its rate and connection limits are lifted: every simulated borrower comes from 127.0.0.1, and a
 * client retrying through an outage is exactly what a per-address limit would (rightly) refuse.
 */
export async function startServerProcess(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const server = await spawnServerProcess(env);
  await server.ready(options.readyTimeoutMs);
  return server;
}

/** Starts `server/main.ts` without waiting for it; on `port` if given (a restart at the same address). */
export async function spawnServerProcess(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  port ??= await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_FORMAT: 'json', LOG_LEVEL: 'info', KUAIDAI_ENV: 'test', SANDBOX_OTP_CODE: '123456', ...BENCH_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let partial = '';
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ level: 30, msg: line });
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const died = () => new Error(`server exited (${exit!.code ?? exit!.signal}): ${stderr.trim() || logs.slice(-3).map((l) => l.msg).join(' / ')}`);
  return {
    url,
    child,
    logs,
    stderr: () => stderr,
    exited: () => exit,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exit) throw died();
        if ((await fetch(`${url}/healthz`).catch(() => null))?.ok) return;
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error('server did not answer /healthz in time');
        }
        await sleep(100);
      }
    },
    async logged(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = logs.find((l) => pattern.test(l.msg));
        if (line) return line;
        if (exit) throw died();
        if (Date.now() > deadline) throw new Error(`the server logged nothing matching ${pattern} in time`);
        await sleep(50);
      }
    },
    async stop() {
      if (!exit) child.kill('SIGTERM');
      await exitedPromise;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Reply {
  readonly id: string;
  readonly text: string;
  readonly options?: { label: string; value: string }[];
}

/** What the borrowers saw, request by request. */
export class TrafficStats {
  requests = 0;
  ok = 0;
  unavailable = 0;
  /** 500s: an answer that is neither the reply nor "try again". Must stay 0. */
  internal = 0;
  other = new Map<number, number>();
  /** Requests that got no HTTP answer (the connection was refused or reset: the server was down). */
  noAnswer = 0;
  /** 503 bodies that named the database's address. Must stay 0. */
  leakedAddress = 0;
  /** When each 200 arrived (epoch ms), and to whom. */
  readonly okAt: { at: number; userId: string }[] = [];
  /** The first answer to each message, by `${userId}/${messageId}`, and its text. */
  readonly answers = new Map<string, { text: string; replies: Reply[] }>();
}

/**
 * Sends one message and sends it again, same messageId, until it is answered (200), waiting
 * `retryMs` between tries; gives up after `timeoutMs`.
 */
export async function say(url: string, userId: string, messageId: string, text: string, stats: TrafficStats, options: { retryMs?: number; timeoutMs?: number; record?: boolean; leak?: RegExp } = {}): Promise<Reply[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    stats.requests++;
    let status = 0;
    let body: unknown;
    try {
      const res = await fetch(`${url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, messageId, text }),
        signal: AbortSignal.timeout(20_000),
      });
      status = res.status;
      const raw = await res.text();
      if (options.leak?.test(raw)) stats.leakedAddress++;
      body = JSON.parse(raw);
    } catch {
      stats.noAnswer++;
    }
    if (status === 200) {
      stats.ok++;
      stats.okAt.push({ at: Date.now(), userId });
      const replies = (body as { replies: Reply[] }).replies;
      const key = `${userId}/${messageId}`;
      if (options.record !== false && !stats.answers.has(key)) stats.answers.set(key, { text, replies });
      return replies;
    }
    if (status === 503) stats.unavailable++;
    else if (status === 500) stats.internal++;
    else if (status) stats.other.set(status, (stats.other.get(status) ?? 0) + 1);
    if (Date.now() > deadline) throw new Error(`${userId}/${messageId} "${text}" not answered in time (last status ${status || 'none'})`);
    await sleep((options.retryMs ?? 100) * (0.5 + Math.random()));
  }
}

const has = (replies: readonly Reply[], label: string) => replies.some((r) => r.text.includes(label) || r.options?.some((o) => o.label.includes(label)));

export interface JourneyOutcome {
  readonly approved: boolean;
  readonly drew: boolean;
  readonly repaid: boolean;
}

/**
 * One borrower's whole journey (as bench/chat.ts walks it): apply, authorise, and if approved accept,
 * draw ¥10,000 over 12 months and repay what is due; then `chatter` more turns, and more while
 * `chatterWhile()` says so. Every message is sent until answered.
 */
export async function journey(url: string, userId: string, i: number, stats: TrafficStats, options: { chatter?: number; chatterWhile?: () => boolean; leak?: RegExp; timeoutMs?: number } = {}): Promise<JourneyOutcome> {
  let n = 0;
  const send = (text: string) => say(url, userId, `m${++n}`, text, stats, options);
  const id = generateResidentId({ regionCode: '430702', birthDate: `19${70 + (i % 25)}-0${1 + (i % 9)}-1${i % 9}`, sex: i % 2 ? 'male' : 'female', serial: 100 + (i % 400) });
  const mobile = generateMobile(7_100_000 + i);
  for (const text of ['你好', '申请额度', '1', '测试客户', id, mobile, '123456', '日常消费', '5万', '确认提交']) await send(text);
  const decided = await send('同意全部授权');
  let outcome: JourneyOutcome = { approved: has(decided, '接受额度'), drew: false, repaid: false };
  if (outcome.approved) {
    for (const text of ['接受额度', '我已阅读并同意', '借款', '1万', '12', '等额本息']) await send(text);
    await send('确认借款'); // sends the step-up SMS code
    const drawn = await send('123456');
    outcome = { ...outcome, drew: drawn.some((r) => /已转入|放款成功|借款成功/.test(r.text)) };
    for (const text of ['还款', '1']) await send(text);
    const repaid = await send('确认还款');
    outcome = { ...outcome, repaid: repaid.some((r) => /还款成功|已还|收到/.test(r.text)) };
  }
  const chatter = ['额度', '利率多少？', '帮助', '有手续费吗？', '你好', '逾期了会怎样？', '返回'];
  for (let k = 0; k < (options.chatter ?? 0) || options.chatterWhile?.(); k++) await send(chatter[(i + k) % chatter.length]!);
  return outcome;
}

/**
 * Sends every answered message once more with its messageId: each must come back with the replies
 * of its first answer (the same stored rows), i.e. it was processed once. Returns the keys that did not.
 */
export async function resendAll(url: string, stats: TrafficStats): Promise<string[]> {
  const wrong: string[] = [];
  const entries = [...stats.answers.entries()];
  for (let i = 0; i < entries.length; i += 20) {
    await Promise.all(
      entries.slice(i, i + 20).map(async ([key, first]) => {
        const [userId, messageId] = key.split('/') as [string, string];
        const again = await say(url, userId, messageId, first.text, stats, { record: false });
        if (JSON.stringify(again.map((r) => r.id)) !== JSON.stringify(first.replies.map((r) => r.id))) wrong.push(key);
      }),
    );
  }
  return wrong;
}

/**
 * Terminates every backend of `database` except the caller's own: the app's pools, its conversation
 * locks, its LISTEN connection. Returns how many, by application_name ('' for Prisma's pool).
 */
export async function terminateBackends(adminUrl: string, database: string): Promise<Record<string, number>> {
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', () => {});
  await admin.connect();
  try {
    const { rows } = await admin.query<{ name: string; n: number }>(
      'SELECT application_name AS name, count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1',
      [database],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  } finally {
    await admin.end().catch(() => {});
  }
}

export interface StoreCheck {
  /** Messages sent (and answered) that are not stored as exactly one inbound row. */
  readonly missingMessages: number;
  /** Inbound rows stored for no message the borrowers sent, or twice. */
  readonly extraMessages: number;
  /** A borrower with more drawdowns, repayments or payments than they confirmed. */
  readonly duplicateEffects: number;
  /** Drawdowns still reserved (requested/disbursing), payouts without a drawdown, collections without a repayment. */
  readonly halfDone: number;
  /** The first few of them (what, whose, the effect's key), so a failed assertion shows what was left. */
  readonly halfDoneItems: readonly unknown[];
  /** Disagreements between the ledger and the loans (server/services checkBooks). */
  readonly ledgerMismatches: number;
  /** The first few of them, so a failed assertion shows what disagreed. */
  readonly ledgerDiscrepancies: readonly unknown[];
  readonly drawdowns: number;
  readonly repayments: number;
}

/**
 * What the database holds after a fault run: each message once, each confirmed drawdown and
 * repayment once, nothing half-done, and the ledger agreeing with the lines.
 */
export async function checkStore(url: string, stats: TrafficStats, confirmed: { drawdowns: Map<string, number>; repayments: Map<string, number> } = { drawdowns: new Map(), repayments: new Map() }): Promise<StoreCheck> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const q = async <T extends pg.QueryResultRow>(sql: string) => (await db.query<T>(sql)).rows;
    const expected = new Set([...stats.answers.keys()].map((key) => {
      const [userId, messageId] = key.split('/') as [string, string];
      return `${userId.length}:${userId}:${messageId}`;
    }));
    const stored = await q<{ id: string; n: number }>(`SELECT "channelMessageId" AS id, count(*)::int AS n FROM "Message" WHERE direction = 'inbound' AND "channelMessageId" IS NOT NULL GROUP BY 1`);
    const storedOnce = new Set(stored.filter((r) => r.n === 1).map((r) => r.id));
    const missingMessages = [...expected].filter((id) => !storedOnce.has(id)).length;
    const extraMessages = stored.filter((r) => !expected.has(r.id) || r.n !== 1).length;

    const perBorrower = await q<{ userId: string; drawdowns: number; repayments: number; payouts: number; collections: number }>(`
      SELECT b.id::text AS "borrowerId", c."externalUserId" AS "userId",
        (SELECT count(*)::int FROM "Drawdown" d JOIN "CreditLine" l ON l.id = d."creditLineId" WHERE l."borrowerId" = b.id) AS drawdowns,
        (SELECT count(*)::int FROM "Repayment" r JOIN "CreditLine" l ON l.id = r."creditLineId" WHERE l."borrowerId" = b.id) AS repayments,
        (SELECT count(*)::int FROM "SandboxPayment" p WHERE p."borrowerId" = b.id::text AND p.kind = 'disburse') AS payouts,
        (SELECT count(*)::int FROM "SandboxPayment" p WHERE p."borrowerId" = b.id::text AND p.kind = 'collect') AS collections
      FROM "Borrower" b JOIN "Conversation" c ON c."borrowerId" = b.id`);
    let duplicateEffects = 0;
    let halfDone = 0;
    for (const b of perBorrower) {
      duplicateEffects += Math.max(0, b.drawdowns - (confirmed.drawdowns.get(b.userId) ?? 1)) + Math.max(0, b.repayments - (confirmed.repayments.get(b.userId) ?? 1));
      duplicateEffects += Math.max(0, b.payouts - Math.max(b.drawdowns, 1)) + Math.max(0, b.collections - Math.max(b.repayments, 1));
      halfDone += Math.max(0, b.payouts - b.drawdowns) + Math.max(0, b.collections - b.repayments);
    }
    const [reserved] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM "Drawdown" WHERE status IN ('requested', 'disbursing')`);
    halfDone += reserved!.n;
    const halfDoneItems = halfDone === 0 ? [] : await q(`
      SELECT 'reserved' AS what, d.status, d."idempotencyKey" AS key, d."createdAt" AS at FROM "Drawdown" d WHERE d.status IN ('requested', 'disbursing')
      UNION ALL SELECT 'payout without a drawdown', p.kind, p.key, p."createdAt" FROM "SandboxPayment" p WHERE p.kind = 'disburse' AND NOT EXISTS (SELECT 1 FROM "Drawdown" d WHERE d."idempotencyKey" = p.key)
      UNION ALL SELECT 'collection without a repayment', p.kind, p.key, p."createdAt" FROM "SandboxPayment" p WHERE p.kind = 'collect' AND NOT EXISTS (SELECT 1 FROM "Repayment" r WHERE r."idempotencyKey" = p.key)
      ORDER BY at LIMIT 5`);

    // The server's own books check: postings balance, the ledger equals the loans and the lines' limits.
    const database = await openDatabase({ kind: 'postgres', url });
    const discrepancies = await checkBooks(database.prisma).finally(() => database.close());
    const [totals] = await q<{ drawdowns: number; repayments: number }>(`SELECT (SELECT count(*)::int FROM "Drawdown") AS drawdowns, (SELECT count(*)::int FROM "Repayment") AS repayments`);
    return { missingMessages, extraMessages, duplicateEffects, halfDone, halfDoneItems, ledgerMismatches: discrepancies.length, ledgerDiscrepancies: discrepancies.slice(0, 5), drawdowns: totals!.drawdowns, repayments: totals!.repayments };
  } finally {
    await db.end();
  }
}

/**
 * Waits until nothing is half-done: a payout or collection whose outcome was unknown when the
 * database failed under it is answered "processing" and settled by the payment recovery job
 * (RECOVERY_AFTER_MS); then checks the store. Gives up after `timeoutMs` with the last check.
 */
export async function checkStoreWhenSettled(url: string, stats: TrafficStats, timeoutMs: number): Promise<StoreCheck & { settledInMs: number }> {
  const t0 = Date.now();
  for (;;) {
    const check = await checkStore(url, stats);
    if ((check.halfDone === 0 && check.ledgerMismatches === 0) || Date.now() - t0 > timeoutMs) return { ...check, settledInMs: Date.now() - t0 };
    await sleep(250);
  }
}

/** Log lines at warn (40) or above whose message matches. */
export const logsMatching = (logs: readonly LogLine[], pattern: RegExp, minLevel = 40): LogLine[] => logs.filter((l) => l.level >= minLevel && pattern.test(l.msg));
