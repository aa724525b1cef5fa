import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { StreamError } from './errors.ts';
import { type StreamLogger, silentLogger } from './logger.ts';
import { partitionFor } from './partitioner.ts';
import type {
  BatchHandler,
  ConsumerOptions,
  EndOffsets,
  EventLog,
  LogConsumer,
  LogProducer,
  OutgoingMessage,
  StreamMessage,
  TopicSpec,
} from './types.ts';

export interface EmbeddedLogOptions {
  /** SQLite file shared by every process of one machine (collector, ingest, web). */
  path: string;
  logger?: StreamLogger;
  /** How often an idle consumer looks for new records (ms). */
  pollIntervalMs?: number;
}

interface MessageRow {
  offset: number | bigint;
  key: string | null;
  value: Buffer | null;
  headers: string | null;
  ts: number;
}

/**
 * A single-machine partitioned log in SQLite (WAL mode), with Kafka's semantics where the pipeline relies
 * on them: per-partition offsets that only grow, keyed partitioning, consumer-group offsets committed
 * after the handler succeeds, and compacted topics read as "latest record per key".
 *
 * Durability: a send resolves after its transaction commits, so an acknowledged record survives a
 * crash of any process. With `synchronous=NORMAL` the last transactions can be lost on power failure,
 * the same trade Kafka makes by not fsyncing each message. A group has one member: the embedded mode
 * runs one ingest worker.
 */
export class EmbeddedLog implements EventLog {
  readonly kind = 'embedded' as const;
  readonly #db: Database.Database;
  readonly #logger: StreamLogger;
  readonly #pollIntervalMs: number;
  readonly #consumers = new Set<EmbeddedConsumer>();

