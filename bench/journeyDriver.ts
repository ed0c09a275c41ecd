// The load driver of `npm run bench:journeys`, run as its own process (bench/journeys.ts forks it),
// so the server, the driver and the measuring parent never share an event loop. It talks to the
// parent over the fork's IPC channel: config → warm-up → "warmed" → go → measured run → "result".
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { ApprovedBorrower } from './approvedBorrowers.js';

export interface DriverConfig {
  readonly url: string;
  readonly users: number;
  readonly conversations: number;
  readonly warmup: number;
  readonly requestTimeoutMs: number;
  /** The measured run stops starting conversations (and cuts those in flight) after this long. */
  readonly timeoutMs: number;
  readonly otp: string;
  /** warmup + conversations of them: the warm-up takes the first ones. */
  readonly borrowers: readonly ApprovedBorrower[];
  /** Prefix of this run's user ids. */
  readonly runTag: string;
  /** Check the offer for the limit core decided (not against bench/floorServer.ts, which decides nothing). */
  readonly checkOffer: boolean;
}

export interface DriverResult {
  readonly completed: number;
  readonly failed: number;
  /** In flight when the run's --timeout came (not completed). */
  readonly cut: number;
  readonly notStarted: number;
  readonly turns: number;
  readonly wallS: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  /** The same by step of the journey, in its order: which steps make the tail. */
  readonly byStep: readonly { readonly step: string; readonly p50: number; readonly p99: number }[];
  /** TCP connections opened: how long until 'connect', and the longest reply to the first request on a new one. */
  readonly connections: { readonly opened: number; readonly connectMaxMs: number; readonly connectP99Ms: number; readonly firstReplyMaxMs: number };
  /** Reasons with counts, most frequent first. */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
  readonly driverCpuS: number;
}

export type ToDriver = { readonly type: 'config'; readonly config: DriverConfig } | { readonly type: 'go' };
export type FromDriver =
  | { readonly type: 'warmed'; readonly completed: number; readonly failures: readonly { readonly reason: string; readonly count: number }[] }
  | { readonly type: 'progress'; readonly completed: number; readonly failed: number; readonly turns: number; readonly seconds: number }
  | { readonly type: 'result'; readonly result: DriverResult };

/** One step of the journey: what the borrower sends, a label for reports (no personal data), what a reply must contain. */
export interface Step {
  readonly send: (b: ApprovedBorrower, otp: string) => string;
  readonly label: string;
  readonly expect: string;
}

// flows/golden/happy-1-individual-apply.txt: 你好 to an opened credit line, 13 borrower messages.
export const STEPS: readonly Step[] = [
  { send: () => '你好', label: '你好', expect: '您想办理的业务' },
  { send: () => '1', label: '1 申请额度', expect: '请选择要申请的产品' },
  { send: () => '1', label: '1 个人贷', expect: '真实姓名' },
  { send: (b) => b.name, label: 'name', expect: '身份证号' },
  { send: (b) => b.idNumber, label: 'ID number', expect: '手机号' },
  { send: (b) => b.mobile, label: 'mobile', expect: '验证码已发送' },
  { send: (_, otp) => otp, label: 'SMS code', expect: '验证成功' },
  { send: (b) => b.purpose, label: 'purpose', expect: '申请多少额度' },
  { send: (b) => b.amount, label: 'amount', expect: '请确认您的申请信息' },
  { send: () => '确认提交', label: '确认提交', expect: '授权' },
  { send: () => '同意全部授权', label: '同意全部授权', expect: '审批通过' },
  { send: () => '接受额度', label: '接受额度', expect: '我已阅读并同意' },
  { send: () => '我已阅读并同意', label: '我已阅读并同意', expect: '额度已开通' },
];
const OFFER_STEP = 10;

class TurnError extends Error {}

export interface Stats {
  completed: number;
  failed: number;
  cut: number;
  latencies: number[];
  /** Latencies by step label (the same turns as `latencies`). */
  byStep: Map<string, number[]>;
  connects: number[];
  firstReplyMaxMs: number;
  failures: Map<string, number>;
}

export const newStats = (): Stats => ({ completed: 0, failed: 0, cut: 0, latencies: [], byStep: new Map(), connects: [], firstReplyMaxMs: 0, failures: new Map() });

export const percentile = (sorted: ArrayLike<number>, p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN);

