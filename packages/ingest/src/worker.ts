import { setTimeout as sleep } from 'node:timers/promises';
import { type DeadLetter, type EnrichedEvent, enrichedEventSchema } from '@tern/events';
import type { EventLog, LogConsumer, LogProducer, StreamBatch } from '@tern/stream';
import {
  type EventRow,
  insertEvents,
  loadOpenSessions,
  recentEventIds,
  storedOffsets,
  type Warehouse,
  WarehouseError,
} from '@tern/warehouse';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { startBotIngest } from './bots.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { SessionTracker } from './sessions.ts';

export interface IngestOptions {
  log: EventLog;
  warehouse: Warehouse;
  topics: { events: string; deadLetter: string; bots?: string };
  groupId: string;
  sessionTimeoutMinutes: number;
  /** Kafka consumer-group session timeout (see KAFKA_SESSION_TIMEOUT_MS). */
  groupSessionTimeoutMs?: number;
  logger: Logger;
  metrics?: IngestMetrics;
}

interface PartitionState {
  sessions: SessionTracker;
  /** Highest offset ClickHouse holds for this partition; anything at or below it is already stored. */
  storedThrough: bigint;
  /** Event ids seen recently: a producer retry can write one event twice, at two offsets of one partition. */
  recentIds: LRUCache<string, true>;
}

/** The dedup window: ids of this many minutes (and at most this many per partition) are remembered. */
const DEDUP_WINDOW_MINUTES = 10;
const DEDUP_MAX_IDS = 200_000;

export interface IngestWorker {
  metrics: IngestMetrics;
  stop(): Promise<void>;
}

/**
 * Consumes the events topic and writes each batch to ClickHouse before its offsets are committed
 * (at-least-once from the log), made idempotent at ClickHouse: a batch's insert carries a dedup token
 * built from its stream positions, and on (re)assignment the worker skips offsets ClickHouse already has.
 */
