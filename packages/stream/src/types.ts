/** The partitioned log the collector writes and the ingest worker reads, independent of the backend. */

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Kafka only; the embedded log has one copy. */
  replicationFactor?: number;
  /** Keep only the latest record per key (control topics). */
  compacted?: boolean;
  retentionMs?: number;
}

export interface OutgoingMessage {
  /** Decides the partition: equal keys land in one partition, in order. */
  key: string;
  /** `null` is a tombstone on a compacted topic. */
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

export interface StreamMessage {
  partition: number;
  offset: bigint;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Log append time, ms since the epoch. */
  timestamp: number;
}

export interface StreamBatch {
  topic: string;
  partition: number;
  messages: StreamMessage[];
  /** The offset the partition's next message will get, when the log says (consumer lag = this - last - 1). */
  highWatermark?: bigint;
}

/** A block of one partition's messages, `from` through `through`, that a member stores as one write. */
export interface Claim {
  from: bigint;
  through: bigint;
}

export interface BatchContext {
  /** Call during long work so the group does not consider the member dead. */
  heartbeat(): Promise<void>;
  /**
   * Records, fenced by the group, that this member is about to write the partition's messages `from` through
   * `through` as one block. Rejects with FencedError when the group has given the partition to another member since
   * this one joined: the caller must then write nothing. The record stands until the batch's offsets are committed.
   */
  claim(block: Claim): Promise<void>;
  /**
   * The block a previous owner claimed and did not see committed, if any: a new owner writes exactly that block
   * first, under the same dedup token, so that whichever of the two writes it, it is stored once.
   */
  claimed(): Promise<Claim | undefined>;
}

/**
 * Handles one batch. When it resolves, the batch's offsets are committed; when it throws, they are not, and the
 * batch is delivered again. A handler that took only a prefix returns the last offset it took: the rest is
 * delivered again, starting after it.
 */
export type BatchHandler = (batch: StreamBatch, context: BatchContext) => Promise<void | bigint>;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  /** Called with the partitions this member owns after each (re)assignment. */
  onAssigned?: (partitions: TopicPartition[]) => Promise<void> | void;
  maxBatchSize?: number;
  /** How long the group waits for a silent member before it hands its partitions to others (Kafka only). */
  sessionTimeoutMs?: number;
  /** Called when kafkajs stopped the consumer on an error it does not retry, which then starts again (Kafka only). */
  onRestart?: (cause: unknown) => void;
}

export interface LogConsumer {
  run(handler: BatchHandler): Promise<void>;
  stop(): Promise<void>;
}

export interface LogProducer {
  /** Resolves once the log has durably accepted every message (acks=all on Kafka). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /**
   * The partition a message with this key goes to, under the partition count this producer last saw for the topic
   * (Kafka: its metadata at the last send); undefined before it knows. Lets a writer merge messages bound for one
   * partition; messages merged under a stale count (partitions were just added) can land beside their key's new
   * partition, as every key does when Kafka adds partitions.
   */
  partitionOf(topic: string, key: string): number | undefined;
  close(): Promise<void>;
}

/** Next offset to be written, per partition. */
export type EndOffsets = Map<number, bigint>;

export interface EventLog {
  readonly kind: 'kafka' | 'embedded';
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  endOffsets(topic: string): Promise<EndOffsets>;
  producer(): Promise<LogProducer>;
  consumer(options: ConsumerOptions): LogConsumer;
  close(): Promise<void>;
}