/** One virtual user's connection: a keep-alive agent with one socket, reused across its conversations. */
export function userClient(base: URL, stats: Stats) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  const send = (body: object, timeoutMs: number): Promise<string[]> => {
    const payload = Buffer.from(JSON.stringify(body));
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      let fresh = false;
      const req = http.request(
        { agent, hostname: base.hostname, port: base.port, path: '/api/v1/chat', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            clearTimeout(timer);
            if (fresh) stats.firstReplyMaxMs = Math.max(stats.firstReplyMaxMs, performance.now() - t0);
            const raw = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode! < 200 || res.statusCode! > 299) return reject(new TurnError(`HTTP ${res.statusCode}: ${raw.slice(0, 120)}`));
            try {
              const replies = (JSON.parse(raw) as { replies?: { text?: unknown }[] }).replies ?? [];
              resolve(replies.map((r) => (typeof r.text === 'string' ? r.text : '')));
            } catch {
              reject(new TurnError(`response is not JSON: ${raw.slice(0, 120)}`));
            }
          });
        },
      );
      req.on('socket', (socket) => {
        if (req.reusedSocket) return;
        fresh = true;
        const onConnect = () => stats.connects.push(performance.now() - t0);
        if (socket.connecting) socket.once('connect', onConnect);
        else onConnect();
      });
      const timer = setTimeout(() => req.destroy(new TurnError(`no response within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(payload);
    });
  };
  return { send, close: () => agent.destroy() };
}

export type Outcome = 'completed' | 'failed' | 'cut';

/** One conversation of `steps` (the whole journey unless told), each reply checked; latencies and failures go to `stats`. */
export async function conversation(
  client: ReturnType<typeof userClient>,
  config: Pick<DriverConfig, 'otp' | 'requestTimeoutMs'> & { readonly checkOffer?: boolean },
  b: ApprovedBorrower,
  userId: string,
  deadline: number,
  stats: Stats,
  steps: readonly Step[] = STEPS,
): Promise<Outcome> {
  const fail = (reason: string): Outcome => {
    stats.failures.set(reason, (stats.failures.get(reason) ?? 0) + 1);
    return 'failed';
  };
  for (let t = 0; t < steps.length; t++) {
    const step = steps[t]!;
    const left = deadline - Date.now();
    if (left <= 0) return 'cut';
    const t0 = performance.now();
    let replies: string[];
    try {
      replies = await client.send({ userId, messageId: `${userId}-m${t}`, text: step.send(b, config.otp) }, Math.min(config.requestTimeoutMs, left));
    } catch (err) {
      if (Date.now() >= deadline) return 'cut';
      return fail(`turn ${t + 1} (${step.label}): ${(err as Error).message}`);
    }
    const ms = performance.now() - t0;
    stats.latencies.push(ms);
    const ofStep = stats.byStep.get(step.label);
    if (ofStep) ofStep.push(ms);
    else stats.byStep.set(step.label, [ms]);
    if (!replies.some((r) => r.includes(step.expect))) return fail(`turn ${t + 1} (${step.label}): no reply with ${step.expect}; replies: ${JSON.stringify(replies.join(' | ')).slice(0, 120)}`);
    if (steps === STEPS && config.checkOffer !== false && t === OFFER_STEP && !replies.some((r) => r.includes(`授信额度 ¥${b.limit}`))) return fail(`turn ${t + 1} (${step.label}): the offer does not show the limit core decided (¥${b.limit})`);
  }
  return 'completed';
}

/** `users` virtual users take conversations from one counter until `count` have started or the deadline passes. */
async function run(config: DriverConfig, count: number, users: number, first: number, idPrefix: string, deadline: number, stats: Stats): Promise<number> {
  const base = new URL(config.url);
  let next = 0;
  let stopped = false;
  await Promise.all(
    Array.from({ length: users }, async () => {
      const client = userClient(base, stats);
      while (!stopped) {
        const i = next++;
        if (i >= count) break;
        const outcome = await conversation(client, config, config.borrowers[first + i]!, `${idPrefix}-${i}`, deadline, stats);
        stats[outcome]++;
        if (outcome === 'cut') stopped = true;
      }
      client.close();
    }),
  );
  return Math.max(0, count - next);
}

export const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([reason, count]) => ({ reason, count }));

async function main(): Promise<void> {
  const send = (m: FromDriver) => process.send!(m);
  const inbox: ToDriver[] = [];
  let wake: (() => void) | undefined;
  process.on('message', (m: ToDriver) => {
    inbox.push(m);
    wake?.();
  });
  const receive = async (type: ToDriver['type']): Promise<ToDriver> => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0]!;
      await new Promise<void>((r) => (wake = r));
    }
  };
  const { config } = (await receive('config')) as Extract<ToDriver, { type: 'config' }>;

  const warm = newStats();
  await run(config, config.warmup, 1, 0, `${config.runTag}-w`, Date.now() + config.timeoutMs, warm);
  send({ type: 'warmed', completed: warm.completed, failures: ranked(warm.failures) });
  await receive('go');

  const stats = newStats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const progress = setInterval(() => send({ type: 'progress', completed: stats.completed, failed: stats.failed, turns: stats.latencies.length, seconds: (performance.now() - t0) / 1000 }), 5000);
  const notStarted = await run(config, config.conversations, config.users, config.warmup, config.runTag, Date.now() + config.timeoutMs, stats);
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(progress);
  const cpu = process.cpuUsage(cpu0);
  const lat = Float64Array.from(stats.latencies).sort();
  const connects = Float64Array.from(stats.connects).sort();
  send({
    type: 'result',
    result: {
      completed: stats.completed,
      failed: stats.failed,
      cut: stats.cut,
      notStarted,
      turns: lat.length,
      wallS,
      latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: lat.length ? lat[lat.length - 1]! : NaN },
      byStep: [...stats.byStep].map(([step, ms]) => {
        const sorted = Float64Array.from(ms).sort();
        return { step, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
      }),
      connections: { opened: connects.length, connectMaxMs: connects.length ? connects[connects.length - 1]! : NaN, connectP99Ms: percentile(connects, 99), firstReplyMaxMs: stats.firstReplyMaxMs },
      failures: ranked(stats.failures),
      driverCpuS: (cpu.user + cpu.system) / 1e6,
    },
  });
  process.disconnect();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.send) {
    console.error('bench/journeyDriver.ts is started by bench/journeys.ts (npm run bench:journeys), not by hand');
    process.exit(2);
  }
  await main();
}
