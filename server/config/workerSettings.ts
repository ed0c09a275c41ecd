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
