import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { maintenancePlan, type MaintenancePlan, type MaintenanceThresholds } from './maintenancePlan.js';

/**
 * The tables every turn, deadline and contact writes: the ones whose dead rows (an updated snapshot
 * leaves its old TOASTed copy behind) and stale statistics matter between nightly passes. pg-boss's
 * job table is here too: on PGlite its polling and completions churn it like ours.
 */
export const HOT_TABLES = [
  'public."Conversation"',
  'public."Message"',
  'public."Job"',
  'public."ConsoleConversation"',
  'public."IdempotencyRecord"',
  'public."OtpChallenge"',
  'public."WebSession"',
  'public."StaffSession"',
  'public."ContactLog"',
  'public."AuditLog"',
  'pgboss.job',
] as const;

/** The job runner's queue for it: a cron every minute and a nightly full pass (server/boot.ts). */
export const MAINTENANCE_QUEUE = 'db.maintenance';

export interface MaintenanceRun {
  readonly database: 'pglite' | 'postgres';
  /** On PostgreSQL nothing runs: autovacuum and the checkpointer do this work (docs/operations.md). */
  readonly skipped?: string;
  readonly plan?: MaintenancePlan;
  readonly walBytesBefore?: number;
  /** Log bytes written since the previous run (null on the first): how fast the log grows. */
  readonly walWrittenSinceLastRun?: number | null;
  readonly ms: number;
}

const lsnBytes = (lsn: string): number => {
  const [hi, lo] = lsn.split('/');
  return parseInt(hi!, 16) * 2 ** 32 + parseInt(lo!, 16);
};

/**
 * Keeps the embedded database's log and dead rows bounded (issue 16): run by the job runner's
 * `db.maintenance` queue every minute, nightly with a full pass, and after bulk work. Each run
 * checkpoints when enough log was written, vacuums and analyzes the hot tables when enough changed and
 * the engine is quiet (or far past the threshold), and the whole database on a full pass. On PostgreSQL
 * it does nothing: autovacuum and the checkpointer are the server's.
 */
export class DatabaseMaintenance {
  private vacuumedAtLsn: number | null = null;
  private lastRunLsn: number | null = null;
  private lastBusy: { readonly atMs: number; readonly busyMs: number } | null = null;
  private running: Promise<MaintenanceRun> | null = null;
  private bulkSinceRun: string[] = [];

  constructor(
    private readonly options: {
      readonly db: Database;
      readonly thresholds: MaintenanceThresholds;
      readonly logger: Logger;
      /** Wall time for the busy share (the engine's busy time is wall time too): not the business clock. */
      readonly nowMs?: () => number;
    },
  ) {}

  /**
   * Bulk work (a pre-credit import, a retention run) rewrote many rows: the next run (within a minute)
   * vacuums and analyzes the whole database, so plans see the new statistics and the space is reused.
   */
  afterBulk(reason: string): void {
    this.bulkSinceRun.push(reason);
  }

  /** One run; runs asked for while one is under way share it (they would find nothing more to do). */
  run(options: { readonly full?: boolean; readonly reason?: string } = {}): Promise<MaintenanceRun> {
    this.running ??= this.runOnce(options).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(options: { readonly full?: boolean; readonly reason?: string }): Promise<MaintenanceRun> {
    const { db, thresholds, logger } = this.options;
    const bulk = this.bulkSinceRun.splice(0);
    const full = options.full === true || bulk.length > 0;
    const reason = [options.reason ?? 'schedule', ...bulk.map((b) => `after ${b}`)].join(', ');
    const now = this.options.nowMs ?? Date.now;
    const started = now();
    const engine = db.embedded;
    if (!engine) return { database: 'postgres', skipped: 'PostgreSQL: autovacuum and the checkpointer maintain it', ms: 0 };

    const [wal] = (
      await engine.query<{ current: string; redo: string }>('SELECT pg_current_wal_lsn()::text AS current, (pg_control_checkpoint()).redo_lsn::text AS redo')
    ).rows;
    const current = lsnBytes(wal!.current);
    const busyMs = engine.busyMs();
    const busyShare = this.lastBusy && started > this.lastBusy.atMs ? (busyMs - this.lastBusy.busyMs) / (started - this.lastBusy.atMs) : 0;
    this.lastBusy = { atMs: started, busyMs };
    const plan = maintenancePlan(
      {
        walSinceCheckpoint: current - lsnBytes(wal!.redo),
        walSinceVacuum: this.vacuumedAtLsn === null ? null : current - this.vacuumedAtLsn,
        busyShare: Math.min(1, Math.max(0, busyShare)),
        full,
      },
      thresholds,
    );
    if (plan.vacuum === 'all') await engine.exec('VACUUM (ANALYZE)');
    else if (plan.vacuum === 'hot') await engine.exec(`VACUUM (ANALYZE) ${(await this.existing(HOT_TABLES)).join(', ')}`);
    else if (plan.analyze) await engine.exec(`ANALYZE ${(await this.existing(HOT_TABLES)).join(', ')}`);
    // Counted from after the vacuum: its own log is not a change that calls for another.
    if (plan.vacuum !== 'none') this.vacuumedAtLsn = lsnBytes((await engine.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn);
    else this.vacuumedAtLsn ??= current;
    if (plan.checkpoint) await engine.exec('CHECKPOINT');
    const walWrittenSinceLastRun = this.lastRunLsn === null ? null : current - this.lastRunLsn;
    this.lastRunLsn = current;
    const run: MaintenanceRun = { database: 'pglite', plan, walBytesBefore: current - lsnBytes(wal!.redo), walWrittenSinceLastRun, ms: now() - started };
    if (plan.vacuum !== 'none' || plan.checkpoint || plan.analyze) logger.info({ maintenance: run, reason }, 'embedded database maintained');
    return run;
  }

  /** The tables of `names` that exist (pg-boss's schema only once the job runner has started). */
  private async existing(names: readonly string[]): Promise<string[]> {
    const rows = (await this.options.db.embedded!.query<{ name: string }>('SELECT t AS name FROM jsonb_array_elements_text($1::jsonb) AS t WHERE to_regclass(t) IS NOT NULL', [JSON.stringify(names)])).rows;
    return rows.map((r) => r.name);
  }
}
