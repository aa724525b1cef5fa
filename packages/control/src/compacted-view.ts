import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventLog, LogConsumer } from '@tern/stream';
import type { z } from 'zod';

/**
 * The latest value per key of a compacted topic, kept in memory and updated as records arrive (the way
 * Kafka Streams materialises a KTable, or Schema Registry reads its _schemas topic). Every process that
 * needs the data reads the whole topic at start-up; nothing else is queried.
 */
export class CompactedView<T> {
  readonly #entries = new Map<string, T>();
  readonly #positions = new Map<number, bigint>();
  readonly #listeners = new Set<(key: string, value: T | undefined) => void>();
  #consumer: LogConsumer | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly topic: string,
    private readonly schema: z.ZodType<T>,
    private readonly role: string,
  ) {}

  /** Starts reading and resolves once everything present at start-up has been read. */
  async start(timeoutMs = 30_000): Promise<void> {
    const ends = await this.log.endOffsets(this.topic);
    // A fresh group each time: this reader replays the whole topic and needs no committed position.
    this.#consumer = this.log.consumer({
      groupId: `tern-view-${this.role}-${this.topic}-${randomUUID()}`,
      topics: [this.topic],
      fromBeginning: true,
    });
    await this.#consumer.run(async (batch) => {
      for (const message of batch.messages) {
        if (message.key === null) continue;
        const value = message.value === null ? undefined : this.#parse(message.value);
        if (value === undefined) this.#entries.delete(message.key);
        else this.#entries.set(message.key, value);
        for (const listener of this.#listeners) listener(message.key, value);
        this.#positions.set(batch.partition, message.offset + 1n);
      }
    });
    const deadline = Date.now() + timeoutMs;
    while (!this.#caughtUp(ends)) {
      if (Date.now() > deadline) throw new Error(`reading ${this.topic} did not catch up in ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  #parse(value: Buffer): T | undefined {
    const parsed = this.schema.safeParse(JSON.parse(value.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  }

  #caughtUp(ends: Map<number, bigint>): boolean {
    for (const [partition, end] of ends) {
      if (end > 0n && (this.#positions.get(partition) ?? 0n) < end) return false;
    }
    return true;
  }

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  entries(): IterableIterator<[string, T]> {
    return this.#entries.entries();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Resolves when `predicate` holds for the key, e.g. after this process published it. */
  async waitFor(key: string, predicate: (value: T | undefined) => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate(this.get(key))) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`${this.topic}: ${key} did not arrive in ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (changed: string, value: T | undefined) => {
        if (changed !== key || !predicate(value)) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve();
      };
      this.#listeners.add(listener);
    });
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
  }
}
