import type { LogProducer, OutgoingMessage } from '@tern/stream';

/**
 * The log did not take the events: the queue is full, or the acknowledgement did not come in time. Answered as
 * 503 with Retry-After, never 202. (After a timeout the write may still complete; the client cannot know.)
 */
export class BackpressureError extends Error {
  override readonly name = 'BackpressureError';
}

/** Rejects with BackpressureError when `write` has not settled within `ms`. */
export function withDeadline<T>(write: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackpressureError(`no acknowledgement within ${ms} ms`)), ms);
  });
  return Promise.race([write, deadline]).finally(() => clearTimeout(timer));
}

interface Pending {
  messages: OutgoingMessage[];
  /** Events the messages carry: what the queue bounds count (a message holds a request's events). */
  events: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * kafkajs has no producer linger, so the collector batches itself (group commit): at most `maxInFlight` produce
 * calls are outstanding; requests that arrive meanwhile queue up and leave together in the next call. Under light
 * load a request waits at most `lingerMs` to share a call; under heavy load calls grow instead of multiplying,
 * which is where kafkajs is fast (measured: 56k messages/s with 4 sends of 1,000 in flight, 16k/s with 50 sends
 * of 20). Each caller's promise settles when the call that carried its messages is acknowledged. Bounds count
 * events, not messages.
 */
export class GroupCommitter {
  #queue: Pending[] = [];
  #queuedEvents = 0;
  #inFlightEvents = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly producer: LogProducer,
    private readonly topic: string,
    private readonly options: {
      lingerMs: number;
      maxBatchEvents: number;
      maxQueuedEvents: number;
      maxInFlight: number;
    },
  ) {}

  /** Events waiting or being written: the collector's queue depth. */
  get depth(): number {
    return this.#queuedEvents + this.#inFlightEvents;
  }

  /** `events`: how many events the messages carry (one per message unless said). */
  send(messages: OutgoingMessage[], events = messages.length): Promise<void> {
    if (this.depth + events > this.options.maxQueuedEvents) {
      return Promise.reject(new BackpressureError('delivery queue is full'));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ messages, events, resolve, reject });
      this.#queuedEvents += events;
      if (this.#queuedEvents >= this.options.maxBatchEvents) this.#pump();
      else this.#timer ??= setTimeout(() => this.#pump(), this.options.lingerMs);
    });
  }

  /** Starts produce calls while there is something queued and room in flight. */
  #pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0 && this.#inFlight.size < this.options.maxInFlight) this.#write(this.#take());
  }

  /** Whole requests from the head of the queue, up to maxBatchEvents (at least one request). */
  #take(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Pending;
      if (batch.length > 0 && count + next.events > this.options.maxBatchEvents) break;
      batch.push(next);
      count += next.events;
      this.#queue.shift();
    }
    this.#queuedEvents -= count;
    return batch;
  }

  #write(batch: Pending[]): void {
    const count = batch.reduce((n, p) => n + p.events, 0);
    this.#inFlightEvents += count;
    const write: Promise<void> = this.producer
      .send(
        this.topic,
        batch.flatMap((pending) => pending.messages),
      )
      .then(
        () => {
          for (const pending of batch) pending.resolve();
        },
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      )
      .finally(() => {
        this.#inFlightEvents -= count;
        this.#inFlight.delete(write);
        // What queued while this call was out leaves now, as one larger call.
        if (this.#queue.length > 0) this.#pump();
      });
    this.#inFlight.add(write);
  }

  /** Writes everything queued and waits for every write in flight (graceful shutdown). */
  async drain(): Promise<void> {
    this.#pump();
    while (this.#inFlight.size > 0 || this.#queue.length > 0) {
      await Promise.allSettled([...this.#inFlight]);
      this.#pump();
    }
  }
}
