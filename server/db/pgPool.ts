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
  pool.on('connect', (client) => {
    client.on('error', (error) => onError(client, error));
  });
  // Idle connections' errors: pg-pool drops the connection, then tells the pool.
  pool.on('error', () => {});
  return pool;
}
