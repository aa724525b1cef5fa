import {
  type Admin,
  type Consumer,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  type LogEntry,
  logLevel,
  type Producer,
} from 'kafkajs';
import { FencedError, LogUnavailableError } from './errors.ts';
import { type StreamLogger, silentLogger } from './logger.ts';
import { partitionerSeeing, partitionOfKey } from './murmur2.ts';
import type {
  BatchHandler,
  Claim,
  ConsumerOptions,
  EndOffsets,
  EventLog,
  LogConsumer,
  LogProducer,
  OutgoingMessage,
  StreamMessage,
  TopicSpec,
} from './types.ts';

export interface KafkaLogOptions {
  brokers: string[];
  clientId: string;
  logger?: StreamLogger;
  /** How long a produce may wait for acks before it fails (ms). */
  requestTimeoutMs?: number;
}

/** The event log on an Apache Kafka cluster, through kafkajs. */
export class KafkaLog implements EventLog {
  readonly kind = 'kafka' as const;
  readonly #kafka: Kafka;
  readonly #logger: StreamLogger;
  #admin: Admin | undefined;
  readonly #closers: Array<() => Promise<void>> = [];

  constructor(options: KafkaLogOptions) {
    this.#logger = options.logger ?? silentLogger;
    const logger = this.#logger;
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry: { retries: 5, initialRetryTime: 200 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }: LogEntry) => {
          const { message, ...fields } = log;
          if (level <= logLevel.ERROR) logger.error({ kafka: fields }, message);
          else logger.warn({ kafka: fields }, message);
        },
    });
  }

  async #connectedAdmin(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      try {
        await admin.connect();
      } catch (cause) {
        throw new LogUnavailableError('cannot reach the Kafka brokers', { cause });
      }
      this.#admin = admin;
    }
    return this.#admin;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const admin = await this.#connectedAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? 1,
          configEntries: topicConfig(spec),
        })),
      });
    }
    // Growing a topic is safe to do at start-up; shrinking is impossible in Kafka, so a smaller
    // configured count is left alone.
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    for (const spec of specs) {
      const current = metadata.topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
      if (current < spec.partitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
      }
    }
  }

  async endOffsets(topic: string): Promise<EndOffsets> {
    const admin = await this.#connectedAdmin();
    // kafkajs gives up at once when a partition's leader is not known yet (a topic created a moment ago on a broker
    // that just started); that clears within a second or two, so ask again, with fresh metadata.
    for (let attempt = 1; ; attempt++) {
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
      } catch (error) {
        const type = (error as { type?: string }).type ?? '';
        // On a broker a few seconds old, kafkajs can also get no offsets back at all for the new topic, and fails
        // destructuring the empty answer (a TypeError in admin/index.js): the same wait for a leader.
        const noAnswerYet = error instanceof TypeError && attempt < 20;
        if (!noAnswerYet && (attempt >= 20 || !LEADER_MOVING.has(type))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
        await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      }
    }
  }

  async producer(): Promise<LogProducer> {
    const partitionCounts = new Map<string, number>();
    const producer = this.#kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: () => partitionerSeeing(partitionCounts),
    });
    try {
      await producer.connect();
    } catch (cause) {
      throw new LogUnavailableError('cannot reach the Kafka brokers', { cause });
    }
    const wrapped = new KafkaProducer(producer, partitionCounts);
    this.#closers.push(() => wrapped.close());
    return wrapped;
  }

  consumer(options: ConsumerOptions): LogConsumer {
    const consumer = new KafkaConsumer(this.#kafka, options, this.#logger, () => this.#connectedAdmin());
    this.#closers.push(() => consumer.stop());
    return consumer;
  }

  async close(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close().catch(() => {});
    await this.#admin?.disconnect().catch(() => {});
    this.#admin = undefined;
  }
}

function topicConfig(spec: TopicSpec): Array<{ name: string; value: string }> {
  const entries: Array<{ name: string; value: string }> = [];
  if (spec.compacted) {
    entries.push({ name: 'cleanup.policy', value: 'compact' });
    entries.push({ name: 'min.compaction.lag.ms', value: '0' });
    entries.push({ name: 'delete.retention.ms', value: '3600000' });
  }
  if (spec.retentionMs !== undefined) entries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
  if ((spec.replicationFactor ?? 1) >= 3) entries.push({ name: 'min.insync.replicas', value: '2' });
  return entries;
}

class KafkaProducer implements LogProducer {
  #closed = false;
  constructor(
    private readonly producer: Producer,
    /** Each topic's partition count, as the partitioner last saw it in kafkajs's metadata. */
    private readonly partitionCounts: Map<string, number>,
  ) {}

  partitionOf(topic: string, key: string): number | undefined {
    const count = this.partitionCounts.get(topic);
    return count === undefined ? undefined : partitionOfKey(key, count);
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })),
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.producer.disconnect();
  }
}

/** Errors that mean a partition's leadership is being settled, not that something is wrong. */
const LEADER_MOVING = new Set(['NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE']);

/** How long a consumer that kafkajs stopped waits before it starts again: doubling from 1 s, at most 30 s. */
const RESTART_DELAYS_MS = { first: 1_000, max: 30_000 };

/** More than the events topic's partitions (6 by default) a worker owns, so that every partition has a slot. */
const PARTITIONS_CONCURRENTLY = 16;
const CLAIM_PREFIX = 'tern-claim:';
const CLAIM_PATTERN = /^tern-claim:(\d+)-(\d+)$/;
/** Errors of a commit that mean the group has moved on without this member. */
const FENCING_ERRORS = new Set([
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
]);

/** The broker's error code behind a kafkajs error: its retrier wraps the protocol error it gave up on. */
function protocolErrorOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { type, cause, originalError } = current as { type?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof type === 'string') return type;
    current = cause ?? originalError;
  }
  return undefined;
}

