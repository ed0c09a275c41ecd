import { fromPglite, PgBoss, type Job, type JobWithMetadata, type QueuePolicy } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { AppError, databaseFault } from '../errors.js';
import { OutageBackoff } from '../runtime/index.js';

/** Every cron expression of ours is read on the Shanghai wall clock (business dates, contact windows). */
export const JOB_TIME_ZONE = 'Asia/Shanghai';

/** pg-boss's internal queue that turns each cron firing into a job (timekeeper.js QUEUES.SEND_IT; not exported). */
const CRON_FIRINGS_QUEUE = '__pgboss__send-it';

/** Suffix of each queue's dead-letter queue: `postloan.eod` → `postloan.eod.dead`. */
export const DEAD_LETTER_SUFFIX = '.dead';
export const deadLetterOf = (queue: string): string => `${queue}${DEAD_LETTER_SUFFIX}`;

/** What a handler gets besides the job's data. */
export interface JobInfo {
  readonly id: string;
  readonly queue: string;
  /** 0 on the first attempt. */
  readonly retryCount: number;
  /** Aborted when the job expired or the runner is stopping without grace. */
  readonly signal: AbortSignal;
}

/** Does the job; throws to have it retried (then dead-lettered after the last retry). Its result is kept as the job's output. */
export type JobHandler<T = Record<string, unknown>> = (data: T, job: JobInfo) => Promise<unknown>;

export interface QueueSettings {
  /** Retries after the first attempt before the job is dead-lettered. Default 3. */
  readonly retryLimit?: number;
  /** Seconds before the first retry. Default 30. */
  readonly retryDelaySeconds?: number;
  /** Doubles the delay each retry (with jitter). Default true. */
  readonly retryBackoff?: boolean;
  /** Longest delay between retries when backing off. Default 15 minutes. */
  readonly retryDelayMaxSeconds?: number;
  /** How long one attempt may run before it counts as failed. Default 15 minutes. */
  readonly expireInSeconds?: number;
  /** How long a finished job is kept (for the console). Default one day. */
  readonly keepSeconds?: number;
  /**
   * pg-boss policy: `standard`, or `short` (one queued job per singleton key: a second send with the
   * key is dropped while one waits), `singleton` (one active per key), `stately`, `exclusive`.
   */
  readonly policy?: QueuePolicy;
  /** Seconds between polls of this queue's worker (≥ 0.5). Default 2. */
  readonly pollSeconds?: number;
  /** Jobs of this queue run at once in this process. Default 1. */
  readonly concurrency?: number;
}

export interface SendOptions {
  /** With a `short` queue: only one queued job per key. */
  readonly singletonKey?: string;
  /** Not before this moment (a Date), or this many seconds from now. */
  readonly startAfter?: Date | number;
}

/** One queue as the console shows it. */
export interface QueueSummary {
  readonly name: string;
  readonly policy: string;
  readonly deadLetter: string | null;
  readonly queued: number;
  readonly deferred: number;
  readonly active: number;
  readonly failed: number;
  readonly total: number;
}

export interface FailedJob {
  readonly id: string;
  readonly queue: string;
  readonly data: unknown;
  readonly error: string;
  readonly retryCount: number;
  readonly createdOn: string;
  readonly completedOn: string | null;
}

interface Registration {
  readonly name: string;
  readonly settings: QueueSettings;
  readonly handler?: JobHandler<never>;
  readonly crons: { readonly expression: string; readonly data: Record<string, unknown>; readonly key: string }[];
}

const QUEUE_DEFAULTS = { retryLimit: 3, retryDelaySeconds: 30, retryBackoff: true, retryDelayMaxSeconds: 15 * 60, expireInSeconds: 15 * 60, keepSeconds: 24 * 3600, policy: 'standard', pollSeconds: 2, concurrency: 1 } as const;

