import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './slidingWindowLimiter.js';

describe('SlidingWindowLimiter', () => {
  it('gives 20 slots a minute per robot; the 21st waits for the first to leave the window', () => {
    const limiter = new SlidingWindowLimiter();
    const t0 = 1_000_000;
    for (let i = 0; i < 20; i++) expect(limiter.reserve('branch', t0 + i * 100, 60_000)).toEqual({ ok: true, at: t0 + i * 100, waitMs: 0 });
    expect(limiter.reserve('branch', t0 + 2_000, 60_000)).toEqual({ ok: true, at: t0 + 60_000, waitMs: 58_000 });
    // Another robot has its own allowance.
    expect(limiter.reserve('hq', t0 + 2_000, 60_000)).toEqual({ ok: true, at: t0 + 2_000, waitMs: 0 });
  });

  it('refuses a slot further away than the caller will wait, and says when to come back', () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1_000 });
    expect(limiter.reserve('r', 0, 0).ok).toBe(true);
    expect(limiter.reserve('r', 0, 0).ok).toBe(true);
    expect(limiter.reserve('r', 0, 0)).toEqual({ ok: false, retryAfterMs: 1_000 });
    expect(limiter.reserve('r', 0, 500)).toEqual({ ok: false, retryAfterMs: 1_000 });
    // A refusal takes no slot.
    expect(limiter.reserve('r', 1_000, 0)).toEqual({ ok: true, at: 1_000, waitMs: 0 });
  });

  it('pauses a robot WeCom said is over its limit', () => {
    const limiter = new SlidingWindowLimiter();
    limiter.pause('r', 5_000);
    expect(limiter.reserve('r', 1_000, 60_000)).toEqual({ ok: true, at: 5_000, waitMs: 4_000 });
    expect(limiter.nextSlot('r', 1_000)).toBe(5_000);
  });

  it('never lets a window hold more than the limit, in first-come order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(5_000), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 5 }), (gaps, limit) => {
        const limiter = new SlidingWindowLimiter({ limit, windowMs: 1_000 });
        let now = 0;
        const slots: number[] = [];
        for (const gap of gaps) {
          now += gap % 300;
          const r = limiter.reserve('k', now, Number.POSITIVE_INFINITY);
          if (r.ok) slots.push(r.at);
        }
        for (let i = 1; i < slots.length; i++) expect(slots[i]!).toBeGreaterThanOrEqual(slots[i - 1]!);
        for (let i = limit; i < slots.length; i++) expect(slots[i]! - slots[i - limit]!).toBeGreaterThanOrEqual(1_000);
      }),
    );
  });
});