export async function startIngestWorker(options: IngestOptions): Promise<IngestWorker> {
  const { log, warehouse, topics, logger } = options;
  const metrics = options.metrics ?? createIngestMetrics();
  const partitions = new Map<number, PartitionState>();
  const producer: LogProducer = await log.producer();

  async function partitionState(topic: string, partition: number): Promise<PartitionState> {
    let state = partitions.get(partition);
    if (state) return state;
    const lookback = Date.now() - (options.sessionTimeoutMinutes + 1) * 60_000;
    const [stored, open, ids] = await Promise.all([
      storedOffsets(warehouse.client, topic),
      loadOpenSessions(warehouse.client, topic, partition, lookback),
      recentEventIds(warehouse.client, topic, partition, Date.now() - DEDUP_WINDOW_MINUTES * 60_000),
    ]);
    const sessions = new SessionTracker(options.sessionTimeoutMinutes);
    sessions.restore(open);
    const recentIds = new LRUCache<string, true>({ max: DEDUP_MAX_IDS, ttl: DEDUP_WINDOW_MINUTES * 60_000 });
    for (const id of ids) recentIds.set(id, true);
    state = { sessions, storedThrough: stored.get(partition) ?? -1n, recentIds };
    partitions.set(partition, state);
    logger.info(
      { partition, storedThrough: String(state.storedThrough), openSessions: open.length },
      'partition assigned',
    );
    return state;
  }

  /**
   * Writes one batch, or its prefix up to the first event of another month. The events table is partitioned by
   * month, and an insert that spans two partitions becomes two parts that do not land atomically; a crash between
   * them would leave a gap below the highest stored offset, which a restart would then skip. Cutting at the
   * month boundary keeps every insert a single part; the rest of the batch is delivered again.
   */
  async function handleBatch(batch: StreamBatch): Promise<bigint | undefined> {
    const state = await partitionState(batch.topic, batch.partition);
    const rows: EventRow[] = [];
    const deadLetters: DeadLetter[] = [];
    let skipped = 0;
    let month: number | undefined;
    let takenThrough: bigint | undefined;
    let cut = false;
    for (const message of batch.messages) {
      if (message.offset <= state.storedThrough) {
        skipped++;
        takenThrough = message.offset;
        continue;
      }
      const source = { topic: batch.topic, partition: batch.partition, offset: message.offset.toString() };
      const text = message.value?.toString('utf8') ?? '';
      const event = parseEvent(text);
      if (!event.ok) {
        deadLetters.push({
          reason: event.reason,
          stage: 'ingest',
          at: Date.now(),
          payload: text.slice(0, 65_536),
          source,
        });
        takenThrough = message.offset;
        continue;
      }
      const eventMonth = utcMonth(event.value.timestamp);
      if (month !== undefined && eventMonth !== month) {
        cut = true;
        break;
      }
      takenThrough = message.offset;
      if (state.recentIds.has(event.value.eventId)) {
        metrics.duplicates.inc();
        continue;
      }
      month = eventMonth;
      state.recentIds.set(event.value.eventId, true);
      const visit = state.sessions.assign(event.value);
      rows.push({ event: event.value, visit, topic: batch.topic, partition: batch.partition, offset: message.offset });
    }
    if (deadLetters.length > 0) {
      await producer.send(
        topics.deadLetter,
        deadLetters.map((d) => ({ key: `${batch.partition}`, value: JSON.stringify(d) })),
      );
      metrics.deadLettered.inc(deadLetters.length);
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (first && last) {
      const token = `${batch.topic}:${batch.partition}:${first.offset}-${last.offset}`;
      const started = process.hrtime.bigint();
      await insertEvents(warehouse.client, rows, token);
      metrics.insertSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      state.storedThrough = last.offset;
      metrics.rows.inc(rows.length);
    }
    metrics.skipped.inc(skipped);
    metrics.batchSize.observe(batch.messages.length);
    state.sessions.evictBefore(Date.now() - (options.sessionTimeoutMinutes + 60) * 60_000);
    metrics.openSessions.set([...partitions.values()].reduce((n, p) => n + p.sessions.size, 0));
    return cut ? takenThrough : undefined;
  }

  const consumer: LogConsumer = log.consumer({
    groupId: options.groupId,
    topics: [topics.events],
    fromBeginning: true,
    ...(options.groupSessionTimeoutMs ? { sessionTimeoutMs: options.groupSessionTimeoutMs } : {}),
    onAssigned: (assigned) => {
      // State of partitions this worker no longer owns may be stale once another worker wrote to them.
      const owned = new Set(assigned.map((a) => a.partition));
      for (const partition of partitions.keys()) if (!owned.has(partition)) partitions.delete(partition);
    },
  });
  let stopping = false;
  // ClickHouse down or slow: the partition waits here (its offsets uncommitted, the group kept by heartbeats) and
  // the batch is tried again with backoff until ClickHouse has it. Nothing past what is stored is ever committed.
  await consumer.run(async (batch, { heartbeat }) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await handleBatch(batch);
      } catch (error) {
        metrics.failures.inc();
        // Forget the partition's state so the retry re-reads what ClickHouse really has.
        partitions.delete(batch.partition);
        const retriable = !(error instanceof WarehouseError) || error.retriable;
        if (stopping || !retriable) throw error;
        const waitMs = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
        logger.warn({ err: error, partition: batch.partition, attempt, waitMs }, 'batch not stored; retrying');
        await sleep(waitMs);
        await heartbeat();
      }
    }
  });
  const bots = topics.bots ? await startBotIngest(log, warehouse, topics.bots, options.groupId, logger) : undefined;
  logger.info({ groupId: options.groupId, topic: topics.events }, 'ingest worker running');

  return {
    metrics,
    async stop() {
      stopping = true;
      await consumer.stop();
      await bots?.stop();
      await producer.close();
    },
  };
}

type Parsed = { ok: true; value: EnrichedEvent } | { ok: false; reason: string };

function parseEvent(text: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const event = enrichedEventSchema.safeParse(json);
  if (event.success) return { ok: true, value: event.data };
  return { ok: false, reason: event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

/** The events table's partition (toYYYYMM of the UTC timestamp). */
function utcMonth(timestamp: number): number {
  const date = new Date(timestamp);
  return date.getUTCFullYear() * 100 + date.getUTCMonth() + 1;
}