/** The embedded PGlite (the same one server/runtime/sql.ts reaches), as pg-boss's PGlite adapter wants it. */
function pgliteOf(db: Database): Parameters<typeof fromPglite>[0] | undefined {
  // fromPglite calls only `query(text, values)` and `exec(text)`, which the embedded database has.
  return db.embedded as unknown as Parameters<typeof fromPglite>[0] | undefined;
}

const errorText = (output: unknown): string => {
  if (output && typeof output === 'object') {
    const o = output as { message?: unknown; name?: unknown };
    if (typeof o.message === 'string') return `${typeof o.name === 'string' ? `${o.name}: ` : ''}${o.message}`.slice(0, 1000);
  }
  return output === null || output === undefined ? '' : JSON.stringify(output).slice(0, 1000);
};

/**
 * The one job runner: pg-boss 12 in this process, on the app's own database (embedded PGlite through
 * `fromPglite`, PostgreSQL through its connection string; its tables live in the `pgboss` schema).
 * Queues, workers and cron schedules are declared first (`work`, `cron`) and created by `start()`;
 * every queue has a dead-letter queue `<name>.dead` that a job reaches after its last retry. Crons
 * are read in Asia/Shanghai. The server starts it only when jobs are enabled (JOBS_POLL_MS > 0):
 * tests boot without it and call the job functions themselves, paying no pg-boss start-up.
 *
 * Conversation and work-order deadlines are not pg-boss jobs: they are due-at rows in our Job table
 * that one queue, `deadline.sweep`, fires (server/jobs/deadlineSweep.ts says why).
 */
export class JobRunner {
  private readonly registrations = new Map<string, Registration>();
  private boss: PgBoss | undefined;
  private starting: Promise<void> | undefined;
  private readonly outage: OutageBackoff;

  private get maxKeepSeconds(): number {
    return Math.max(60, this.options.maxKeepSeconds ?? Number.POSITIVE_INFINITY);
  }

  constructor(
    private readonly options: {
      readonly db: Database;
      readonly postgresUrl?: string;
      readonly logger: Logger;
      /** Told of each job this process ran: completed, failed (retried later) or dead_lettered (its last retry failed); server/metrics. */
      readonly observeJob?: (queue: string, result: 'completed' | 'failed' | 'dead_lettered') => void;
      /**
       * The longest pg-boss keeps a finished job or a dead letter (RETENTION_JOB_DAYS): a queue's own
       * `keepSeconds` may be shorter. pg-boss's supervisor deletes them (every minute here).
       */
      readonly maxKeepSeconds?: number;
    },
  ) {
    this.outage = new OutageBackoff({ what: 'job runner', logger: options.logger, baseMs: 1_000, maxMs: 30_000 });
  }

  /** Whether `start()` finished and `stop()` was not called: sends go to the database. */
  get running(): boolean {
    return this.boss !== undefined && this.starting === undefined;
  }

  /** Declares a queue (and its dead-letter queue) without a worker here: for sending to and for the console. */
  queue(name: string, settings: QueueSettings = {}): this {
    this.registration(name, settings);
    return this;
  }

  /** Runs `handler` for each job of queue `name`; a throw retries it with backoff, the last failure dead-letters it. */
  work<T = Record<string, unknown>>(name: string, handler: JobHandler<T>, settings: QueueSettings = {}): this {
    const r = this.registration(name, settings);
    if (r.handler) throw new Error(`a worker for queue ${name} is already registered`);
    this.registrations.set(name, { ...r, handler: handler as JobHandler<never> });
    return this;
  }

  /**
   * A cron schedule (5 fields, Shanghai time) sending `data` to queue `name` and the worker that runs
   * it. A queue may carry several schedules (`key` tells them apart); a handler given twice is refused.
   */
  cron<T = Record<string, unknown>>(name: string, expression: string, handler: JobHandler<T> | undefined, settings: QueueSettings & { readonly data?: T & Record<string, unknown>; readonly key?: string } = {}): this {
    const r = this.registration(name, settings);
    const key = settings.key ?? '';
    if (r.crons.some((c) => c.key === key)) throw new Error(`queue ${name} already has a schedule with key "${key}"`);
    r.crons.push({ expression, data: settings.data ?? {}, key });
    if (handler) this.work(name, handler, settings);
    return this;
  }

