import type { Migration } from './migration.ts';

/**
 * Sessions, derived inside ClickHouse from the events table by a materialized view into an AggregatingMergeTree
 * keyed by session. The ingest worker assigns session ids; the view folds each inserted block into per-session
 * aggregate states. A re-delivered batch is dropped by both tables: the events insert carries the batch's dedup
 * token and `deduplicate_blocks_in_dependent_materialized_views`, so the view's block is deduplicated too (without
 * that setting ClickHouse feeds the view again; the warehouse test caught it). With the worker dropping repeated
 * event ids, sessions are exact, and no second write has to be kept consistent with the first.
 *
 * Ingest order is the stream offset (one visitor's events share a partition): entry page = first page view by
 * offset, exit page = last, start = the first event's time, duration = last non-engagement event's time − start
 * (Plausible's rules, shared/SEMANTICS.md). Engagement pings only keep a session alive.
 */
export const createSessions: Migration = {
  version: 4,
  name: 'create sessions',
  statements: [
    `CREATE TABLE IF NOT EXISTS sessions (
      site_id LowCardinality(String),
      session_id UInt64,
      visitor_id SimpleAggregateFunction(any, UInt64),
      start AggregateFunction(argMin, DateTime64(3, 'UTC'), UInt64),
      last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
      last_event AggregateFunction(argMax, DateTime64(3, 'UTC'), UInt64),
      entry_page AggregateFunction(argMin, String, UInt64),
      exit_page AggregateFunction(argMax, String, UInt64),
      pageviews SimpleAggregateFunction(sum, UInt64),
      events SimpleAggregateFunction(sum, UInt64),
      referrer SimpleAggregateFunction(any, String),
      source SimpleAggregateFunction(any, String),
      utm_source SimpleAggregateFunction(any, String),
      utm_medium SimpleAggregateFunction(any, String),
      utm_campaign SimpleAggregateFunction(any, String),
      utm_term SimpleAggregateFunction(any, String),
      utm_content SimpleAggregateFunction(any, String),
      country SimpleAggregateFunction(any, String),
      region SimpleAggregateFunction(any, String),
      city SimpleAggregateFunction(any, String),
      device SimpleAggregateFunction(any, String),
      browser SimpleAggregateFunction(any, String),
      browser_version SimpleAggregateFunction(any, String),
      os SimpleAggregateFunction(any, String),
      os_version SimpleAggregateFunction(any, String)
    )
    ENGINE = AggregatingMergeTree
    ORDER BY (site_id, session_id)
    SETTINGS non_replicated_deduplication_window = 10000`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_mv TO sessions AS
${sessionsViewQuery('_offset')}`,
  ],
};

/**
 * The view's SELECT. `order` orders one session's events: the stream offset here; the offset and the event's line
 * within its message since migration 9 (009-event-index.ts). `visit` adds the columns of migration 10
 * (010-visit-from-session.ts): the entry and exit hostnames and the screen width.
 */
export function sessionsViewQuery(order: string, visit = false): string {
  return `    SELECT
      site_id,
      session_id,
      any(visitor_id) AS visitor_id,
      argMinState(timestamp, ${order}) AS start,
      max(timestamp) AS last_seen,
      argMaxStateIf(timestamp, ${order}, type != 'engagement') AS last_event,
      argMinStateIf(pathname, ${order}, type = 'pageview') AS entry_page,
      argMaxStateIf(pathname, ${order}, type = 'pageview') AS exit_page,
      toUInt64(countIf(type = 'pageview')) AS pageviews,
      toUInt64(countIf(type != 'engagement')) AS events,
      any(referrer) AS referrer,
      any(toString(source)) AS source,
      any(utm_source) AS utm_source,
      any(utm_medium) AS utm_medium,
      any(utm_campaign) AS utm_campaign,
      any(utm_term) AS utm_term,
      any(utm_content) AS utm_content,
      any(toString(country)) AS country,
      any(toString(region)) AS region,
      any(toString(city)) AS city,
      any(toString(device)) AS device,
      any(toString(browser)) AS browser,
      any(toString(browser_version)) AS browser_version,
      any(toString(os)) AS os,
      any(toString(os_version)) AS os_version${
        visit
          ? `,
      max(toString(entry_hostname)) AS entry_hostname,
      argMaxStateIf(toString(hostname), ${order}, type = 'pageview') AS exit_hostname,
      max(screen_width) AS screen_width`
          : ''
      }
    FROM events
    GROUP BY site_id, session_id`;
}
