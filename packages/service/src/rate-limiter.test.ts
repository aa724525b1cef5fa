import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('rate limiter', () => {
  it('allows the burst, then refills at the configured rate', () => {
    const limiter = new RateLimiter(10, 3);
    const t = 1_000_000;
    expect([limiter.take('a', 1, t), limiter.take('a', 1, t), limiter.take('a', 1, t)]).toEqual([0, 0, 0]);
    expect(limiter.take('a', 1, t)).toBeGreaterThan(0);
    expect(limiter.take('b', 1, t)).toBe(0);
    expect(limiter.take('a', 1, t + 100)).toBe(0);
  });

  it('tracks at most maxKeys keys: the least recently seen is forgotten and starts with a full bucket', () => {
    const limiter = new RateLimiter(1, 1, 3);
    const t = 1_000_000;
    expect(limiter.take('a', 1, t)).toBe(0);
    expect(limiter.take('a', 1, t)).toBeGreaterThan(0);
    limiter.take('b', 1, t);
    limiter.take('c', 1, t);
    expect(limiter.take('a', 1, t)).toBeGreaterThan(0);
    limiter.take('d', 1, t);
    limiter.take('e', 1, t);
    limiter.take('f', 1, t);
    expect(limiter.take('a', 1, t)).toBe(0);
  });
});