  /** Starts pg-boss (creating or migrating its schema), the queues, their workers and schedules. */
  async start(): Promise<void> {
    if (this.boss) return this.starting;
    const { db, postgresUrl, logger } = this.options;
    const pglite = pgliteOf(db);
    let boss: PgBoss;
    if (pglite) boss = new PgBoss({ db: fromPglite(pglite), backend: 'pglite', schedule: true, persistWarnings: false, superviseIntervalSeconds: 60 });
    else if (postgresUrl) boss = new PgBoss({ connectionString: postgresUrl, max: 4, application_name: 'kuaidai-jobs', schedule: true, superviseIntervalSeconds: 60 });
    else throw new AppError('INTERNAL', {}, { cause: new Error('the job runner needs the PGlite instance or a PostgreSQL URL') });
    // Unhandled, an 'error' event would end the process; a database outage is logged once (and its end).
    boss.on('error', (e) => void this.outage.failed(e));
    boss.on('warning', (w) => logger.warn({ warning: w.data }, `job runner: ${w.message}`));
    this.boss = boss;
    this.starting = (async () => {
      await boss.start();
      // pg-boss's own queue of cron firings (a job per schedule per minute here) keeps them a week by default.
      if (await boss.getQueue(CRON_FIRINGS_QUEUE)) await boss.updateQueue(CRON_FIRINGS_QUEUE, { deleteAfterSeconds: Math.min(3_600, this.maxKeepSeconds) });
      for (const r of this.registrations.values()) await this.createQueue(boss, r);
      // A schedule this version no longer declares would keep sending to a queue nobody works.
      for (const old of await boss.getSchedules()) {
        if (!this.registrations.get(old.name)?.crons.some((c) => c.key === old.key)) await boss.unschedule(old.name, old.key || undefined);
      }
      for (const r of this.registrations.values()) {
        for (const c of r.crons) await boss.schedule(r.name, c.expression, c.data, { tz: JOB_TIME_ZONE, ...(c.key ? { key: c.key } : {}) });
        if (r.handler) await this.startWorker(boss, r);
      }
    })();
    try {
      await this.starting;
      logger.info({ queues: [...this.registrations.keys()] }, 'job runner started (pg-boss)');
    } catch (e) {
      this.boss = undefined;
      await boss.stop({ graceful: false, close: !pglite }).catch(() => {});
      throw new AppError('DB_UNAVAILABLE', { reason: `job runner: ${(e as Error).message}` }, { cause: e });
    } finally {
      this.starting = undefined;
    }
  }

  /** Stops polling and waits (up to `timeoutMs`) for the handlers under way. The PGlite instance stays open: it is the app's. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const boss = this.boss;
    if (!boss) return;
    await this.starting?.catch(() => {});
    this.boss = undefined;
    await boss.stop({ graceful: true, timeout: timeoutMs, close: true });
  }

  /** Sends a job; undefined when a `short` queue already holds one with the singleton key. */
  async send(name: string, data: Record<string, unknown> = {}, options: SendOptions = {}): Promise<string | undefined> {
    const boss = this.requireBoss(name);
    const id = await boss.send(name, data, {
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
    });
    return id ?? undefined;
  }

  /** At most one job per `seconds`-long slot (per `key`): later sends in the same slot are dropped (undefined). */
  async sendThrottled(name: string, data: Record<string, unknown>, seconds: number, key?: string): Promise<string | undefined> {
    return (await this.requireBoss(name).sendThrottled(name, data, null, seconds, key)) ?? undefined;
  }

