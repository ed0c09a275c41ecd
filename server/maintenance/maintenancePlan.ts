/**
 * What the embedded database needs now. PGlite runs PostgreSQL single-user: no checkpointer asks for a
 * checkpoint when the write-ahead log grows and no autovacuum cleans dead rows, so the maintenance job
 * decides from what it can see: how much log was written since the last checkpoint and since the last
 * vacuum, and how busy the engine's one thread was lately (VACUUM runs on that thread, between turns).
 */
export interface MaintenanceThresholds {
  /** Checkpoint once this many bytes of log were written since the last one (bounds the log and the replay after a crash). */
  readonly checkpointWalBytes: number;
  /** Vacuum and analyze the hot tables once this many bytes of log were written since the last vacuum, at a quiet moment. */
  readonly vacuumWalBytes: number;
  /** The engine counts as quiet below this share of the last interval busy (0–1). */
  readonly quietBusyShare: number;
}

export interface MaintenanceState {
  /** Log bytes written since the last checkpoint's redo point. */
  readonly walSinceCheckpoint: number;
  /** Log bytes written since this process last vacuumed, or null when it has not yet (just started). */
  readonly walSinceVacuum: number | null;
  /** Share of the interval since the previous run the engine had work (0–1). */
  readonly busyShare: number;
  /** The nightly pass, or after bulk work (an import, a retention run): vacuum whatever the volume. */
  readonly full: boolean;
}

export interface MaintenancePlan {
  /** `hot`: the tables every turn writes; `all`: the whole database (nightly, after bulk work). */
  readonly vacuum: 'none' | 'hot' | 'all';
  /** Analyze only (a process that just started has never analyzed this session: plans need statistics). */
  readonly analyze: boolean;
  readonly checkpoint: boolean;
  /** Why, for the log and the job's output. */
  readonly reasons: readonly string[];
}

/** Four times the vacuum volume, a busy engine is vacuumed anyway: dead rows must stay bounded under steady load. */
const FORCE_FACTOR = 4;

export function maintenancePlan(state: MaintenanceState, t: MaintenanceThresholds): MaintenancePlan {
  const reasons: string[] = [];
  let vacuum: MaintenancePlan['vacuum'] = 'none';
  let analyze = false;
  if (state.full) {
    vacuum = 'all';
    reasons.push('full pass');
  } else if (state.walSinceVacuum === null) {
    analyze = true;
    reasons.push('first run since start: analyze');
  } else if (state.walSinceVacuum >= t.vacuumWalBytes * FORCE_FACTOR) {
    vacuum = 'hot';
    reasons.push('log volume since the last vacuum far over the threshold: vacuum though busy');
  } else if (state.walSinceVacuum >= t.vacuumWalBytes && state.busyShare < t.quietBusyShare) {
    vacuum = 'hot';
    reasons.push('log volume since the last vacuum over the threshold, engine quiet');
  }
  // A vacuum writes log of its own: checkpoint after it whenever it ran.
  const checkpoint = vacuum !== 'none' || state.walSinceCheckpoint >= t.checkpointWalBytes;
  if (checkpoint && state.walSinceCheckpoint >= t.checkpointWalBytes) reasons.push('log volume since the last checkpoint over the threshold');
  return { vacuum, analyze, checkpoint, reasons };
}
