import { LRUCache } from 'lru-cache';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets per key (client IP, site). Keys live only in memory, in a bounded LRU, and are never
 * logged or stored.
 */
export class RateLimiter {
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.#buckets = new LRUCache({ max: 100_000 });
  }

  /** Takes `cost` tokens; returns 0 when allowed, else the seconds until enough tokens are back. */
  take(key: string, cost = 1, now = Date.now()): number {
    if (this.perSecond <= 0) return 0;
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      this.#buckets.set(key, bucket);
      return 0;
    }
    this.#buckets.set(key, bucket);
    return Math.max(1, Math.ceil((cost - bucket.tokens) / this.perSecond));
  }
}
