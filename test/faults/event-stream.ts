import { setTimeout as sleep } from 'node:timers/promises';
import { BROWSER_UA } from '../helpers.ts';

export interface EventStreamOptions {
  collectorUrl: string;
  site: string;
  /** Keep sending until the collector has acknowledged this many events. */
  target: number;
  batchSize?: number;
  concurrency?: number;
  /** Events per second over all lanes; 0 sends as fast as the collector answers. */
  ratePerSecond?: number;
}

const UNSENT = 0;
const SENT = 1;
const ACKED = 2;

/**
 * A steady stream of page views and custom events, each carrying a unique `seq` prop, sent to the collector the
 * way trackers send them: batches from many visitors (client addresses in documentation ranges, passed through a
 * trusted proxy header). Every event's fate is recorded: acknowledged (202), or sent without an acknowledgement
 * (an error, a refused connection, a 503). A failed batch is never resent: its events keep their status, so the
 * oracle can tell an unacknowledged event that arrived anyway from one that was lost.
 */
export class EventStream {
  readonly #status: Uint8Array;
  #nextSeq = 0;
  acked = 0;
  failedRequests = 0;
  readonly options: Required<EventStreamOptions>;

  constructor(options: EventStreamOptions) {
    this.options = { batchSize: 50, concurrency: 8, ratePerSecond: 0, ...options };
    this.#status = new Uint8Array(options.target * 4);
  }

  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.concurrency }, (_, lane) => this.#lane(lane)));
  }

  get sent(): number {
    return this.#nextSeq;
  }

  statusOf(seq: number): 'unsent' | 'sent' | 'acked' {
    const status = this.#status[seq] ?? UNSENT;
    return status === ACKED ? 'acked' : status === SENT ? 'sent' : 'unsent';
  }

  async #lane(lane: number): Promise<void> {
    let visitor = lane;
    const { ratePerSecond, batchSize, concurrency } = this.options;
    const interval = ratePerSecond > 0 ? (batchSize * concurrency * 1000) / ratePerSecond : 0;
    let next = Date.now() + (interval * lane) / concurrency;
    while (this.acked < this.options.target) {
      if (interval > 0) {
        await sleep(Math.max(0, next - Date.now()));
        next += interval;
      }
      const first = this.#nextSeq;
      const count = this.options.batchSize;
      if (first + count > this.#status.length)
        throw new Error('too many failed sends: the collector is not taking events');
      this.#nextSeq += count;
      this.#status.fill(SENT, first, first + count);
      visitor = (visitor + 7) % 765;
      const ok = await this.#send(first, count, visitor);
      if (!ok) {
        this.failedRequests++;
        await sleep(100);
      }
    }
  }

  async #send(first: number, count: number, visitor: number): Promise<boolean> {
    const { site, collectorUrl } = this.options;
    const events = Array.from({ length: count }, (_, i) => {
      const seq = first + i;
      if (seq % 10 === 9) {
        return {
          type: 'custom',
          name: 'signup',
          url: `https://${site}/pricing`,
          props: { seq: String(seq), plan: 'pro' },
        };
      }
      return {
        type: 'pageview',
        url: `https://${site}/p/${seq % 40}`,
        ...(i === 0 && visitor % 3 === 0 ? { referrer: 'https://www.google.com/' } : {}),
        props: { seq: String(seq) },
      };
    });
    // 765 visitors: one address each in the three documentation ranges (RFC 5737).
    const prefix = ['192.0.2', '198.51.100', '203.0.113'][visitor % 3];
    const address = `${prefix}.${1 + Math.floor(visitor / 3)}`;
    try {
      const response = await fetch(`${collectorUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, 'x-forwarded-for': address },
        body: JSON.stringify({ site, events }),
        signal: AbortSignal.timeout(20_000),
      });
      const body = (await response.json()) as { accepted?: number; rejected?: { index: number }[]; dropped?: unknown };
      if (response.status !== 202 || body.dropped) return false;
      const rejected = new Set((body.rejected ?? []).map((r) => r.index));
      for (let i = 0; i < count; i++) {
        if (rejected.has(i)) continue;
        this.#status[first + i] = ACKED;
        this.acked++;
      }
      return true;
    } catch {
      return false;
    }
  }
}
