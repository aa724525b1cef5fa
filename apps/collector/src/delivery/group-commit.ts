import type { LogProducer, OutgoingMessage } from '@tern/stream';

/**
 * The log did not take the events: the queue is full, or the acknowledgement did not come in time. Answered as
 * 503 with Retry-After, never 202. (After a timeout the write may still complete; the client cannot know.)
 */
export class BackpressureError extends Error {
  override readonly name = 'BackpressureError';
}

/** Values longer than this are handed on as Buffers (see GroupCommitter.#offHeap); Node pools smaller ones. */
export const OFF_HEAP_MIN_CHARS = 4096;

/** A message for the committer; `packGroup` keeps messages apart that must not share one (events of two months). */
export interface CommitMessage extends OutgoingMessage {
  packGroup?: string;
}

/** How messages bound for one partition are merged into one. */
export interface MessageMerge {
  join(values: string[]): string;
  /** A merged message's bound in characters (a UTF-16 character is at most 3 bytes: keep 3× under the broker's). */
  maxChars: number;
  /**
   * Larger messages go as they are: merging pays for many small records, and copying large ones into a larger
   * string cost more than it saved (a call of 20-event requests spent 9% of the collector's time joining).
   */
  maxMergedMessageChars: number;
}

interface Pending {
  messages: CommitMessage[];
  /** Events the messages carry: what the queue bounds count (a message holds a request's events). */
  events: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Merging {
  /** The first message's key: the producer's partitioner sends the merged message where that key goes. */
  key: string;
  group: string | undefined;
  values: string[];
  chars: number;
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
      /** Merge each call's messages per partition: a Kafka record costs kafkajs far more than its bytes. */
      merge?: MessageMerge;
    },
  ) {}

  /** Events waiting or being written: the collector's queue depth. */
  get depth(): number {
    return this.#queuedEvents + this.#inFlightEvents;
  }

  /**
   * `events`: how many events the messages carry (one per message unless said). The committer owns the messages
   * from here on: it may replace a value by its UTF-8 bytes.
   */
  send(messages: CommitMessage[], events = messages.length): Promise<void> {
    if (this.depth + events > this.options.maxQueuedEvents) {
      return Promise.reject(new BackpressureError('delivery queue is full'));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ messages: this.#offHeap(messages), events, resolve, reject });
      this.#queuedEvents += events;
      if (this.#queuedEvents >= this.options.maxBatchEvents) this.#pump();
      else this.#timer ??= setTimeout(() => this.#pump(), this.options.lingerMs);
    });
  }

  /**
   * Messages that will not be merged, encoded now rather than in the producer, in place: a request waits for its
   * acknowledgement long enough for the young generation to be collected a few times, the scavenger copies every
   * string still held, and the caller's prepared batch holds these messages while it waits. A Buffer's bytes lie
   * outside the heap. In a 10-second run of 20-event requests the scavenges took 0.92 s, against 1.81-1.91 s
   * before (bench/README.md). Smaller values stay strings: they may be merged, and a small Buffer would hold a slab of
   * Node's pool.
   */
  #offHeap(messages: CommitMessage[]): CommitMessage[] {
    const from = Math.max(OFF_HEAP_MIN_CHARS, this.options.merge?.maxMergedMessageChars ?? 0);
    for (const message of messages) {
      if (typeof message.value === 'string' && message.value.length > from) message.value = Buffer.from(message.value);
    }
    return messages;
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
      .send(this.topic, this.#merged(batch.flatMap((pending) => pending.messages)))
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

  /**
   * The call's messages with those bound for one partition merged, in order: a partition's messages go into its
   * open merge until one does not fit, belongs to another pack group, or cannot be merged (then the next starts a
   * new one), so every partition receives what it would have, in the same order, in fewer records. Before the
   * producer knows the topic's partitions (its first send), messages go as they are.
   */
  #merged(messages: CommitMessage[]): OutgoingMessage[] {
    const merge = this.options.merge;
    if (!merge || messages.length < 2) return messages;
    const out: Array<OutgoingMessage | Merging> = [];
    const open = new Map<number, Merging>();
    for (const message of messages) {
      const partition = this.producer.partitionOf(this.topic, message.key);
      if (
        partition === undefined ||
        typeof message.value !== 'string' ||
        message.value.length > merge.maxMergedMessageChars ||
        message.headers
      ) {
        if (partition !== undefined) open.delete(partition);
        out.push(message);
        continue;
      }
      let merging = open.get(partition);
      if (!merging || merging.group !== message.packGroup || merging.chars + message.value.length > merge.maxChars) {
        merging = { key: message.key, group: message.packGroup, values: [], chars: 0 };
        open.set(partition, merging);
        out.push(merging);
      }
      merging.values.push(message.value);
      merging.chars += message.value.length + 1;
    }
    return out.map((item) =>
      'values' in item
        ? { key: item.key, value: item.values.length === 1 ? (item.values[0] as string) : merge.join(item.values) }
        : item,
    );
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
