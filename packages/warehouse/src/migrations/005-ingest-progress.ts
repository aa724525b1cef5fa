import type { Migration } from './migration.ts';

/**
 * Per-partition progress of ingest: the highest stream offset ClickHouse holds for each topic partition, and how
 * many rows came from it. Like the state record of ClickHouse's Kafka Connect sink ({topic, partition, min/max
 * offset}), but written by a materialized view inside the events insert itself, so the record and the rows cannot
 * disagree: a batch that landed moved the mark, a batch that did not left it, and a re-delivered batch is dropped by
 * the same dedup token in both. A restarted worker reads one small row per partition instead of scanning events.
 *
 * Backfilled from events for warehouses that had rows before this migration; migrations run before a worker consumes.
 */
export const createIngestProgress: Migration = {
  version: 5,
  name: 'create ingest progress',
  statements: [
    `CREATE TABLE IF NOT EXISTS ingest_progress (
      topic LowCardinality(String),
      partition UInt32,
      min_offset SimpleAggregateFunction(min, UInt64),
      max_offset SimpleAggregateFunction(max, UInt64),
      rows SimpleAggregateFunction(sum, UInt64)
    )
    ENGINE = AggregatingMergeTree
    ORDER BY (topic, partition)
    SETTINGS non_replicated_deduplication_window = 10000`,
    `INSERT INTO ingest_progress
    SELECT _topic, _partition, min(_offset), max(_offset), toUInt64(count()) FROM events GROUP BY _topic, _partition
    SETTINGS insert_deduplicate = 0`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_progress_mv TO ingest_progress AS
    SELECT
      _topic AS topic,
      _partition AS partition,
      min(_offset) AS min_offset,
      max(_offset) AS max_offset,
      toUInt64(count()) AS rows
    FROM events
    GROUP BY topic, partition`,
  ],
};
