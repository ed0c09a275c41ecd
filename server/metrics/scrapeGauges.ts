import { Counter, Gauge, type Registry } from 'prom-client';
import { pgliteThreadStats, pgPoolStats, type PgliteThreadStats } from '../db/index.js';

/** Runs one read-only statement at scrape time (the app's Prisma client: `$queryRawUnsafe`). */
export interface ScrapeSource {
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/** A scrape waits at most this long for the database; then the database gauges are left out. */
export const SCRAPE_QUERY_TIMEOUT_MS = 2_000;
/** Gauges read for one scrape serve every gauge of it (and a second scraper within this time). */
const SNAPSHOT_TTL_MS = 1_000;

// Each uses an index: Message (deliveryStatus, createdAt), Job (status, dueAt); pgboss.queue holds its own counts.
const OUTBOX_SQL = `SELECT channel::text AS channel, count(*)::int AS n, extract(epoch from (now() - min("createdAt")))::float8 AS age
  FROM "Message" WHERE "deliveryStatus" = 'pending' AND direction = 'outbound' GROUP BY channel`;
const DUE_AT_SQL = `SELECT status::text AS status, count(*)::int AS n, (count(*) FILTER (WHERE "dueAt" <= now()))::int AS due
  FROM "Job" WHERE status IN ('pending', 'running', 'failed') GROUP BY status`;
const QUEUES_SQL = `SELECT name, queued_count::int AS queued, deferred_count::int AS deferred, active_count::int AS active, failed_count::int AS failed FROM pgboss.queue`;

interface Snapshot {
  readonly up: boolean;
  readonly seconds: number;
  readonly outbox: { channel: string; n: number; age: number }[];
  readonly dueAt: { status: string; n: number; due: number }[];
  /** Undefined when pg-boss has no tables here (jobs off) or they could not be read. */
  readonly queues: { name: string; queued: number; deferred: number; active: number; failed: number }[] | undefined;
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number(v ?? 0));

/**
 * Gauges read when Prometheus scrapes, never on a turn's path: outbox depth, the Job table's due-at
 * rows, pg-boss queue depths (from its own counts, refreshed by pg-boss about once a minute), the
 * database's answer time, and this process's pg pools. Database-wide values are the same in every
 * process, so a cluster aggregates them with `max`; the pools are per process and add up.
 */
export class ScrapeGauges {
  private readonly sources: ScrapeSource[] = [];
  private snapshot: { at: number; source: ScrapeSource | undefined; value: Promise<Snapshot | undefined> } | undefined;
  /** The source of the scrape under way (`during`); else the latest watching. */
  private current: ScrapeSource | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(registry: Registry) {
    const registers = [registry];
    const failures = new Counter({ name: 'kuaidai_metrics_scrape_errors_total', help: 'Scrapes whose database reads failed or timed out (the database gauges were left out)', registers });
    const read = async (): Promise<Snapshot | undefined> => {
      const now = Date.now();
      const source = this.current ?? this.sources.at(-1);
      if (!this.snapshot || this.snapshot.source !== source || now - this.snapshot.at > SNAPSHOT_TTL_MS) {
        this.snapshot = { at: now, source, value: this.read(source).catch(() => {
          failures.inc();
          return { up: false, seconds: (Date.now() - now) / 1000, outbox: [], dueAt: [], queues: undefined };
        }) };
      }
      return this.snapshot.value;
    };
    new Gauge({
      name: 'kuaidai_db_up', help: '1 when the scrape-time reads answered within the timeout, else 0', registers, aggregator: 'min',
      async collect() {
        const s = await read();
        if (s) this.set(s.up ? 1 : 0);
        else this.reset();
      },
    });
    new Gauge({
      name: 'kuaidai_db_scrape_query_seconds', help: 'How long the scrape-time reads took (on embedded PGlite this includes the wait behind other queries)', registers, aggregator: 'max',
      async collect() {
        const s = await read();
        if (s) this.set(s.seconds);
        else this.reset();
      },
    });
    new Gauge({
      name: 'kuaidai_outbox_pending_messages', help: 'Outbound messages not yet delivered, by channel (push channels: the outbox; rest/terminal: waiting to be fetched)', labelNames: ['channel'], registers, aggregator: 'max',
      async collect() {
        const s = await read();
        this.reset();
        for (const r of s?.outbox ?? []) this.set({ channel: r.channel }, r.n);
      },
    });
    new Gauge({
      name: 'kuaidai_outbox_oldest_pending_seconds', help: 'Age of the oldest undelivered outbound message, by channel', labelNames: ['channel'], registers, aggregator: 'max',
      async collect() {
        const s = await read();
        this.reset();
        for (const r of s?.outbox ?? []) this.set({ channel: r.channel }, r.age);
      },
    });
    new Gauge({
      name: 'kuaidai_scheduled_jobs', help: 'Due-at rows of the Job table (conversation and work-order deadlines, payment recovery) by status; done and cancelled rows are not counted', labelNames: ['status'], registers, aggregator: 'max',
      async collect() {
        const s = await read();
        this.reset();
        if (!s?.up) return;
        for (const status of ['pending', 'running', 'failed']) this.set({ status }, s.dueAt.find((r) => r.status === status)?.n ?? 0);
      },
    });
    new Gauge({
      name: 'kuaidai_scheduled_jobs_overdue', help: 'Pending due-at rows whose time (database clock) has passed: fired by the next sweep; a growing number means the sweep is not keeping up', registers, aggregator: 'max',
      async collect() {
        const s = await read();
        if (!s?.up) return this.reset();
        this.set(s.dueAt.find((r) => r.status === 'pending')?.due ?? 0);
      },
    });
    new Gauge({
      name: 'kuaidai_job_queue_jobs', help: 'pg-boss jobs by queue and state (queued, deferred, active, failed); a queue ending in .dead holds dead letters', labelNames: ['queue', 'state'], registers, aggregator: 'max',
      async collect() {
        const s = await read();
        this.reset();
        for (const q of s?.queues ?? []) {
          this.set({ queue: q.name, state: 'queued' }, Math.max(0, q.queued - q.deferred));
          this.set({ queue: q.name, state: 'deferred' }, q.deferred);
          this.set({ queue: q.name, state: 'active' }, q.active);
          this.set({ queue: q.name, state: 'failed' }, q.failed);
        }
      },
    });
    new Gauge({
      name: 'kuaidai_db_pool_connections', help: "Connections of this process's PostgreSQL pools by pool (application_name) and state (total, idle, waiting: requests queued for a connection); none on embedded PGlite", labelNames: ['pool', 'state'], registers,
      collect() {
        this.reset();
        for (const p of pgPoolStats()) {
          this.set({ pool: p.name, state: 'total' }, p.total);
          this.set({ pool: p.name, state: 'idle' }, p.idle);
          this.set({ pool: p.name, state: 'waiting' }, p.waiting);
        }
      },
    });
    // The embedded database's thread: on PGlite it, not the server's thread, is usually what runs out first.
    const embeddedCounters: readonly [name: string, help: string, pick: (s: PgliteThreadStats) => number][] = [
      ['kuaidai_embedded_db_thread_active_seconds_total', "Time the embedded database's thread (PGlite) was busy running statements; its rate is the share of a core it uses, and near 1 it is the server's limit. 0 on PostgreSQL", (s) => s.activeSeconds],
      ['kuaidai_embedded_db_requests_total', "Requests (statements, transaction steps) sent to the embedded database's thread. 0 on PostgreSQL", (s) => s.requests],
    ];
    for (const [name, help, pick] of embeddedCounters) {
      new Counter({
        name, help, registers,
        collect() {
          const s = pgliteThreadStats();
          this.reset();
          if (s) this.inc(pick(s));
        },
      });
    }
    new Gauge({
      name: 'kuaidai_embedded_db_requests_in_flight', help: "Requests sent to the embedded database's thread and not yet answered: its queue. 0 on PostgreSQL", registers,
      collect() {
        const s = pgliteThreadStats();
        this.reset();
        if (s) this.set(s.inFlight);
      },
    });
  }

