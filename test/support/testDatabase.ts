import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config, type DatabaseTarget } from '../../server/config/index.js';

/**
 * The database tests run against follows DATABASE_URL like the app: unset → embedded PGlite;
 * postgres://… → a fresh database created on that server for each call and dropped afterwards,
 * so test files never share state and CI exercises the PostgreSQL path end to end.
 */
export const testDatabaseKind = (): 'pglite' | 'postgres' => (/^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? 'postgres' : 'pglite');

export interface TestDatabase {
  readonly target: DatabaseTarget;
  /** The DATABASE_URL value that selects this database. */
  readonly url: string;
  drop(): Promise<void>;
}

/** Set by the suite's global setup (test/support/pgliteTemplate.ts): the migrated template in-memory databases start from. */
export const TEMPLATE_ENV = 'KUAIDAI_TEST_PGLITE_TEMPLATE';

let counter = 0;

/**
 * `persistent`: PGlite in a temporary directory rather than in memory. `empty`: an in-memory PGlite
 * that starts as an empty cluster, not from the suite's migrated template (test/support/pgliteTemplate.ts).
 */
export async function createTestDatabase(options: { persistent?: boolean; empty?: boolean } = {}): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (base && testDatabaseKind() === 'postgres') {
    const name = `kd_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      target: { kind: 'postgres', url: url.toString() },
      url: url.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: base });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }
  if (!options.persistent) {
    const template = options.empty ? undefined : process.env[TEMPLATE_ENV];
    return { target: { kind: 'pglite', dataDir: 'memory://', ...(template ? { template } : {}) }, url: 'pglite:memory', drop: async () => {} };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-pglite-'));
  return { target: { kind: 'pglite', dataDir: dir }, url: `pglite:${dir}`, drop: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A test configuration on the given database, silent logs, no real secrets, and the job runner off
 * (JOBS_POLL_MS=0: tests drive the deadline sweep and the jobs by hand; pass JOBS_POLL_MS to start it).
 */
/** The STAFF_API_TOKEN of test servers (testConfig): the service account the staff API's machine clients act as. */
export const TEST_STAFF_TOKEN = 'tst-9fK2xQ7mLp4Rz8Vb1Nc6Wd3Hy5Tg0Js';
/** Headers of a staff API request made as the test service account. */
export const staffAuthHeaders = { authorization: `Bearer ${TEST_STAFF_TOKEN}` };

export function testConfig(database: TestDatabase, env: Record<string, string> = {}): Config {
  const config = loadConfig({ KUAIDAI_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', JOBS_POLL_MS: '0', DATABASE_URL: database.url, STAFF_API_TOKEN: TEST_STAFF_TOKEN, ...env });
  // The template is not part of the URL: carry the test database's own target when it names one.
  return env.DATABASE_URL === undefined && database.target.kind === 'pglite' && database.target.template ? { ...config, database: database.target } : config;
}
