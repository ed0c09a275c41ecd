import { afterEach, describe, expect, it, vi } from 'vitest';
import { manualClock } from '../clock.js';
import { createLogger } from '../logging/index.js';
import { DEADLINE_SWEEP_QUEUE, DeadlineSweep } from './deadlineSweep.js';
import type { JobRunner } from './jobRunner.js';
import type { Scheduler } from './scheduler.js';

afterEach(() => void vi.useRealTimers());

/** A job runner and scheduler whose database is down while `db.down` is set. */
function fakes() {
  const db = { down: true, running: true };
  const sends: { queue: string; singletonKey: string | undefined }[] = [];
  let attempts = 0;
  const runner = {
    get running() {
      return db.running;
    },
    async send(queue: string, _data: unknown, options: { singletonKey?: string } = {}) {
      attempts++;
      if (db.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      sends.push({ queue, singletonKey: options.singletonKey });
      return 'job-1';
    },
  } as unknown as JobRunner;
  const scheduler = {
    async runDue() {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    },
  } as unknown as Scheduler;
  const sweep = new DeadlineSweep({ runner, scheduler, clock: manualClock(new Date('2026-12-06T08:00:00Z')), logger: createLogger('silent'), minGapMs: 500 });
  return { db, sends, sweep, attempts: () => attempts };
}

describe('DeadlineSweep after a sweep the database failed under', () => {
  it('queues a sweep itself as soon as the database takes one (backing off 0.5 s, 1 s, 2 s …), once, not one loop per failure', async () => {
    vi.useFakeTimers();
    const { db, sends, sweep, attempts } = fakes();
    await expect(sweep.sweep()).rejects.toThrow('ECONNREFUSED');
    // pg-boss retrying the sweep while the loop runs adds no second loop.
    await expect(sweep.sweep()).rejects.toThrow('ECONNREFUSED');
    await vi.advanceTimersByTimeAsync(499);
    expect(attempts()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(attempts()).toBe(2);
    db.down = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sends).toEqual([{ queue: DEADLINE_SWEEP_QUEUE, singletonKey: 'wake' }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts()).toBe(3);
  });

  it('stops trying when the job runner stops', async () => {
    vi.useFakeTimers();
    const { db, sweep, attempts } = fakes();
    await expect(sweep.sweep()).rejects.toThrow('ECONNREFUSED');
    await vi.advanceTimersByTimeAsync(500);
    expect(attempts()).toBe(1);
    db.running = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
