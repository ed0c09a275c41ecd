import { describe, expect, it } from 'vitest';
import { LoopSlicer } from './loopSlicer.js';

/** A loop driven by hand: `defer` queues for the next check phase; `iterate()` runs one. */
function manualLoop() {
  let next: (() => void)[] = [];
  let clock = 0;
  return {
    defer: (fn: () => void) => void next.push(fn),
    now: () => clock,
    spend: (ms: number) => void (clock += ms),
    iterate() {
      const phase = next;
      next = [];
      for (const fn of phase) fn();
    },
    get pending() {
      return next.length;
    },
  };
}

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('LoopSlicer', () => {
  it('runs queued work in order, at most a slice of it per loop iteration', () => {
    const loop = manualLoop();
    const slicer = new LoopSlicer({ sliceMs: 1, now: loop.now, defer: loop.defer });
    const ran: number[] = [];
    for (let i = 0; i < 7; i++)
      slicer.run(() => {
        ran.push(i);
        loop.spend(0.4);
      });
    const perIteration: number[] = [];
    while (slicer.waiting > 0) {
      const before = ran.length;
      loop.iterate();
      perIteration.push(ran.length - before);
    }
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // 0.4 ms a piece: starts at 0, 0.4 and 0.8 ms fit a 1 ms slice; the fourth waits for the next iteration.
    expect(perIteration).toEqual([3, 3, 1]);
  });

  it('work queued while a slice runs waits behind what was queued before it', () => {
    const loop = manualLoop();
    const slicer = new LoopSlicer({ sliceMs: 1, now: loop.now, defer: loop.defer });
    const ran: string[] = [];
    slicer.run(() => {
      ran.push('a');
      slicer.run(() => ran.push('c'));
    });
    slicer.run(() => ran.push('b'));
    while (loop.pending > 0) loop.iterate();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('on the real loop: what a piece resumes runs before the next piece, and timers and I/O run between slices', async () => {
    const slicer = new LoopSlicer({ sliceMs: 1 });
    const log: string[] = [];
    let ranWhenTimerFired = -1;
    let ran = 0;
    setTimeout(() => (ranWhenTimerFired = ran), 0);
    const pieces = Array.from({ length: 40 }, (_, i) =>
      slicer.turn().then(() => {
        log.push(`resumed ${i}`);
        spin(0.5);
        ran++;
        return Promise.resolve().then(() => log.push(`continued ${i}`));
      }),
    );
    await Promise.all(pieces);
    expect(log.slice(0, 4)).toEqual(['resumed 0', 'continued 0', 'resumed 1', 'continued 1']);
    // 40 pieces of 0.5 ms back to back would hold the loop 20 ms; the timer fired between slices.
    expect(ranWhenTimerFired).toBeGreaterThan(0);
    expect(ranWhenTimerFired).toBeLessThan(40);
  });
});