class KafkaConsumer implements LogConsumer {
  readonly #consumer: Consumer;
  #handler: BatchHandler | undefined;
  #running = false;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Restarts since the group last took this member in; sets the next delay. */
  #restartsSinceJoin = 0;

  constructor(
    kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly logger: StreamLogger,
    private readonly admin: () => Promise<Admin>,
  ) {
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    });
  }

  async run(handler: BatchHandler): Promise<void> {
    const consumer = this.#consumer;
    const { onAssigned, groupId } = this.options;
    this.#handler = handler;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.#restartsSinceJoin = 0;
      const assignment = event.payload.memberAssignment;
      const partitions = Object.entries(assignment).flatMap(([topic, ps]) =>
        ps.map((partition) => ({ topic, partition })),
      );
      Promise.resolve(onAssigned?.(partitions)).catch((error: unknown) =>
        this.logger.error({ err: error, groupId }, 'partition assignment handler failed'),
      );
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.logger.error({ err: error, groupId, restart }, 'consumer crashed');
      // kafkajs restarts only after errors it deems retriable. After any other (a commit refused because the group
      // dropped this member while a batch took longer than the session: kafkajs issue #1466) it has disconnected
      // and stays stopped, and the process would go on without consuming. What was not committed comes again.
      // One restart at a time: a crash while one is already waiting is neither counted nor scheduled again.
      if (!restart && this.#running && !this.#restartTimer) {
        this.options.onRestart?.(error);
        this.#scheduleRestart();
      }
    });
    try {
      await this.#connect();
    } catch (cause) {
      throw new LogUnavailableError(`cannot start consumer group ${groupId}`, { cause });
    }
    this.#running = true;
    await this.#start();
  }

  async #connect(): Promise<void> {
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning });
  }

  #scheduleRestart(): void {
    if (!this.#running || this.#restartTimer) return;
    const delayMs = Math.min(RESTART_DELAYS_MS.max, RESTART_DELAYS_MS.first * 2 ** this.#restartsSinceJoin);
    this.#restartsSinceJoin++;
    this.logger.warn({ groupId: this.options.groupId, delayMs }, 'starting the stopped consumer again');
    this.#restartTimer = setTimeout(async () => {
      this.#restartTimer = undefined;
      if (!this.#running) return;
      try {
        await this.#connect();
        await this.#start();
      } catch (error) {
        this.logger.error({ err: error, groupId: this.options.groupId }, 'consumer restart failed');
        await this.#consumer.disconnect().catch(() => {});
        this.#scheduleRestart();
      }
    }, delayMs);
  }

  async #start(): Promise<void> {
    const consumer = this.#consumer;
    const handler = this.#handler as BatchHandler;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions are handled side by side, each in order: one whose batch waits out a failure (a warehouse refusing
      // its inserts, say) holds up only itself. The embedded log does the same with a loop per partition.
      partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages = batch.messages.map((m) => toStreamMessage(batch.partition, m));
        const { topic, partition } = batch;
        let took: Awaited<ReturnType<BatchHandler>>;
        try {
          took = await handler(
            { topic, partition, messages, highWatermark: BigInt(batch.highWatermark) },
            {
              heartbeat,
              claim: (block) => this.#claim(topic, partition, block),
              claimed: () => this.#claimed(topic, partition),
            },
          );
        } catch (error) {
          // kafkajs rejoins the group on its own errors (ILLEGAL_GENERATION and the like), not on ours.
          throw error instanceof FencedError && error.cause ? error.cause : error;
        }
        const last = typeof took === 'bigint' ? took : messages[messages.length - 1]?.offset;
        if (last === undefined) return;
        // Resolving up to `last` only makes kafkajs fetch again from the next offset.
        resolveOffset(last.toString());
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (last + 1n).toString() },
        ]);
        await heartbeat();
      },
    });
  }

  /**
   * The claim travels as the metadata of an offset commit: the broker takes a commit only from a member of the
   * group's current generation, so a member the group has dropped (frozen past its session, say) is refused here,
   * before it writes. The committed offset stays the claim's start; committing the batch afterwards replaces it.
   */
  async #claim(topic: string, partition: number, block: Claim): Promise<void> {
    try {
      await this.#consumer.commitOffsets([
        { topic, partition, offset: block.from.toString(), metadata: `${CLAIM_PREFIX}${block.from}-${block.through}` },
      ]);
    } catch (cause) {
      const type = protocolErrorOf(cause);
      if (type && FENCING_ERRORS.has(type)) {
        throw new FencedError(`partition ${topic}/${partition} belongs to another member now (${type})`, { cause });
      }
      throw new LogUnavailableError(`cannot record the claim on ${topic}/${partition}`, { cause });
    }
  }

  async #claimed(topic: string, partition: number): Promise<Claim | undefined> {
    const admin = await this.admin();
    const [offsets] = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] });
    const entry = offsets?.partitions.find((p) => p.partition === partition);
    const match = entry?.metadata ? CLAIM_PATTERN.exec(entry.metadata) : null;
    if (!entry || !match?.[1] || !match[2] || entry.offset !== match[1]) return undefined;
    return { from: BigInt(match[1]), through: BigInt(match[2]) };
  }

  async stop(): Promise<void> {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    if (!this.#running) {
      await this.#consumer.disconnect().catch(() => {});
      return;
    }
    this.#running = false;
    await this.#consumer.disconnect();
  }
}

function toStreamMessage(partition: number, m: KafkaMessage): StreamMessage {
  return {
    partition,
    offset: BigInt(m.offset),
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value,
    headers: flattenHeaders(m.headers),
    timestamp: Number(m.timestamp),
  };
}

function flattenHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
