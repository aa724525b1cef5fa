import type { Goal } from '@tern/events';
import type { ResolvedRange } from './date-range.ts';
import { InvalidStatsQueryError } from './errors.ts';
import {
  fieldExpression,
  sessionFieldExpression,
  sessionMetricSql,
  type TimeBucket,
  timeExpression,
} from './expressions.ts';
import { compileFilters, filterDimensions } from './filters.ts';
import type { ParamBag } from './params.ts';
import { inRange, instantBounds, rangeCondition, sessionWindow } from './range-sql.ts';
import type { Dimension, FieldDimension, Filter, Metric, RelativeMetric, TimeDimension } from './request.ts';

/** One row per session: the merged states of the sessions table, named as the events table names them. */
const SESSION_COLUMNS = `
  any(visitor_id) AS visitor_id,
  argMinMerge(start) AS start_ts,
  max(last_seen) AS last_ts,
  argMaxMerge(last_event) AS last_event_ts,
  argMinMerge(entry_page) AS entry_page,
  argMaxMerge(exit_page) AS exit_page,
  sum(pageviews) AS session_pageviews,
  sum(events) AS session_events,
  if(session_events = 0, 0, abs(dateDiff('second', start_ts, last_event_ts))) AS duration,
  any(referrer) AS referrer, any(source) AS source,
  any(utm_source) AS utm_source, any(utm_medium) AS utm_medium, any(utm_campaign) AS utm_campaign,
  any(utm_term) AS utm_term, any(utm_content) AS utm_content,
  any(country) AS country, any(region) AS region, any(city) AS city, any(device) AS device,
  any(browser) AS browser, any(browser_version) AS browser_version, any(os) AS os, any(os_version) AS os_version`;

const SESSION_ONLY: readonly string[] = ['visit:entry_page', 'visit:exit_page'];
const ON_EVENTS = (d: FieldDimension) => d.startsWith('event:') || d === 'visit:screen';

/** What every SELECT of a stats query shares: the range, its buckets, the bound parameters, the goals. */
export interface SelectScope {
  range: ResolvedRange;
  buckets: Map<TimeDimension, TimeBucket>;
  params: ParamBag;
  /** Bound parameters of the site and its time zone. */
  site: string;
  tz: string;
  /** Bound Date parameter: the first day of the range, where week and month labels are clamped. */
  firstDay: string;
  goals: readonly Goal[];
  /** The column alias of each metric. */
  aliases: string[];
}

export interface SessionSelect extends SelectScope {
  dimensions: Dimension[];
  filters: Filter[];
  metrics: Array<Exclude<Metric, RelativeMetric>>;
}

/**
 * A SELECT of metrics over sessions that overlap the range (as in Plausible), grouped by `d0…`: visit attributes,
 * entry and exit pages, `event:page` as the entry page, and time buckets, where a session counts in every bucket it
 * spans. Filters on visit attributes or entry and exit pages test the session; filters on events keep the sessions
 * that had a matching event in the range.
 */
export function sessionSelect(q: SessionSelect): string {
  const { params, site, tz } = q;
  const sessionFilters: Filter[] = [];
  const eventFilters: Filter[] = [];
  const visitFilters: Filter[] = [];
  for (const filter of q.filters) {
    const dimensions = filterDimensions([filter]);
    const onSession = dimensions.some((d) => SESSION_ONLY.includes(d));
    const onEvents = dimensions.some(ON_EVENTS);
    if (onSession && onEvents) {
      throw new InvalidStatsQueryError('filters', 'one filter cannot test both entry or exit pages and events');
    }
    (onSession ? sessionFilters : onEvents ? eventFilters : visitFilters).push(filter);
  }
  // With event filters, visit filters are tested on the same events (they carry the session's visit attributes).
  const onRows = eventFilters.length > 0 ? sessionFilters : [...sessionFilters, ...visitFilters];
  const onEventRows = eventFilters.length > 0 ? [...eventFilters, ...visitFilters] : [];

  const candidates =
    onEventRows.length > 0
      ? `${rangeCondition(q.range, tz, params, 'timestamp')} AND type != 'engagement' AND ${compileFilters(onEventRows, params, fieldExpression, q.goals)}`
      : sessionWindow(q.range, params, 'timestamp');
  const rows = `
    SELECT session_id, ${SESSION_COLUMNS}
    FROM sessions
    WHERE site_id = ${site} AND session_id IN (SELECT session_id FROM events WHERE site_id = ${site} AND ${candidates})
    GROUP BY session_id`;

  // Plausible's bounce rate under a page filter counts the sessions that entered on a matching page.
  const pageFilters = q.filters.filter((f) => f.length >= 3 && f[1] === 'event:page');
  const entry = pageFilters.length > 0 ? compileFilters(pageFilters, params, () => 'entry_page') : '1';

  const dimensionSql = q.dimensions.map((dimension, i) => {
    const bucket = q.buckets.get(dimension as TimeDimension);
    const sql = bucket
      ? sessionBuckets(bucket, q.range, tz, q.firstDay, params)
      : sessionFieldExpression(dimension as FieldDimension, params);
    return `${sql} AS d${i}`;
  });
  const metricSql = q.metrics.map((metric, i) => `${sessionMetricSql(metric, entry)} AS ${q.aliases[i]}`);
  const overlap = overlapCondition(q.range, tz, params);
  const where = `${overlap} AND ${compileFilters(onRows, params, sessionFieldExpression)}`;
  const groupBy = q.dimensions.length > 0 ? `GROUP BY ${q.dimensions.map((_, i) => `d${i}`).join(', ')}` : '';
  return `SELECT ${[...dimensionSql, ...metricSql].join(', ')} FROM (${rows}) WHERE ${where} ${groupBy}`;
}

function overlapCondition(range: ResolvedRange, tz: string, params: ParamBag): string {
  if (range.kind === 'days') {
    const from = params.add(range.from, 'Date');
    const to = params.add(range.to, 'Date');
    return `toDate(start_ts, ${tz}) <= ${to} AND toDate(last_ts, ${tz}) >= ${from}`;
  }
  const { from, to } = instantBounds(range, params);
  return `start_ts <= ${to} AND last_ts >= ${from}`;
}

/**
 * The labels of every bucket a session spans inside the range. Points every 15 minutes from the start (every
 * minute for minute buckets), plus the last event, hit every hour and every zone's day, since zone offsets are
 * whole quarter hours.
 */
function sessionBuckets(
  bucket: TimeBucket,
  range: ResolvedRange,
  tz: string,
  firstDay: string,
  params: ParamBag,
): string {
  const step = bucket === 'minute' ? 60 : 900;
  const points = `arrayPushBack(arrayMap(s -> toDateTime64(s, 3, 'UTC'), range(toUInt32(toUnixTimestamp(start_ts)), toUInt32(toUnixTimestamp(last_ts)), ${step})), last_ts)`;
  const inside = `arrayFilter(t -> ${inRange(range, tz, params, 't')}, ${points})`;
  return `arrayJoin(arrayDistinct(arrayMap(t -> ${timeExpression(bucket, tz, 't', firstDay)}, ${inside})))`;
}