  constructor(options: EmbeddedLogOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 10000');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS topics (
        name TEXT PRIMARY KEY, partitions INTEGER NOT NULL, compacted INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS messages (
        topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        key TEXT, value BLOB, headers TEXT, ts INTEGER NOT NULL,
        PRIMARY KEY (topic, partition, offset)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS group_offsets (
        group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        PRIMARY KEY (group_id, topic, partition)
      ) WITHOUT ROWID;
    `);
    this.#logger = options.logger ?? silentLogger;
    this.#pollIntervalMs = options.pollIntervalMs ?? 25;
  }

  get database(): Database.Database {
    return this.#db;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const upsert = this.#db.prepare(
      `INSERT INTO topics (name, partitions, compacted) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET partitions = max(partitions, excluded.partitions)`,
    );
    this.#db.transaction(() => {
      for (const spec of specs) upsert.run(spec.name, spec.partitions, spec.compacted ? 1 : 0);
    })();
  }

  partitionCount(topic: string): number {
    const row = this.#db.prepare('SELECT partitions FROM topics WHERE name = ?').get(topic) as
      | { partitions: number }
      | undefined;
    if (!row) throw new StreamError(`topic ${topic} does not exist in the embedded log`, false);
    return row.partitions;
  }

  async endOffsets(topic: string): Promise<EndOffsets> {
    const partitions = this.partitionCount(topic);
    const next = this.#db.prepare(
      'SELECT COALESCE(MAX(offset), -1) + 1 AS next FROM messages WHERE topic = ? AND partition = ?',
    );
    const result: EndOffsets = new Map();
    for (let p = 0; p < partitions; p++) {
      const row = next.get(topic, p) as { next: number };
      result.set(p, BigInt(row.next));
    }
    return result;
  }

  async producer(): Promise<LogProducer> {
    return new EmbeddedProducer(this);
  }

  /** Appends records atomically; used by the producer. */
  append(topic: string, messages: OutgoingMessage[]): void {
    const partitions = this.partitionCount(topic);
    const nextOffset = this.#db.prepare(
      'SELECT COALESCE(MAX(offset), -1) + 1 AS next FROM messages WHERE topic = ? AND partition = ?',
    );
    const insert = this.#db.prepare(
      'INSERT INTO messages (topic, partition, offset, key, value, headers, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const now = Date.now();
    this.#db
      .transaction(() => {
        const next = new Map<number, number>();
        for (const message of messages) {
          const partition = partitionFor(message.key, partitions);
          let offset = next.get(partition);
          if (offset === undefined) offset = (nextOffset.get(topic, partition) as { next: number }).next;
          next.set(partition, offset + 1);
          const value = message.value === null ? null : Buffer.from(message.value);
          const headers = message.headers ? JSON.stringify(message.headers) : null;
          insert.run(topic, partition, offset, message.key, value, headers, now);
        }
      })
      .immediate();
  }

  read(topic: string, partition: number, from: bigint, limit: number): StreamMessage[] {
    const rows = this.#db
      .prepare(
        `SELECT offset, key, value, headers, ts FROM messages
         WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?`,
      )
      .safeIntegers(true)
      .all(topic, partition, from, limit) as MessageRow[];
    return rows.map((row) => ({
      partition,
      offset: BigInt(row.offset),
      key: row.key,
      value: row.value,
      headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
      timestamp: Number(row.ts),
    }));
  }

  committed(groupId: string, topic: string, partition: number): bigint | undefined {
    const row = this.#db
      .prepare('SELECT offset FROM group_offsets WHERE group_id = ? AND topic = ? AND partition = ?')
      .safeIntegers(true)
      .get(groupId, topic, partition) as { offset: bigint } | undefined;
    return row?.offset;
  }

  commit(groupId: string, topic: string, partition: number, offset: bigint): void {
    this.#db
      .prepare(
        `INSERT INTO group_offsets (group_id, topic, partition, offset) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset`,
      )
      .run(groupId, topic, partition, offset);
  }

  consumer(options: ConsumerOptions): LogConsumer {
    const consumer = new EmbeddedConsumer(this, options, this.#pollIntervalMs, this.#logger, () =>
      this.#consumers.delete(consumer),
    );
    this.#consumers.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    for (const consumer of [...this.#consumers]) await consumer.stop();
    this.#db.close();
  }
}

class EmbeddedProducer implements LogProducer {
  /** Partition counts per topic, read again after 10 s (ensureTopics may raise a count). */
  readonly #counts = new Map<string, { count: number; at: number }>();
  constructor(private readonly log: EmbeddedLog) {}

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length > 0) this.log.append(topic, messages);
  }

  partitionOf(topic: string, key: string): number | undefined {
    let known = this.#counts.get(topic);
    if (!known || Date.now() - known.at > 10_000) {
      try {
        known = { count: this.log.partitionCount(topic), at: Date.now() };
      } catch {
        return undefined;
      }
      this.#counts.set(topic, known);
    }
    return partitionFor(key, known.count);
  }

  async close(): Promise<void> {}
}

class EmbeddedConsumer implements LogConsumer {
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly log: EmbeddedLog,
    private readonly options: ConsumerOptions,
    private readonly pollIntervalMs: number,
    private readonly logger: StreamLogger,
    private readonly onStop: () => void,
  ) {}

  async run(handler: BatchHandler): Promise<void> {
    const { topics, groupId, fromBeginning } = this.options;
    const positions = new Map<string, bigint>();
    const assigned = [];
    for (const topic of topics) {
      const partitions = this.log.partitionCount(topic);
      const ends = fromBeginning ? undefined : await this.log.endOffsets(topic);
      for (let partition = 0; partition < partitions; partition++) {
        const start = this.log.committed(groupId, topic, partition) ?? ends?.get(partition) ?? 0n;
        positions.set(`${topic}\u0000${partition}`, start);
        assigned.push({ topic, partition });
      }
    }
    await this.options.onAssigned?.(assigned);
    this.#running = true;
    this.#loop = Promise.all(
      [...positions].map(([slot, start]) => {
        const [topic = '', partition = '0'] = slot.split('\u0000');
        return this.#poll(handler, topic, Number(partition), start);
      }),
    ).then(() => {});
  }

  /**
   * One loop per partition, as Kafka delivers partitions independently (partitionsConsumedConcurrently): a batch
   * that takes long, its handler waiting out an outage, holds up its own partition and no other.
   */
  async #poll(handler: BatchHandler, topic: string, partition: number, start: bigint): Promise<void> {
    const maxBatch = this.options.maxBatchSize ?? 5000;
    // One member per group in one process: no other member can take a partition over, so there is no one to fence
    // and no claim left behind (a process that crashed left no writer behind it either).
    const context = { heartbeat: async () => {}, claim: async () => {}, claimed: async () => undefined };
    let position = start;
    while (this.#running) {
      const messages = this.log.read(topic, partition, position, maxBatch);
      const last = messages[messages.length - 1];
      if (!last) {
        await sleep(this.pollIntervalMs);
        continue;
      }
      let took: Awaited<ReturnType<BatchHandler>>;
      try {
        took = await handler({ topic, partition, messages }, context);
      } catch (error) {
        // Same as Kafka: nothing is committed, the batch is delivered again after a pause.
        this.logger.error({ err: error, topic, partition }, 'batch handler failed; retrying');
        await sleep(1000);
        continue;
      }
      position = (typeof took === 'bigint' ? took : last.offset) + 1n;
      this.log.commit(this.options.groupId, topic, partition, position);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.onStop();
  }
}
