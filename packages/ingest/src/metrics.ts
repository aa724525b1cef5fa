import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createIngestMetrics(registry = new Registry(), defaults = true) {
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'tern_ingest_' });
  return {
    registry,
    rows: new Counter({
      name: 'tern_ingest_rows_total',
      help: 'Event rows written to ClickHouse',
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'tern_ingest_skipped_total',
      help: 'Messages skipped because ClickHouse already had them (re-delivery after a crash)',
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'tern_ingest_duplicates_total',
      help: 'Events dropped because their id was seen within the dedup window (producer retries)',
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'tern_ingest_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic',
      registers: [registry],
    }),
    refused: new Counter({
      name: 'tern_ingest_refused_rows_total',
      help: 'Rows the warehouse refused (unparsable, out of range, against a constraint), dead-lettered',
      registers: [registry],
    }),
    stalledPartitions: new Gauge({
      name: 'tern_ingest_stalled_partitions',
      help: 'Partitions with work not finished for longer than INGEST_STALL_SECONDS (set when health is read)',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'tern_ingest_batch_size',
      help: 'Messages per batch',
      buckets: [1, 10, 100, 500, 1000, 5000, 10000],
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'tern_ingest_insert_seconds',
      help: 'Time of one ClickHouse insert',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    consumerRestarts: new Counter({
      name: 'tern_ingest_consumer_restarts_total',
      help: 'Consumers started again after the Kafka client stopped them on an error it does not retry',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'tern_ingest_batch_failures_total',
      help: 'Batches that failed and will be retried',
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'tern_ingest_partition_lag',
      help: 'Messages in the partition after the last one this worker handled',
      labelNames: ['topic', 'partition'] as const,
      registers: [registry],
    }),
    openSessions: new Gauge({
      name: 'tern_ingest_open_sessions',
      help: 'Sessions held in memory',
      registers: [registry],
    }),
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
