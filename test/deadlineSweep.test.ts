import { afterAll, describe, expect, it } from 'vitest';
import { bootServer, type Server } from '../server/boot.js';
import { createLogger } from '../server/logging/index.js';
import { createEchoSpec } from './support/echoConversation.js';
import { createTestDatabase, testConfig, testDatabaseKind, type TestDatabase } from './support/testDatabase.js';

/**
 * The deadline.sweep queue keeps due-at rows punctual without polling every second: after a sweep the
 * next one is queued for the next due row (not the minute's heartbeat), and a deadline written sooner
 * than the queued sweep (as a turn's is) brings it forward.
 */
const logger = createLogger('silent');
let database: TestDatabase | undefined;
let server: Server | undefined;
afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

describe(`deadline sweep on the job runner, ${testDatabaseKind()}`, () => {
  it('fires a row at its due time, seconds after the last sweep, and a sooner row written later before it', async () => {
    database = await createTestDatabase();
    server = await bootServer(testConfig(database, { JOBS_POLL_MS: '500' }), logger, { spec: createEchoSpec({ lookupMs: 1 }) });
    await server.app.ready();
    const { scheduler, deadlines } = server.conversations!;
    const fired: { key: string; at: number }[] = [];
    scheduler.register('test.due', async (job) => void fired.push({ key: job.key, at: Date.now() }));
    // Let the start-up sweep finish and plan (nothing of ours is due yet).
    await new Promise((r) => setTimeout(r, 1_500));

    // A row due in 4 s; a sweep now plans the next one for then, not for the heartbeat up to 60 s away.
    const first = Date.now() + 4_000;
    await scheduler.schedule({ kind: 'test.due', key: 'first', dueAt: new Date(first), payload: {} });
    await deadlines.wake();
    // A sooner row written afterwards, as a turn writes its deadline and tells the sweep.
    const second = Date.now() + 2_000;
    await scheduler.schedule({ kind: 'test.due', key: 'second', dueAt: new Date(second), payload: {} });
    await deadlines.deadlinesWritten([new Date(second)]);

    await expect.poll(() => fired.length, { timeout: 15_000, interval: 100 }).toBe(2);
    expect(fired.map((f) => f.key)).toEqual(['second', 'first']);
    const [s, f] = [fired[0]!, fired[1]!];
    expect(s.at).toBeGreaterThanOrEqual(second);
    expect(s.at - second).toBeLessThan(3_000);
    expect(f.at).toBeGreaterThanOrEqual(first);
    expect(f.at - first).toBeLessThan(3_000);
  }, 60_000);
});
