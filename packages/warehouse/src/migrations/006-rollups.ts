import type { Migration } from './migration.ts';

/**
 * Hourly rollups per site and dimension value, so that dashboard queries over months read a few rows per hour
 * instead of every event. One long table for all dimensions: each event contributes one row per rolled-up
 * dimension (and one to the totals, dimension ''), holding exact visitor and visit sets (uniqExact states) and
 * counts; any range of whole hours merges to the same answer the raw table gives.
 *
 * Fed by a materialized view inside the ingest worker's insert, so a re-delivered batch is dropped here exactly as
 * in events (the insert's dedup token with deduplicate_blocks_in_dependent_materialized_views), and the rollup
 * cannot fall behind or run ahead of the raw rows. Values are stored with Plausible's blank labels, as the query API
 * shows them. The dimension list is `ROLLUP_DIMENSIONS` in queries/stats/rollup-plan.ts; a test checks every one
 * against the raw table.
 */
const DIMENSION_VALUES = `[
  ('', ''),
  ('event:page', pathname),
  ('event:hostname', toString(hostname)),
  ('event:name', toString(name)),
  ('visit:source', if(source = '', 'Direct / None', toString(source))),
  ('visit:referrer', if(referrer = '', 'Direct / None', referrer)),
  ('visit:utm_source', if(utm_source = '', '(not set)', utm_source)),
  ('visit:utm_medium', if(utm_medium = '', '(not set)', utm_medium)),
  ('visit:utm_campaign', if(utm_campaign = '', '(not set)', utm_campaign)),
  ('visit:country', if(country = '', '(not set)', toString(country))),
  ('visit:region', if(region = '', '(not set)', toString(region))),
  ('visit:city', if(city = '', '(not set)', toString(city))),
  ('visit:device', if(device = '', '(not set)', toString(device))),
  ('visit:browser', if(browser = '', '(not set)', toString(browser))),
  ('visit:os', if(os = '', '(not set)', toString(os)))
]`;

const ROLLUP_SELECT = `
  SELECT
    site_id,
    dimension_value.1 AS dimension,
    dimension_value.2 AS value,
    toStartOfHour(timestamp) AS hour,
    uniqExactState(visitor_id) AS visitors,
    uniqExactState(session_id) AS visits,
    toUInt64(countIf(type = 'pageview')) AS pageviews,
    toUInt64(count()) AS events
  FROM events
  ARRAY JOIN ${DIMENSION_VALUES} AS dimension_value
  WHERE type != 'engagement'
  GROUP BY site_id, dimension, value, hour`;

export const createRollups: Migration = {
  version: 6,
  name: 'create hourly rollups',
  statements: [
    `CREATE TABLE IF NOT EXISTS events_hourly (
      site_id LowCardinality(String),
      dimension LowCardinality(String),
      value String,
      hour DateTime('UTC'),
      visitors AggregateFunction(uniqExact, UInt64),
      visits AggregateFunction(uniqExact, UInt64),
      pageviews SimpleAggregateFunction(sum, UInt64),
      events SimpleAggregateFunction(sum, UInt64)
    )
    ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(hour)
    ORDER BY (site_id, dimension, hour, value)
    SETTINGS non_replicated_deduplication_window = 10000`,
    `INSERT INTO events_hourly ${ROLLUP_SELECT} SETTINGS insert_deduplicate = 0`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS events_hourly_mv TO events_hourly AS ${ROLLUP_SELECT}`,
  ],
};
