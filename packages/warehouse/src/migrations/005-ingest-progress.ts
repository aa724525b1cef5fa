import type { Migration } from './migration.ts';

/**
 * Per-partition progress of ingest: the lowest and highest stream offset ClickHouse holds for each topic partition,
 * and how many rows came from it. ClickHouse's Kafka Connect sink keeps such a record ({topic, partition, min/max
 * offset, state}) in a KeeperMap beside the data, which needs a before/after state because the record and the rows
 * are two writes. Here the record is an aggregate projection of the events table: it lives inside every data part,
 * so a part and its progress land (or are dropped as a duplicate) together, and no crash can leave them apart. A
 * restarted worker reads one small row per partition instead of scanning events.
 *
 * MATERIALIZE builds the projection for parts written before this migration (a background mutation; until it is
 * done, the same query reads those parts directly and answers the same).
 */
export const createIngestProgress: Migration = {
  version: 5,
  name: 'create ingest progress projection',
  statements: [
    `ALTER TABLE events ADD PROJECTION IF NOT EXISTS stream_progress (
      SELECT _topic, _partition, min(_offset), max(_offset), count() GROUP BY _topic, _partition
    )`,
    'ALTER TABLE events MATERIALIZE PROJECTION stream_progress',
  ],
};
