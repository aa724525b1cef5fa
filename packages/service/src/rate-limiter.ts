import { LRUCache } from 'lru-cache';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface Rate {
  perSecond: number;
  burst: number;
}

/**
 * Token buckets per key (a client IP or a site in the collector, an API token in the web app). Keys live only in
 * memory, in a bounded LRU, and are never logged or stored.
 */
export class RateLimiter {
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    /** Keys tracked at most; the least recently seen go first, and start again with a full bucket. */
    maxKeys = 100_000,
  ) {
    // Bounded by maxSize (one unit a key), not max: with max, lru-cache allocates the slots of every key up front,
    // 2.4 MB a limiter at the default bound, for limits that are often off or see a few hundred clients. The
    // collector has two limiters per thread (bench/README.md, session 12).
    this.#buckets = new LRUCache({ maxSize: maxKeys, sizeCalculation: () => 1 });
  }

  /**
   * Takes `cost` tokens; returns 0 when allowed, else the seconds until enough tokens are back. `rate` overrides
   * the limiter's own for keys that carry their own limit (API tokens).
   */
  take(key: string, cost = 1, now = Date.now(), rate: Rate = { perSecond: this.perSecond, burst: this.burst }): number {
    const { perSecond, burst } = rate;
    if (perSecond <= 0) return 0;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, updatedAt: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      this.#buckets.set(key, bucket);
      return 0;
    }
    this.#buckets.set(key, bucket);
    return Math.max(1, Math.ceil((cost - bucket.tokens) / perSecond));
  }
}
