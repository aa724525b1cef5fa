import { randomBytes } from 'node:crypto';
import { decodeEventMessage, type EnrichedEvent } from '@tern/events';
import type { EventLog, LogConsumer } from '@tern/stream';
import type { Logger } from 'pino';

/** What a dashboard sees of an event: no visitor or session id, nothing that identifies a person. */
export interface LiveEvent {
  type: EnrichedEvent['type'];
  name: string;
  timestamp: number;
  hostname: string;
  pathname: string;
  source: string;
  referrerHost: string;
  country: string;
  region: string;
  city: string;
  browser: string;
  os: string;
  device: string;
  props: Record<string, string>;
}

/**
 * A bounded queue per browser: when a reader falls behind by `capacity` events, the oldest are dropped and
 * counted, so one slow browser holds up neither the feed nor anyone else.
 */
export class LiveSubscription {
  readonly #queue: LiveEvent[] = [];
  #dropped = 0;
  #wake: (() => void) | undefined;
  closed = false;

  constructor(
    readonly site: string,
    private readonly capacity: number,
    private readonly onClose: (subscription: LiveSubscription) => void,
  ) {}

  push(event: LiveEvent): void {
    if (this.closed) return;
    if (this.#queue.length >= this.capacity) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#queue.push(event);
    this.#wake?.();
  }

  /** Waits up to `timeoutMs` for events; returns what is queued (maybe nothing) and how many were dropped. */
  async take(timeoutMs: number): Promise<{ events: LiveEvent[]; dropped: number }> {
    if (this.#queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    const events = this.#queue.splice(0, this.#queue.length);
    const dropped = this.#dropped;
    this.#dropped = 0;
    return { events, dropped };
  }

  get queued(): number {
    return this.#queue.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#wake?.();
    this.onClose(this);
  }
}

/**
 * The live event feed: a consumer group of its own per web process on the events topic (publish-subscribe beside
 * ingest's shared group), from the newest offset, fanned out to the browsers watching each site. It starts with the
 * first subscriber.
 */
export class LiveFeed {
  readonly #bySite = new Map<string, Set<LiveSubscription>>();
  #consumer: LogConsumer | undefined;
  #starting: Promise<void> | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly topic: string,
    private readonly groupPrefix: string,
    private readonly capacity: number,
    private readonly logger: Logger,
  ) {}

  async subscribe(site: string): Promise<LiveSubscription> {
    await this.#start();
    const subscription = new LiveSubscription(site, this.capacity, (s) => this.#bySite.get(s.site)?.delete(s));
    const set = this.#bySite.get(site) ?? new Set();
    set.add(subscription);
    this.#bySite.set(site, set);
    return subscription;
  }

  get subscribers(): number {
    let count = 0;
    for (const set of this.#bySite.values()) count += set.size;
    return count;
  }

  #start(): Promise<void> {
    this.#starting ??= (async () => {
      let assigned: () => void = () => {};
      const ready = new Promise<void>((resolve) => {
        assigned = resolve;
      });
      const consumer = this.log.consumer({
        groupId: `${this.groupPrefix}.${randomBytes(6).toString('hex')}`,
        topics: [this.topic],
        fromBeginning: false,
        onAssigned: () => assigned(),
      });
      this.#consumer = consumer;
      await consumer.run(async (batch) => this.#deliver(batch.messages));
      // Events published before the group holds its partitions would be skipped: subscribers wait for it.
      await ready;
      this.logger.info({ topic: this.topic }, 'live feed consuming');
    })().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  #deliver(messages: Array<{ value: Buffer | null }>): void {
    if (this.#bySite.size === 0) return;
    for (const message of messages) {
      if (!message.value) continue;
      // A message holds a request's events; a bad line is dead-lettered by ingest, and the live view skips it.
      for (const line of decodeEventMessage(message.value.toString('utf8'))) if (line.ok) this.#push(line.value);
    }
  }

  #push(event: EnrichedEvent): void {
    const watchers = this.#bySite.get(event.siteId);
    if (!watchers || watchers.size === 0) return;
    const live = toLiveEvent(event);
    for (const watcher of watchers) watcher.push(live);
  }

  async stop(): Promise<void> {
    for (const set of this.#bySite.values()) for (const s of [...set]) s.close();
    await this.#consumer?.stop().catch((error: unknown) => this.logger.warn({ err: error }, 'live feed stop failed'));
  }
}

function toLiveEvent(e: EnrichedEvent): LiveEvent {
  return {
    type: e.type,
    name: e.name,
    timestamp: e.timestamp,
    hostname: e.hostname,
    pathname: e.pathname,
    source: e.source,
    referrerHost: e.referrerHost,
    country: e.country,
    region: e.region,
    city: e.city,
    browser: e.browser,
    os: e.os,
    device: e.device,
    props: e.props,
  };
}
