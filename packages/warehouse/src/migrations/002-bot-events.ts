import type { Migration } from './migration.ts';

/** Requests the collector classified as bots, kept 30 days for audit and for tuning the filter. */
export const createBotEvents: Migration = {
  version: 2,
  name: 'create bot_events',
  statements: [
    `CREATE TABLE IF NOT EXISTS bot_events (
      site_id LowCardinality(String),
      timestamp DateTime64(3, 'UTC'),
      reason LowCardinality(String),
      user_agent String,
      hostname LowCardinality(String),
      pathname String,
      events UInt16,
      _partition UInt32,
      _offset UInt64
    )
    ENGINE = MergeTree
    ORDER BY (site_id, timestamp)
    TTL toDateTime(timestamp) + INTERVAL 30 DAY
    SETTINGS non_replicated_deduplication_window = 1000`,
  ],
};
