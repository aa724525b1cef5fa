import type { ClickHouseClient } from '@clickhouse/client';
import type { ResolvedRange } from './date-range.ts';
import { SESSION_METRIC_SQL } from './expressions.ts';
import { compileFilters } from './filters.ts';
import { ParamBag } from './params.ts';
import type { Filter, SessionMetric } from './request.ts';

/** Visit attributes of a session, named as the events table names them, so visit:* filters compile alike. */
const SESSION_COLUMNS = `
  argMinMerge(start) AS start_ts,
  max(last_seen) AS last_ts,
  argMaxMerge(last_event) AS last_event_ts,
  sum(pageviews) AS session_pageviews,
  sum(events) AS session_events,
  if(session_events = 0, 0, abs(dateDiff('second', start_ts, last_event_ts))) AS duration,
  any(referrer) AS referrer, any(source) AS source,
  any(utm_source) AS utm_source, any(utm_medium) AS utm_medium, any(utm_campaign) AS utm_campaign,
  any(utm_term) AS utm_term, any(utm_content) AS utm_content,
  any(country) AS country, any(region) AS region, any(city) AS city, any(device) AS device,
  any(browser) AS browser, any(browser_version) AS browser_version, any(os) AS os, any(os_version) AS os_version`;

/**
 * Session metrics for the whole range (no dimensions). A session counts if it overlaps the range, as in Plausible.
 */
export async function querySessionMetrics(
  client: ClickHouseClient,
  siteId: string,
  metrics: SessionMetric[],
  range: ResolvedRange,
  timezone: string,
  filters: Filter[],
): Promise<Map<SessionMetric, number>> {
  const params = new ParamBag();
  const site = params.add(siteId, 'String');
  const tz = params.add(timezone, 'String');
  let overlap: string;
  if (range.kind === 'days') {
    const from = params.add(range.from, 'Date');
    const to = params.add(range.to, 'Date');
    overlap = `toDate(start_ts, ${tz}) <= ${to} AND toDate(last_ts, ${tz}) >= ${from}`;
  } else {
    const from = params.add(range.from.toISOString().replace('T', ' ').replace('Z', ''), "DateTime64(3, 'UTC')");
    const to = params.add(range.to.toISOString().replace('T', ' ').replace('Z', ''), "DateTime64(3, 'UTC')");
    overlap = `start_ts <= ${to} AND last_ts >= ${from}`;
  }
  const select = metrics.map((metric, i) => `${SESSION_METRIC_SQL[metric]} AS m${i}`).join(', ');
  const query = `
    SELECT ${select} FROM (
      SELECT session_id, ${SESSION_COLUMNS} FROM sessions WHERE site_id = ${site} GROUP BY session_id
    ) WHERE ${overlap} AND ${compileFilters(filters, params)}`;
  const result = await client.query({ query, query_params: params.values, format: 'JSONCompactEachRow' });
  const row = (await result.json<number[]>())[0] ?? [];
  return new Map(metrics.map((metric, i) => [metric, Number(row[i] ?? 0)]));
}