  watch(source: ScrapeSource): () => void {
    this.sources.push(source);
    this.snapshot = undefined;
    return () => {
      const i = this.sources.lastIndexOf(source);
      if (i >= 0) this.sources.splice(i, 1);
      this.snapshot = undefined;
    };
  }

  /**
   * Runs a scrape reading `source` (the app serving it): one process may hold several apps (tests),
   * each showing its own database. Scrapes run one at a time; a scrape takes at most the timeout.
   */
  during<T>(source: ScrapeSource, scrape: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      this.current = source;
      try {
        return await scrape();
      } finally {
        this.current = undefined;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Undefined when no app is watching (nothing to read from). */
  private async read(source: ScrapeSource | undefined): Promise<Snapshot | undefined> {
    if (!source) return undefined;
    const started = performance.now();
    const [outbox, dueAt] = await withTimeout(Promise.all([source.query(OUTBOX_SQL), source.query(DUE_AT_SQL)]), SCRAPE_QUERY_TIMEOUT_MS);
    // pg-boss's schema exists once its runner started here or elsewhere; without it there are no queues to show.
    const queues = await withTimeout(source.query(QUEUES_SQL), SCRAPE_QUERY_TIMEOUT_MS).catch(() => undefined);
    return {
      up: true,
      seconds: (performance.now() - started) / 1000,
      outbox: outbox.map((r) => ({ channel: String(r.channel), n: num(r.n), age: num(r.age) })),
      dueAt: dueAt.map((r) => ({ status: String(r.status), n: num(r.n), due: num(r.due) })),
      queues: queues?.map((r) => ({ name: String(r.name), queued: num(r.queued), deferred: num(r.deferred), active: num(r.active), failed: num(r.failed) })),
    };
  }
}
