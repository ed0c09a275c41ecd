import { describe, expect, it } from 'vitest';
import { AccessTokenCache, type FetchedToken } from './accessTokenCache.js';
import { PassiveReplies } from './passiveReplies.js';

describe('AccessTokenCache', () => {
  function setup(expiresInSec = 7200) {
    let now = 0;
    let fetches = 0;
    let release: (() => void) | undefined;
    const cache = new AccessTokenCache(
      () =>
        new Promise<FetchedToken>((resolve) => {
          const n = ++fetches;
          release = () => resolve({ token: `t${n}`, expiresInSec });
        }),
      () => now,
    );
    return { cache, advance: (ms: number) => (now += ms), fetches: () => fetches, release: () => release?.() };
  }

  it('fetches once for any number of concurrent callers', async () => {
    const s = setup();
    const all = Promise.all(Array.from({ length: 10 }, () => s.cache.get()));
    s.release();
    expect(await all).toEqual(Array(10).fill('t1'));
    expect(s.fetches()).toBe(1);
  });

  it('keeps the token until five minutes before it expires', async () => {
    const s = setup();
    const first = s.cache.get();
    s.release();
    await first;
    s.advance((7200 - 301) * 1000);
    expect(await s.cache.get()).toBe('t1');
    s.advance(2_000);
    const second = s.cache.get();
    s.release();
    expect(await second).toBe('t2');
  });

  it('uses half the lifetime as the margin for a short-lived token', async () => {
    const s = setup(400);
    const first = s.cache.get();
    s.release();
    await first;
    s.advance(199_000);
    expect(await s.cache.get()).toBe('t1');
    s.advance(2_000);
    const next = s.cache.get();
    s.release();
    expect(await next).toBe('t2');
  });

  it('forgets a refused token, but not a newer one', async () => {
    const s = setup();
    const first = s.cache.get();
    s.release();
    await first;
    s.cache.invalidate('t1');
    const second = s.cache.get();
    s.release();
    expect(await second).toBe('t2');
    s.cache.invalidate('t1');
    expect(await s.cache.get()).toBe('t2');
    expect(s.fetches()).toBe(2);
  });

  it('lets the next caller try again after a failed fetch', async () => {
    let calls = 0;
    const cache = new AccessTokenCache(async () => {
      if (++calls === 1) throw new Error('errcode 40164 invalid ip');
      return { token: 'ok', expiresInSec: 7200 };
    });
    await expect(cache.get()).rejects.toThrow(/40164/);
    expect(await cache.get()).toBe('ok');
  });
});

describe('PassiveReplies', () => {
  it('holds the sender until the window closes, then reports the replies the route claimed', async () => {
    const passive = new PassiveReplies();
    const window = passive.begin('o1');
    let settled: string | undefined;
    const claimedOne = passive.settle('o1', 'r1').then((s) => (settled = s));
    const other = passive.settle('o1', 'r2');
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBeUndefined();
    expect(window.claim(['r1'])).toBe(true);
    window.close();
    expect(await claimedOne).toBe('passive');
    expect(await other).toBe('send');
    // A claim is used once; someone else's window does not hold this person's replies.
    expect(await passive.settle('o1', 'r1')).toBe('send');
    passive.begin('o2');
    expect(await passive.settle('o1', 'r3')).toBe('send');
  });

  it('closes a forgotten window by itself, after which nothing can be claimed', async () => {
    const passive = new PassiveReplies({ maxHoldMs: 20 });
    const window = passive.begin('o1');
    expect(await passive.settle('o1', 'r1')).toBe('send');
    expect(window.claim(['r1'])).toBe(false);
  });
});
