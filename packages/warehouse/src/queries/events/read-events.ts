import type { ClickHouseClient } from '@clickhouse/client';
import type { Goal } from '@tern/events';
import { InvalidStatsQueryError } from '../stats/errors.ts';
import { compileFilters, filterDimensions } from '../stats/filters.ts';
import { ParamBag } from '../stats/params.ts';
import { type Filter, SESSION_ONLY_DIMENSIONS } from '../stats/request.ts';

/** A raw event as stored, in the shape of the history format (snake_case, times in ms since the epoch). */
export interface StoredEvent {
  event_id: string;
  timestamp: number;
  type: 'pageview' | 'custom' | 'engagement';
  name: string;
  visitor_id: string;
  session_id: string;
  hostname: string;
  pathname: string;
  query: string;
  title: string;
  referrer: string;
  referrer_host: string;
  source: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_term: string;
  utm_content: string;
  country: string;
  region: string;
  city: string;
  browser: string;
  browser_version: string;
  os: string;
  os_version: string;
  device: '' | 'desktop' | 'mobile' | 'tablet';
  screen_width: number;
  language: string;
  props: Record<string, string>;
  engaged_ms: number;
  scroll_depth: number;
  /** Empty, both, when the event has no revenue. */
  revenue_amount: string;
  revenue_currency: string;
}

/** Position after which a page starts: the last (timestamp, event id) of the previous page. */
export interface EventCursor {
  timestamp: number;
  eventId: string;
}

export interface ReadEventsQuery {
  siteId: string;
  /** Half-open range [from, to), ms since the epoch. */
  from: number;
  to: number;
  /** Stats API v2 filters (event:* and visit:* dimensions). */
  filters: Filter[];
  /** The site's goals, for `event:goal` filters. */
  goals?: readonly Goal[];
  after?: EventCursor | undefined;
  limit: number;
}

/**
 * One page of a site's raw events in (timestamp, event id) order, after a cursor: keyset pagination, so each page
 * costs the same however deep it is and an export of any size runs in constant memory.
 */
export async function readEvents(client: ClickHouseClient, query: ReadEventsQuery): Promise<StoredEvent[]> {
  const sessionOnly = filterDimensions(query.filters).find((d) => SESSION_ONLY_DIMENSIONS.includes(d));
  if (sessionOnly) throw new InvalidStatsQueryError('filters', `${sessionOnly} describes visits, not events`);
  const params = new ParamBag();
  const site = params.add(query.siteId, 'String');
  const from = params.add(query.from, 'Int64');
  const to = params.add(query.to, 'Int64');
  let after = '1';
  if (query.after) {
    const at = params.add(query.after.timestamp, 'Int64');
    const id = params.add(query.after.eventId, 'UUID');
    after = `(timestamp, event_id) > (fromUnixTimestamp64Milli(${at}, 'UTC'), ${id})`;
  }
  const limit = params.add(query.limit, 'UInt32');
  const sql = `
    SELECT toString(event_id) AS id_text, toUnixTimestamp64Milli(timestamp) AS timestamp_ms, type, name,
      toString(visitor_id) AS visitor_text, toString(session_id) AS session_text, hostname, pathname, query, title,
      referrer, referrer_host, source, utm_source, utm_medium, utm_campaign, utm_term, utm_content, country, region,
      city, browser, browser_version, os, os_version, device, screen_width, language, props, engaged_ms, scroll_depth,
      if(revenue_currency = '', '', toString(revenue_amount)) AS revenue_text, toString(revenue_currency) AS currency_text
    FROM events
    WHERE site_id = ${site}
      AND timestamp >= fromUnixTimestamp64Milli(${from}, 'UTC') AND timestamp < fromUnixTimestamp64Milli(${to}, 'UTC')
      AND ${after} AND ${compileFilters(query.filters, params, undefined, query.goals ?? [])}
    ORDER BY timestamp, event_id
    LIMIT ${limit}`;
  const result = await client.query({ query: sql, query_params: params.values, format: 'JSONEachRow' });
  // Converted columns are selected under other names: an alias equal to a column's name would replace the column
  // in WHERE and ORDER BY (and a UUID does not sort as its text).
  type Selected = Omit<
    StoredEvent,
    'event_id' | 'timestamp' | 'visitor_id' | 'session_id' | 'revenue_amount' | 'revenue_currency'
  > & {
    revenue_text: string;
    currency_text: string;
    id_text: string;
    timestamp_ms: number;
    visitor_text: string;
    session_text: string;
  };
  const rows = await result.json<Selected>();
  return rows.map(({ id_text, timestamp_ms, visitor_text, session_text, revenue_text, currency_text, ...row }) => ({
    event_id: id_text,
    timestamp: Number(timestamp_ms),
    visitor_id: visitor_text,
    session_id: session_text,
    ...row,
    revenue_amount: revenue_text,
    revenue_currency: currency_text,
  }));
}
