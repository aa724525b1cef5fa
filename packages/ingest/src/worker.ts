import { type DeadLetter, decodeEventMessage, MAX_EVENTS_PER_MESSAGE, utcMonthOf } from '@tern/events';
import type { BatchContext, BatchHandler, Claim, EventLog, LogConsumer, LogProducer, StreamBatch } from '@tern/stream';
import {
  type EventRow,
  existingEventIds,
  insertEvents,
  loadOpenSessions,
  RowsRefusedError,
  recentEventIds,
  storedOffsets,
  type Warehouse,
} from '@tern/warehouse';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { startBotIngest } from './bots.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { type IngestHealth, ProgressTracker } from './progress.ts';
import { SessionTracker } from './sessions.ts';
import { waitWithHeartbeats } from './wait-with-heartbeats.ts';

export interface IngestOptions {
  log: EventLog;
  warehouse: Warehouse;
  /** `import`: history imports, consumed by a group of their own (`<groupId>.import`) so live traffic never waits. */
  topics: { events: string; deadLetter: string; bots?: string; import?: string };
  groupId: string;
  sessionTimeoutMinutes: number;
  /** Kafka consumer-group session timeout (see KAFKA_SESSION_TIMEOUT_MS). */
  groupSessionTimeoutMs?: number;
  logger: Logger;
  metrics?: IngestMetrics;
  /** A partition with work it has not finished for this long is reported as stalled (INGEST_STALL_SECONDS). */
  stallAfterMs?: number;
}

interface PartitionState {
  sessions: SessionTracker;
  /** Highest offset ClickHouse holds for this partition; anything at or below it is already stored. */
  storedThrough: bigint;
  /** Event ids seen recently: a producer retry can write one event twice, at two offsets of one partition. */
  recentIds: LRUCache<string, true>;
  /** The latest event time seen: session state expires by event time, so imported history keeps its sessions. */
  latestTimestamp: number;
  /** A block the partition's previous owner claimed and may have written: written first, exactly, by this one. */
  inheritedClaim: Claim | undefined;
}

/** The dedup window: ids of this many minutes (and at most this many per partition) are remembered. */
const DEDUP_WINDOW_MINUTES = 10;
const DEDUP_MAX_IDS = 200_000;
/**
 * Open sessions kept per import partition. Imports come ordered by visitor, then time (@tern/history), so only the
 * visitor being imported needs its session; the rest is room for imports running side by side.
 */
const MAX_IMPORT_SESSIONS = 50_000;

const utcMonthStartOf = (timestamp: number) => {
  const date = new Date(timestamp);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};

export interface IngestWorker {
  metrics: IngestMetrics;
  /** Lag and stalled partitions, for /healthz and /readyz: a stall answers 503. */
  health(): IngestHealth;
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
  // Keyed by `topic:partition`: the events and import topics number their partitions alike.
  const partitions = new Map<string, PartitionState>();
  const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;
  const producer: LogProducer = await log.producer();
  const progress = new ProgressTracker(options.stallAfterMs ?? 120_000);

  async function partitionState(topic: string, partition: number, context: BatchContext): Promise<PartitionState> {
    let state = partitions.get(keyOf(topic, partition));
    if (state) return state;
    const lookback = Date.now() - (options.sessionTimeoutMinutes + 1) * 60_000;
    const [stored, open, ids, claim] = await Promise.all([
      storedOffsets(warehouse.client, topic),
      loadOpenSessions(warehouse.client, topic, partition, lookback),
      recentEventIds(warehouse.client, topic, partition, Date.now() - DEDUP_WINDOW_MINUTES * 60_000),
      context.claimed(),
    ]);
    const sessions = new SessionTracker(options.sessionTimeoutMinutes);
    sessions.restore(open);
    const recentIds = new LRUCache<string, true>({ max: DEDUP_MAX_IDS, ttl: DEDUP_WINDOW_MINUTES * 60_000 });
    for (const id of ids) recentIds.set(id, true);
    const storedThrough = stored.get(partition) ?? -1n;
    const inheritedClaim = claim && claim.through > storedThrough ? claim : undefined;
    state = { sessions, storedThrough, recentIds, latestTimestamp: 0, inheritedClaim };
    partitions.set(keyOf(topic, partition), state);
    logger.info(
      {
        topic,
        partition,
        storedThrough: String(state.storedThrough),
        openSessions: open.length,
        ...(inheritedClaim ? { inheritedClaim: `${inheritedClaim.from}-${inheritedClaim.through}` } : {}),
      },
      'partition assigned',
    );
    return state;
  }