  /** Moves the job waiting under `singletonKey` to run not before `startAfter` (false: none waits). */
  async reschedule(name: string, singletonKey: string, startAfter: Date): Promise<boolean> {
    const result = await this.requireBoss(name).update(name, undefined, { singletonKey, startAfter });
    return result.updated > 0;
  }

  /** The queued (not yet active) job under `singletonKey`, if any: when it may start. */
  async queuedAt(name: string, singletonKey: string): Promise<Date | undefined> {
    const jobs = await this.requireBoss(name).findJobs(name, { key: singletonKey, queued: true, limit: 10 });
    const times = jobs.map((j) => new Date(j.startAfter).getTime());
    return times.length ? new Date(Math.min(...times)) : undefined;
  }

  /** Queues with their counts (recounted at most once a minute by pg-boss), dead-letter queues included, by name. */
  async queues(): Promise<QueueSummary[]> {
    const boss = this.requireBoss('(queues)');
    const out: QueueSummary[] = [];
    for (const q of await boss.getQueues()) {
      const [stats] = await boss.getQueueStats(q.name, { force: true });
      const c = stats ?? q;
      out.push({
        name: q.name,
        policy: String(q.policy ?? 'standard'),
        deadLetter: q.deadLetter ?? null,
        queued: c.queuedCount - c.deferredCount,
        deferred: c.deferredCount,
        active: c.activeCount,
        failed: c.failedCount,
        total: c.totalCount,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Recent failed jobs of the declared queues (newest first) and the jobs waiting in their dead-letter queues. */
  async failures(limit = 50): Promise<{ failed: FailedJob[]; dead: FailedJob[] }> {
    const boss = this.requireBoss('(failures)');
    const failed: FailedJob[] = [];
    const dead: FailedJob[] = [];
    const wire = (queue: string, j: JobWithMetadata<unknown>): FailedJob => ({
      id: j.id,
      queue,
      data: j.data,
      error: errorText((j as unknown as { output?: unknown }).output),
      retryCount: j.retryCount,
      createdOn: new Date(j.createdOn).toISOString(),
      completedOn: j.completedOn ? new Date(j.completedOn).toISOString() : null,
    });
    for (const name of this.registrations.keys()) {
      const jobs = await boss.findJobs<unknown>(name, { limit: 1_000 });
      for (const j of jobs) if (j.state === 'failed') failed.push(wire(name, j));
      for (const j of await boss.findJobs<unknown>(deadLetterOf(name), { queued: true, limit: 1_000 })) dead.push(wire(deadLetterOf(name), j));
    }
    const newest = (a: FailedJob, b: FailedJob) => (b.completedOn ?? b.createdOn).localeCompare(a.completedOn ?? a.createdOn);
    return { failed: failed.sort(newest).slice(0, limit), dead: dead.sort(newest).slice(0, limit) };
  }

  /** Retries a failed job of a declared queue, or moves a dead letter back to its queue; false when there was nothing to retry. */
  async retry(queue: string, id: string): Promise<boolean> {
    const boss = this.requireBoss(queue);
    if (queue.endsWith(DEAD_LETTER_SUFFIX) && this.registrations.has(queue.slice(0, -DEAD_LETTER_SUFFIX.length))) {
      return (await boss.redrive(queue, { ids: [id], destination: queue.slice(0, -DEAD_LETTER_SUFFIX.length) })) > 0;
    }
    if (!this.registrations.has(queue)) return false;
    return ((await boss.retry(queue, id)) as { affected?: number }).affected! > 0;
  }

  /** Whether the queue is one of ours (or one's dead-letter queue). */
  knows(queue: string): boolean {
    return this.registrations.has(queue) || (queue.endsWith(DEAD_LETTER_SUFFIX) && this.registrations.has(queue.slice(0, -DEAD_LETTER_SUFFIX.length)));
  }

  /** The cron schedules as pg-boss stores them. */
  async schedules(): Promise<{ name: string; key: string; cron: string; timezone: string }[]> {
    const rows = await this.requireBoss('(schedules)').getSchedules();
    return rows.map((s) => ({ name: s.name, key: s.key, cron: s.cron, timezone: (s.options as { tz?: string } | undefined)?.tz ?? (s as unknown as { timezone?: string }).timezone ?? 'UTC' }));
  }

  /** A handler succeeded on a job fetched at `fetchedAt`: ends an outage's log if it was fetched after the outage began. */
  private recovered(fetchedAt: number): void {
    this.outage.succeeded(fetchedAt);
  }

  private registration(name: string, settings: QueueSettings): Registration {
    if (this.boss) throw new Error(`queue ${name} declared after the job runner started`);
    const existing = this.registrations.get(name);
    if (existing) {
      // A second declaration may add settings but not contradict the first.
      const merged = { ...existing, settings: { ...existing.settings, ...settings } };
      this.registrations.set(name, merged);
      return merged;
    }
    const r: Registration = { name, settings, crons: [] };
    this.registrations.set(name, r);
    return r;
  }

  private requireBoss(queue: string): PgBoss {
    if (!this.boss || this.starting) throw new AppError('JOBS_DISABLED', { queue });
    return this.boss;
  }

  private async createQueue(boss: PgBoss, r: Registration): Promise<void> {
    const s = { ...QUEUE_DEFAULTS, ...r.settings };
    const options = {
      retryLimit: s.retryLimit,
      retryDelay: s.retryDelaySeconds,
      retryBackoff: s.retryBackoff,
      retryDelayMax: s.retryDelayMaxSeconds,
      expireInSeconds: s.expireInSeconds,
      deleteAfterSeconds: Math.min(s.keepSeconds, this.maxKeepSeconds),
    };
    const dead = deadLetterOf(r.name);
    // Dead letters stay a week (or the retention period, if shorter) for an admin to look at and retry; nothing works them.
    const deadKeep = Math.min(7 * 24 * 3600, this.maxKeepSeconds);
    const deadOptions = { retryLimit: 0, deleteAfterSeconds: deadKeep, retentionSeconds: deadKeep };
    if (await boss.getQueue(dead)) await boss.updateQueue(dead, deadOptions);
    else await boss.createQueue(dead, deadOptions);
    if (await boss.getQueue(r.name)) await boss.updateQueue(r.name, { ...options, deadLetter: dead });
    else await boss.createQueue(r.name, { ...options, policy: s.policy, deadLetter: dead });
  }

  private async startWorker(boss: PgBoss, r: Registration): Promise<void> {
    const s = { ...QUEUE_DEFAULTS, ...r.settings };
    const handler = r.handler as JobHandler<Record<string, unknown>>;
    await boss.work<Record<string, unknown>>(r.name, { batchSize: 1, pollingIntervalSeconds: s.pollSeconds, localConcurrency: s.concurrency }, async (jobs: Job<Record<string, unknown>>[]) => {
      // The jobs were just fetched from the database: a success proves it answers only if fetched after an outage began.
      const fetchedAt = Date.now();
      let output: unknown;
      for (const job of jobs) {
        try {
          output = await handler(job.data ?? {}, { id: job.id, queue: r.name, retryCount: job.retryCount, signal: job.signal });
          this.options.observeJob?.(r.name, 'completed');
          this.recovered(fetchedAt);
        } catch (e) {
          this.options.observeJob?.(r.name, job.retryCount >= s.retryLimit ? 'dead_lettered' : 'failed');
          // A database outage is logged once for all queues (and its end); anything else per job.
          if (databaseFault(e)) this.outage.failed(e);
          else this.options.logger.warn({ err: e, queue: r.name, jobId: job.id, retryCount: job.retryCount }, 'job failed; pg-boss retries it with backoff, then dead-letters it');
          throw e;
        }
      }
      // pg-boss keeps an object as the job's output; the console shows failures, so a result stays small.
      return output && typeof output === 'object' ? output : output === undefined ? undefined : { result: output };
    });
  }
}
