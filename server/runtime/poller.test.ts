import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutageBackoff, Poller } from './poller.js';

function capturingLogger() {
  const lines: { level: number; msg: string; code?: string; reason?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });

afterEach(() => vi.useRealTimers());

describe('Poller', () => {
  it('backs off while runs fail (doubling up to the cap), logs the outage once and the recovery once', async () => {
    vi.useFakeTimers();
    const { logger, lines } = capturingLogger();
    const runs: number[] = [];
    let failuresLeft = 6;
    const poller = new Poller(
      async () => {
        runs.push(Date.now());
        if (failuresLeft-- > 0) throw refused();
      },
      { what: 'test poll', logger, maxBackoffMs: 800 },
      100,
    );
    const t0 = Date.now();
    poller.start();
    await vi.advanceTimersByTimeAsync(5_000);
    await poller.stop();

    const gaps = runs.slice(1).map((t, i) => t - runs[i]!);
    // Six failures: 100, 200, 400, 800, 800, 800; then the poll interval again.
    expect(runs[0]).toBe(t0);
    expect(gaps.slice(0, 7)).toEqual([100, 200, 400, 800, 800, 800, 100]);
    const messages = lines.map((l) => [l.level, l.msg]);
    expect(messages.filter(([, m]) => String(m).startsWith('test poll failed'))).toHaveLength(1);
    expect(lines.find((l) => String(l.msg).startsWith('test poll failed'))).toMatchObject({ level: 40, code: 'DB_UNAVAILABLE', reason: 'connection refused' });
    expect(messages.filter(([, m]) => m === 'test poll recovered')).toEqual([[30, 'test poll recovered']]);
  });

  it('logs a failure that is no database fault at error level, with its stack', async () => {
    vi.useFakeTimers();
    const { logger, lines } = capturingLogger();
    const poller = new Poller(() => Promise.reject(new Error('a bug')), { what: 'buggy poll', logger, maxBackoffMs: 1_000 }, 100);
    poller.start();
    await vi.advanceTimersByTimeAsync(3_000);
    await poller.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'buggy poll failed; retrying with backoff until it recovers' });
  });

  it('stops: no run after stop(), and stop waits for the run under way', async () => {
    const { logger } = capturingLogger();
    let running = 0;
    let finished = 0;
    const poller = new Poller(
      async () => {
        running++;
        await new Promise((r) => setTimeout(r, 30));
        finished++;
      },
      { what: 'slow poll', logger, maxBackoffMs: 1_000 },
      5,
    );
    poller.start();
    await new Promise((r) => setTimeout(r, 10));
    await poller.stop();
    expect(finished).toBe(running);
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toBe(running);
  });
});

describe('OutageBackoff', () => {
  it('is not ended by an attempt that began before the outage: one failure line and one recovery line per outage', async () => {
    const { logger, lines } = capturingLogger();
    const backoff = new OutageBackoff({ what: 'job runner', logger, baseMs: 100, maxMs: 1_000 });
    const startedBefore = Date.now() - 1_000;
    backoff.failed(refused());
    // A job fetched before the database went away finishes: that proves nothing of its return.
    backoff.succeeded(startedBefore);
    expect(backoff.failing).toBe(1);
    backoff.failed(refused());
    await new Promise((r) => setTimeout(r, 5));
    backoff.succeeded(Date.now());
    expect(backoff.failing).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.msg)).toEqual(['job runner failed: database unavailable; retrying with backoff until it recovers', 'job runner recovered']);
  });
});