  /**
   * Writes one batch, or its prefix up to the first message of another month. The events table is partitioned by
   * month, and an insert that spans two partitions becomes two parts that do not land atomically; a crash between
   * them would leave a gap below the highest stored offset, which a restart would then skip. Cutting at the
   * month boundary keeps every insert a single part; the rest of the batch is delivered again. A message is taken
   * whole (its events share its offset); the collector never writes one that spans two months, and one that does
   * anyway is inserted on its own, the one case left with two parts.
   */
  async function handleBatch(batch: StreamBatch, context: BatchContext): Promise<bigint | undefined> {
    const { heartbeat } = context;
    const state = await partitionState(batch.topic, batch.partition, context);
    const inherited = state.inheritedClaim;
    const rows: EventRow[] = [];
    const deadLetters: DeadLetter[] = [];
    let skipped = 0;
    let month: number | undefined;
    let takenThrough: bigint | undefined;
    /** The first message this block writes: with takenThrough, the block's range, its claim and its dedup token. */
    let blockFrom: bigint | undefined;
    let cut = false;
    const pending = batch.messages.filter((message) => message.offset > state.storedThrough);
    const decoded = new Map(
      pending.map((message) => [message.offset, decodeEventMessage(message.value?.toString('utf8') ?? '')]),
    );
    // Imported history may repeat events stored long ago, beyond the id window: ask ClickHouse for this batch's ids.
    const stored =
      batch.topic === topics.import
        ? await existingEventIds(
            warehouse.client,
            [...decoded.values()]
              .flat()
              .flatMap((p) =>
                p.ok ? [{ siteId: p.value.siteId, eventId: p.value.eventId, timestamp: p.value.timestamp }] : [],
              ),
          )
        : new Set<string>();
    for (const message of batch.messages) {
      if (message.offset <= state.storedThrough) {
        skipped++;
        takenThrough = message.offset;
        continue;
      }
      // A block the previous owner claimed is rebuilt exactly: it ends where that one did.
      if (inherited && message.offset > inherited.through) {
        cut = true;
        break;
      }
      const events = decoded.get(message.offset) ?? [];
      const months = new Set(events.flatMap((event) => (event.ok ? [utcMonthOf(event.value.timestamp)] : [])));
      const [messageMonth] = months;
      if (month !== undefined && months.size > 0 && (months.size > 1 || messageMonth !== month)) {
        cut = true;
        break;
      }
      takenThrough = message.offset;
      blockFrom ??= message.offset;
      events.forEach((event, index) => {
        if (!event.ok || index >= MAX_EVENTS_PER_MESSAGE) {
          deadLetters.push({
            reason: event.ok ? `line ${index} of a message: more than ${MAX_EVENTS_PER_MESSAGE} events` : event.reason,
            stage: 'ingest',
            at: Date.now(),
            payload: (event.ok ? JSON.stringify(event.value) : event.text).slice(0, 65_536),
            source: {
              topic: batch.topic,
              partition: batch.partition,
              offset: message.offset.toString(),
              ...(events.length > 1 ? { index } : {}),
            },
          });
          return;
        }
        if (state.recentIds.has(event.value.eventId) || stored.has(event.value.eventId)) {
          metrics.duplicates.inc();
          return;
        }
        state.recentIds.set(event.value.eventId, true);
        const visit = state.sessions.assign(event.value);
        if (event.value.timestamp > state.latestTimestamp) state.latestTimestamp = event.value.timestamp;
        rows.push({
          event: event.value,
          visit,
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          index,
        });
      });
      month ??= messageMonth;
      if (months.size > 1) {
        logger.warn(
          { topic: batch.topic, partition: batch.partition, offset: message.offset.toString() },
          'a message holds events of two months; inserting it on its own',
        );
        cut = true;
        break;
      }
    }
    if (deadLetters.length > 0) {
      await producer.send(
        topics.deadLetter,
        deadLetters.map((d) => ({ key: `${batch.partition}`, value: JSON.stringify(d) })),
      );
      metrics.deadLettered.inc(deadLetters.length);
    }
    const last = rows[rows.length - 1];
    if (last && blockFrom !== undefined && takenThrough !== undefined) {
      if (inherited && takenThrough < inherited.through) {
        logger.warn(
          {
            topic: batch.topic,
            partition: batch.partition,
            claim: `${inherited.from}-${inherited.through}`,
            took: `${blockFrom}-${takenThrough}`,
          },
          'the fetch ended inside the block the previous owner claimed; writing what it holds',
        );
      }
      // The token is the block's range of messages, the same whoever builds the block; the claim, fenced by the
      // group, comes first: a member the group has dropped is refused here and writes nothing.
      const block = { from: blockFrom, through: takenThrough };
      await context.claim(block);
      const token = `${batch.topic}:${batch.partition}:${block.from}-${block.through}`;
      const started = process.hrtime.bigint();
      const refused = await storeIsolating(rows, token, batch, heartbeat);
      metrics.insertSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      state.storedThrough = last.offset;
      metrics.rows.inc(rows.length - refused.length);
      if (refused.length > 0) {
        await producer.send(
          topics.deadLetter,
          refused.map((d) => ({ key: `${batch.partition}`, value: JSON.stringify(d) })),
        );
        metrics.deadLettered.inc(refused.length);
        metrics.refused.inc(refused.length);
        logger.warn(
          {
            topic: batch.topic,
            partition: batch.partition,
            refused: refused.length,
            stored: rows.length - refused.length,
            reason: refused[0]?.reason,
          },
          'the warehouse refused rows; dead-lettered them and stored the rest',
        );
      }
    }
    metrics.skipped.inc(skipped);
    if (inherited && takenThrough !== undefined && takenThrough >= inherited.through) state.inheritedClaim = undefined;
    const handled = takenThrough ?? batch.messages[batch.messages.length - 1]?.offset;
    let remaining = 0;
    if (batch.highWatermark !== undefined && handled !== undefined) {
      const lag = batch.highWatermark - handled - 1n;
      remaining = Number(lag > 0n ? lag : 0n);
      metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, remaining);
    }
    progress.finished(batch.topic, batch.partition, remaining, Date.now());
    metrics.batchSize.observe(batch.messages.length);
    if (batch.topic === topics.import) {
      // History comes by month (@tern/history): a session active at the previous month's end may still continue.
      const month = utcMonthStartOf(rows.at(-1)?.event.timestamp ?? state.latestTimestamp);
      const carried = { from: month - (options.sessionTimeoutMinutes + 1) * 60_000, to: month };
      state.sessions.keepAtMost(MAX_IMPORT_SESSIONS, carried);
    } else state.sessions.evictBefore(state.latestTimestamp - (options.sessionTimeoutMinutes + 60) * 60_000);
    metrics.openSessions.set([...partitions.values()].reduce((n, p) => n + p.sessions.size, 0));
    return cut ? takenThrough : undefined;
  }

  let stopping = false;

  /**
   * Stores the rows; rows the warehouse refuses (RowsRefusedError: they cannot be parsed, do not fit, break a
   * constraint) are found by halving the failed insert until each refused row stands alone, and are returned as dead
   * letters with ClickHouse's message. A refused insert stores nothing, so the halves are all that is written. Each
   * half's dedup token derives from its parent's, so a batch delivered again splits, and is deduplicated, alike.
   * One refused row among n costs about 2·log2(n) inserts; a row never stalls its partition.
   */
  async function storeIsolating(
    rows: EventRow[],
    token: string,
    batch: StreamBatch,
    heartbeat: () => Promise<void>,
  ): Promise<DeadLetter[]> {
    try {
      await insertUntilStored(rows, token, batch, heartbeat);
      return [];
    } catch (error) {
      if (!(error instanceof RowsRefusedError)) throw error;
      const [only] = rows;
      if (rows.length === 1 && only) return [refusedLetter(only, error)];
      const middle = Math.ceil(rows.length / 2);
      const head = await storeIsolating(rows.slice(0, middle), `${token}:a`, batch, heartbeat);
      const tail = await storeIsolating(rows.slice(middle), `${token}:b`, batch, heartbeat);
      return [...head, ...tail];
    }
  }

  function refusedLetter(row: EventRow, error: RowsRefusedError): DeadLetter {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    return {
      reason: `refused by the warehouse (code ${error.code}): ${cause.slice(0, 1000)}`,
      stage: 'ingest',
      at: Date.now(),
      payload: JSON.stringify(row.event).slice(0, 65_536),
      source: {
        topic: row.topic,
        partition: row.partition,
        offset: row.offset.toString(),
        ...(row.index ? { index: row.index } : {}),
      },
    };
  }

  /**
   * Sends the same rows with the same token until ClickHouse takes them. A failed insert may have landed in some
   * tables and not others (the events part, then each materialized view's part, each with its own dedup log): only
   * the identical insert lets every table drop what it has and add what it lacks. Rebuilding the partition's state
   * from ClickHouse instead would find the events stored and skip them, leaving a view without them (the rollup
   * mismatches the warehouse-outage fault test caught).
   */
  async function insertUntilStored(
    rows: EventRow[],
    token: string,
    batch: StreamBatch,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    await untilStored(
      () => insertEvents(warehouse.client, rows, token),
      batch,
      heartbeat,
      'insert not stored; sending the same insert again',
    );
  }

  /**
   * Runs `attempt` until it succeeds, waiting with backoff and heartbeating between tries, so the group keeps the
   * partition here. Errors ClickHouse says will not pass, and any error while stopping, are thrown.
   */
  async function untilStored<T>(
    attempt: () => Promise<T>,
    batch: StreamBatch,
    heartbeat: () => Promise<void>,
    message: string,
    afterFailure: () => void = () => {},
  ): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        metrics.failures.inc();
        afterFailure();
        // Typed errors say whether to retry (a refused row, a fenced member: no); anything else may pass next time.
        const retriable = (error as { retriable?: unknown }).retriable !== false;
        if (stopping || !retriable) throw error;
        const waitMs = backoffMs(tries);
        logger.warn({ err: error, topic: batch.topic, partition: batch.partition, attempt: tries, waitMs }, message);
        await waitWithHeartbeats(waitMs, heartbeat);
      }
    }
  }

  // ClickHouse down or slow: the partition waits here (its offsets uncommitted, the group kept by heartbeats) and
  // the batch is tried again with backoff until ClickHouse has it. Nothing past what is stored is ever committed.
  // Any other failure makes the partition's state be read again from what ClickHouse really has.
  const handleWithRetry: BatchHandler = (batch, context) =>
    untilStored(
      () => handleBatch(batch, context),
      batch,
      context.heartbeat,
      'batch not stored; retrying',
      () => partitions.delete(keyOf(batch.topic, batch.partition)),
    );
  const handleTracked: BatchHandler = async (batch, context) => {
    progress.started(batch.topic, batch.partition, Date.now());
    try {
      return await handleWithRetry(batch, context);
    } catch (error) {
      // The batch is given up (fenced, the consumer restarting): it no longer holds the partition up here. Left busy,
      // it kept the worker stalled for good after a frozen warehouse woke, when no batch of that partition came again.
      progress.forget(batch.topic, batch.partition);
      throw error;
    }
  };
  const streams = [
    { topic: topics.events, groupId: options.groupId },
    ...(topics.import ? [{ topic: topics.import, groupId: `${options.groupId}.import` }] : []),
  ];
  const countRestart = (group: string) => metrics.consumerRestarts.inc({ group });
  const consumers: LogConsumer[] = [];
  for (const { topic, groupId } of streams) {
    const consumer = log.consumer({
      groupId,
      topics: [topic],
      fromBeginning: true,
      ...(options.groupSessionTimeoutMs ? { sessionTimeoutMs: options.groupSessionTimeoutMs } : {}),
      onRestart: () => countRestart(groupId),
      onAssigned: (assigned) => {
        // After any rebalance the state of every partition may be stale, kept ones included: another member may have
        // owned one in between (this one frozen past its session, then back) and written to it. Each is read again
        // from ClickHouse, with the claim its last owner left, before its next batch.
        for (const key of partitions.keys()) if (key.startsWith(`${topic}:`)) partitions.delete(key);
        progress.keepOnly(topic, new Set(assigned.filter((a) => a.topic === topic).map((a) => a.partition)));
      },
    });
    await consumer.run(handleTracked);
    consumers.push(consumer);
  }
  const bots = topics.bots
    ? await startBotIngest(log, warehouse, topics.bots, options.groupId, logger, countRestart)
    : undefined;
  logger.info({ groupId: options.groupId, topics: streams.map((s) => s.topic) }, 'ingest worker running');

  return {
    metrics,
    health: () => {
      const health = progress.health(Date.now());
      metrics.stalledPartitions.set(health.stalled.length);
      return health;
    },
    async stop() {
      stopping = true;
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await bots?.stop();
      await producer.close();
    },
  };
}

/** Exponential, capped at 10 s, with jitter so that workers do not retry in step. */
function backoffMs(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
}
