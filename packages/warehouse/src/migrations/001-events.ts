import type { Migration } from './migration.ts';

/**
 * Raw events, one row per event the collector accepted. Visit attributes (source, referrer, UTM) are the
 * session's, copied from its first event by the ingest worker, as Plausible's events_v2 does, so that
 * `visit:*` breakdowns of event metrics need no join.
 *
 * `_topic/_partition/_offset` record where each row came from: with the per-batch
 * insert_deduplication_token they make re-delivered batches idempotent.
 */
export const createEvents: Migration = {
  version: 1,
  name: 'create events',
  statements: [
    `CREATE TABLE IF NOT EXISTS events (
      site_id LowCardinality(String),
      event_id UUID,
      type Enum8('pageview' = 1, 'custom' = 2, 'engagement' = 3),
      name LowCardinality(String),
      timestamp DateTime64(3, 'UTC'),
      received_at DateTime64(3, 'UTC'),
      visitor_id UInt64,
      session_id UInt64,
      hostname LowCardinality(String),
      pathname String,
      query String,
      title String,
      referrer String,
      referrer_host String,
      source LowCardinality(String),
      utm_source String,
      utm_medium String,
      utm_campaign String,
      utm_term String,
      utm_content String,
      country LowCardinality(String),
      browser LowCardinality(String),
      browser_version LowCardinality(String),
      os LowCardinality(String),
      os_version LowCardinality(String),
      device LowCardinality(String),
      screen_width UInt16,
      language LowCardinality(String),
      props Map(String, String),
      engaged_ms UInt32,
      scroll_depth UInt8,
      _topic LowCardinality(String),
      _partition UInt32,
      _offset UInt64
    )
    ENGINE = MergeTree
    PARTITION BY toYYYYMM(timestamp)
    ORDER BY (site_id, toDate(timestamp), visitor_id, timestamp)
    SETTINGS non_replicated_deduplication_window = 10000`,
  ],
};
