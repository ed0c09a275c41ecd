import pg from 'pg';

/**
 * A pg pool none of whose connections can end the process. PostgreSQL ends a session with an error
 * message (57P01 when a backend is terminated or the server shuts down), which pg emits as an
 * 'error' event on the connection; an 'error' event nobody listens to is thrown. pg-pool listens
 * only while a connection is idle, and `await pool.connect()` hands a connection over with a gap
 * before its holder can listen: a connection made and terminated in one network read failed there.
 * So every connection gets a listener for its whole life, as it is made: the error is passed to
 * `onError` (the holder, if it wants to know), and the connection, no longer queryable, fails its
 * next query, which is how its holder learns of it otherwise.
 */
export function newPgPool(config: pg.PoolConfig, onError: (client: pg.Client, error: Error) => void = () => {}): pg.Pool {
  const pool = new pg.Pool(config);
  track(pool, config.application_name ?? 'default');
  pool.on('connect', (client) => {
    client.on('error', (error) => onError(client, error));
  });
  // Idle connections' errors: pg-pool drops the connection, then tells the pool.
  pool.on('error', () => {});
  return pool;
}

/** Pools of this process not yet ended, by name (their `application_name`), for the metrics. */
const live = new Map<pg.Pool, string>();

function track(pool: pg.Pool, name: string): void {
  for (const p of live.keys()) if (p.ending || p.ended) live.delete(p);
  live.set(pool, name);
}

/** Connections of this process's open pg pools, summed per pool name (GET /metrics reads it at scrape time). */
export function pgPoolStats(): { name: string; total: number; idle: number; waiting: number }[] {
  const byName = new Map<string, { name: string; total: number; idle: number; waiting: number }>();
  for (const [pool, name] of live) {
    if (pool.ending || pool.ended) {
      live.delete(pool);
      continue;
    }
    const s = byName.get(name) ?? { name, total: 0, idle: 0, waiting: 0 };
    s.total += pool.totalCount;
    s.idle += pool.idleCount;
    s.waiting += pool.waitingCount;
    byName.set(name, s);
  }
  return [...byName.values()];
}
