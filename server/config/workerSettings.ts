import os from 'node:os';
import { ConfigError } from './configError.js';
import type { DatabaseTarget } from './loadConfig.js';

/** KUAIDAI_WORKERS: `auto` or a whole number of processes (validated again below, with the database and channels). */
export const WORKERS_PATTERN = /^(auto|\d{1,3})$/;
const MAX_WORKERS = 64;

/**
 * How many server processes share the port (server/runCluster.ts): unset or 1 → this process serves,
 * as always; N ≥ 2 or `auto` (one per CPU) → a primary forks N workers. Several processes need
 * PostgreSQL (embedded PGlite is one writer: its directory belongs to one process) and no
 * personal-WeChat bot (one logged-in WeChat session, which cannot be shared) and, on the official
 * account, the stable token API (each classic token fetch invalidates the token another process holds).
 */
export function parseWorkerSettings(
  value: string | undefined,
  context: { readonly database: DatabaseTarget; readonly wechatyPuppet: string | undefined; readonly officialAccountTokenApi: 'stable' | 'classic' | undefined },
  availableParallelism: () => number = os.availableParallelism,
): number {
  if (value === undefined) return 1;
  if (!WORKERS_PATTERN.test(value)) throw new ConfigError('KUAIDAI_WORKERS', `must be a number of processes from 1 to ${MAX_WORKERS} (e.g. 2) or auto (one per CPU); got "${value.slice(0, 20)}"`);
  const workers = value === 'auto' ? Math.min(MAX_WORKERS, Math.max(1, availableParallelism())) : Number(value);
  if (workers < 1 || workers > MAX_WORKERS) throw new ConfigError('KUAIDAI_WORKERS', `must be a number of processes from 1 to ${MAX_WORKERS} (e.g. 2) or auto (one per CPU); got ${value}`);
  // `auto` states the intent to run several, whatever this machine's count: refused where several cannot run.
  if (workers === 1 && value !== 'auto') return 1;
  if (context.database.kind === 'pglite') {
    throw new ConfigError(
      'KUAIDAI_WORKERS',
      `is ${value}, but the embedded database (PGlite) can be opened by one process only: several processes need PostgreSQL (DATABASE_URL=postgres://…); leave KUAIDAI_WORKERS unset or 1 for the embedded database`,
    );
  }
  if (context.wechatyPuppet !== undefined) {
    throw new ConfigError(
      'KUAIDAI_WORKERS',
      `is ${value}, but the personal-WeChat bot (WECHATY_PUPPET) is one logged-in WeChat session and must run in exactly one process: run it in an instance of its own with KUAIDAI_WORKERS=1 on the same database`,
    );
  }
  if (context.officialAccountTokenApi === 'classic') {
    throw new ConfigError('KUAIDAI_WORKERS', `is ${value}, but WECHAT_OA_TOKEN_API=classic lets each process's token fetch invalidate the others'; use WECHAT_OA_TOKEN_API=stable (the default) with several processes`);
  }
  return workers;
}

/** The variable that carries the staff command line's token from the primary to its workers. */
const CLI_TOKEN_VARIABLE = 'KUAIDAI_CLUSTER_STAFF_CLI_TOKEN';
/** The variable that tells a worker its place (1…N), kept across restarts (node's worker ids are not). */
const INDEX_VARIABLE = 'KUAIDAI_WORKER_INDEX';

/** What each worker's environment adds: the primary writes the command line's token once, every worker accepts it. */
export function clusterWorkerEnv(staffCliToken: string): Record<string, string> {
  return { [CLI_TOKEN_VARIABLE]: staffCliToken };
}

/** The environment that names a worker's place. */
export function workerIndexEnv(index: number): Record<string, string> {
  return { [INDEX_VARIABLE]: String(index) };
}

/**
 * In a worker (server/runCluster.ts): its place among the workers and the staff command line's token
 * its primary wrote, the token taken out of the environment so nothing the worker starts inherits it.
 * Plumbing between primary and workers, not settings: no operator sets these.
 */
export function workerFromPrimary(env: NodeJS.ProcessEnv = process.env): { readonly index: number; readonly staffCliToken: string | undefined } {
  const token = env[CLI_TOKEN_VARIABLE];
  delete env[CLI_TOKEN_VARIABLE];
  return { index: Number(env[INDEX_VARIABLE] ?? 0), staffCliToken: token };
}
