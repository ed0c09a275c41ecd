import { describe, expect, it } from 'vitest';
import { TokenBucket } from './tokenBucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then the rate', () => {
    const bucket = new TokenBucket(5, 10, 0);
    for (let i = 0; i < 10; i++) expect(bucket.take(0)).toBe(true);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.retryAfterMs(0)).toBe(200);
    expect(bucket.take(199)).toBe(false);
    expect(bucket.take(200)).toBe(true);
    // A second at 5/s gives five more, never more than the burst.
    for (let i = 0; i < 5; i++) expect(bucket.take(1_200)).toBe(true);
    expect(bucket.take(1_200)).toBe(false);
    expect(new TokenBucket(5, 10, 0).retryAfterMs(60_000)).toBe(0);
  });

  it('does not let a clock that goes back mint tokens', () => {
    const bucket = new TokenBucket(1, 1, 1_000);
    expect(bucket.take(1_000)).toBe(true);
    expect(bucket.take(500)).toBe(false);
    expect(bucket.take(1_000)).toBe(false);
    expect(bucket.take(1_500)).toBe(true);
  });
});
