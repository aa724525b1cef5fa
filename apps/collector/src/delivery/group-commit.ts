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
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * kafkajs has no producer linger, so requests that arrive within `lingerMs` share one produce call (group
 * commit). Each caller's promise settles when the write that carried its messages is acknowledged.
 */
export class GroupCommitter {
  #queue: Pending[] = [];
  #queuedMessages = 0;
  #inFlightMessages = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly producer: LogProducer,
    private readonly topic: string,
    private readonly options: { lingerMs: number; maxBatchMessages: number; maxQueuedMessages: number },
  ) {}

  /** Messages waiting or being written: the collector's queue depth. */
  get depth(): number {
    return this.#queuedMessages + this.#inFlightMessages;
  }

  send(messages: OutgoingMessage[]): Promise<void> {
    if (this.depth + messages.length > this.options.maxQueuedMessages) {
      return Promise.reject(new BackpressureError('delivery queue is full'));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ messages, resolve, reject });
      this.#queuedMessages += messages.length;
      if (this.#queuedMessages >= this.options.maxBatchMessages) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.options.lingerMs);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    if (batch.length === 0) return;
    const count = this.#queuedMessages;
    this.#queue = [];
    this.#queuedMessages = 0;
    this.#inFlightMessages += count;
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
        this.#inFlightMessages -= count;
        this.#inFlight.delete(write);
      });
    this.#inFlight.add(write);
  }

  /** Writes everything queued and waits for every write in flight (graceful shutdown). */
  async drain(): Promise<void> {
    this.#flush();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
