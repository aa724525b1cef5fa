import type { Goal } from '@tern/events';
import { screenClassSql } from '../../screen-class.ts';
import { InvalidStatsQueryError } from './errors.ts';
import { goalDimension } from './goals.ts';
import type { ParamBag } from './params.ts';
import {
  type FieldDimension,
  type Metric,
  type RelativeMetric,
  SESSION_ONLY_DIMENSIONS,
  type SessionMetric,
  type TimeDimension,
} from './request.ts';
import type { RevenueMetric } from './revenue.ts';

/** Blank visit fields read as Plausible shows them; filters accept the same literals. */
const DIRECT = 'Direct / None';
const NOT_SET = '(not set)';
export const NO_PROP = '(none)';

/**
 * `transform` rather than `if(column = '', …)`: on a LowCardinality column it runs once per distinct value and keeps
 * the type, so grouping hashes dictionary keys, not strings. The four breakdowns of the dashboard's shared scan
 * (query-batch.ts) went from 90-94 to 79-81 ms on the largest bench site, 30 days.
 */
const orLabel = (column: string, label: string) => `transform(${column}, [''], ['${label}'])`;

/** Dimensions that are not a column of an event: goals, and what only sessions hold. */
type DerivedDimension =
  | `event:props:${string}`
  | 'event:goal'
  | 'visit:entry_page'
  | 'visit:exit_page'
  | 'visit:exit_page_hostname';

const FIELD_SQL: Record<Exclude<FieldDimension, DerivedDimension>, string> = {
  'event:page': 'pathname',
  'event:name': 'name',
  'event:hostname': 'hostname',
  'visit:entry_page_hostname': 'entry_hostname',
  'visit:source': orLabel('source', DIRECT),
  'visit:referrer': orLabel('referrer', DIRECT),
  'visit:utm_source': orLabel('utm_source', NOT_SET),
  'visit:utm_medium': orLabel('utm_medium', NOT_SET),
  'visit:utm_campaign': orLabel('utm_campaign', NOT_SET),
  'visit:utm_term': orLabel('utm_term', NOT_SET),
  'visit:utm_content': orLabel('utm_content', NOT_SET),
  'visit:country': orLabel('country', NOT_SET),
  'visit:region': orLabel('region', NOT_SET),
  'visit:city': orLabel('city', NOT_SET),
  'visit:browser': orLabel('browser', NOT_SET),
  'visit:browser_version': orLabel('browser_version', NOT_SET),
  'visit:os': orLabel('os', NOT_SET),
  'visit:os_version': orLabel('os_version', NOT_SET),
  // Plausible's screen-size classes of the session's first event (every event carries the session's width).
  'visit:device': screenClassSql('screen_width'),
  // The user agent's device type (desktop, mobile, tablet), which Plausible does not have.
  'visit:device_type': orLabel('device', NOT_SET),
};

/** SQL for a non-time dimension of an event row; prop keys and goal names are bound as parameters. */
export function fieldExpression(dimension: FieldDimension, params: ParamBag, goals: readonly Goal[] = []): string {
  if (dimension.startsWith('event:props:')) {
    const key = params.add(dimension.slice('event:props:'.length), 'String');
    return `if(mapContains(props, ${key}), props[${key}], '${NO_PROP}')`;
  }
  if (dimension === 'event:goal') return goalDimension(goals, params);
  if (SESSION_ONLY_DIMENSIONS.includes(dimension)) {
    // Routed to the sessions table before SQL is built; reaching here is a planner bug.
    throw new InvalidStatsQueryError('dimensions', `${dimension} is answered from sessions only`);
  }
  return FIELD_SQL[dimension as Exclude<FieldDimension, DerivedDimension>];
}

/**
 * SQL for a dimension of a session row (session-query.ts): visit attributes are named as on events; `event:page`
 * reads the entry page, as Plausible groups session metrics by page.
 */
export function sessionFieldExpression(dimension: FieldDimension, params: ParamBag): string {
  if (dimension === 'visit:entry_page' || dimension === 'event:page') return 'entry_page';
  if (dimension === 'visit:exit_page') return 'exit_page';
  if (dimension === 'visit:exit_page_hostname') return 'exit_hostname';
  if (dimension.startsWith('visit:')) return fieldExpression(dimension, params);
  throw new InvalidStatsQueryError('dimensions', `session metrics cannot be broken down by ${dimension}`);
}

export type TimeBucket = 'minute' | 'hour' | 'day' | 'week' | 'month';

/**
 * Plausible's labels: `YYYY-MM-DD HH:00:00`, `YYYY-MM-DD`, weeks from Monday, `YYYY-MM-01`; a week or month label is
 * clamped to `firstDay` (a bound Date parameter), the range's first day.
 */
export function timeExpression(bucket: TimeBucket, tz: string, column: string, firstDay: string): string {
  switch (bucket) {
    case 'minute':
      return `formatDateTime(toStartOfMinute(${column}), '%Y-%m-%d %H:%i:00', ${tz})`;
    case 'hour':
      return `formatDateTime(toStartOfHour(${column}, ${tz}), '%Y-%m-%d %H:00:00', ${tz})`;
    case 'day':
      return `toString(toDate(${column}, ${tz}))`;
    case 'week':
      return `toString(greatest(toMonday(toDate(${column}, ${tz})), ${firstDay}))`;
    case 'month':
      return `toString(greatest(toStartOfMonth(toDate(${column}, ${tz})), ${firstDay}))`;
  }
}

export function bucketFor(dimension: TimeDimension, hours: number): TimeBucket {
  const bucket = dimension !== 'time' ? (dimension.slice('time:'.length) as TimeBucket) : autoBucket(hours);
  // Every bucket is a label in `meta.time_labels` and may be a row: a range of decades in hours would be millions.
  const count = Math.ceil(hours / BUCKET_HOURS[bucket]);
  if (count > MAX_TIME_BUCKETS) {
    throw new InvalidStatsQueryError(
      'dimensions',
      `${dimension} over this date range makes ${count.toLocaleString('en-US')} buckets; at most ${MAX_TIME_BUCKETS.toLocaleString('en-US')} (choose a larger bucket or a shorter range)`,
    );
  }
  return bucket;
}

/** Time buckets one query may produce: an hourly series of a year and a month fits. */
export const MAX_TIME_BUCKETS = 10_000;
const BUCKET_HOURS: Record<TimeBucket, number> = { minute: 1 / 60, hour: 1, day: 24, week: 7 * 24, month: 28 * 24 };

function autoBucket(hours: number): TimeBucket {
  if (hours <= 48) return 'hour';
  if (hours <= 40 * 24) return 'day';
  if (hours <= 52 * 7 * 24) return 'week';
  return 'month';
}

export type EventMetric = Exclude<Metric, SessionMetric | RelativeMetric | RevenueMetric>;
export type CountMetric = Exclude<EventMetric, 'scroll_depth' | 'time_on_page'>;

/** Engagement pings are excluded from the scanned rows, so every metric ignores them. */
export const METRIC_SQL: Record<CountMetric, string> = {
  visitors: 'uniqExact(visitor_id)',
  visits: 'uniqExact(session_id)',
  pageviews: "countIf(type = 'pageview')",
  events: 'count()',
};

const ENGAGED = "type = 'engagement'";
/**
 * When an engagement metric is asked for, pings are scanned too: the counts then skip them explicitly.
 * `scroll_depth`: the mean over page visits (session and path) of the deepest scroll reported, in percent.
 * `time_on_page`: engaged seconds per page visit, where a page visit is a session's engagement on one path.
 * Both are null when no ping matched.
 */
export const ENGAGEMENT_METRIC_SQL: Record<EventMetric, string> = {
  visitors: "uniqExactIf(visitor_id, type != 'engagement')",
  visits: "uniqExactIf(session_id, type != 'engagement')",
  pageviews: "countIf(type = 'pageview')",
  events: "countIf(type != 'engagement')",
  scroll_depth: `if(countIf(${ENGAGED}) = 0, NULL, round(arrayAvg((maxMapIf([concat(toString(session_id), ' ', pathname)], [scroll_depth], ${ENGAGED})).2)))`,
  time_on_page: `if(countIf(${ENGAGED}) = 0, NULL, round(sumIf(engaged_ms, ${ENGAGED}) / 1000 / uniqExactIf((session_id, pathname), ${ENGAGED})))`,
};

/** The same metrics merged from the hourly rollup's states (migration 006). */
export const ROLLUP_METRIC_SQL: Record<CountMetric, string> = {
  visitors: 'uniqExactMerge(visitors)',
  visits: 'uniqExactMerge(visits)',
  pageviews: 'sum(pageviews)',
  events: 'sum(events)',
};

/** A count metric over the rows that pass `condition` only, from raw events or the rollup's states. */
export function countMetricIf(metric: CountMetric, rollup: boolean, condition: string): string {
  if (rollup) {
    const merged: Record<CountMetric, string> = {
      visitors: `uniqExactMergeIf(visitors, ${condition})`,
      visits: `uniqExactMergeIf(visits, ${condition})`,
      pageviews: `sumIf(pageviews, ${condition})`,
      events: `sumIf(events, ${condition})`,
    };
    return merged[metric];
  }
  const raw: Record<CountMetric, string> = {
    visitors: `uniqExactIf(visitor_id, ${condition})`,
    visits: `uniqExactIf(session_id, ${condition})`,
    pageviews: `countIf(type = 'pageview' AND ${condition})`,
    events: `countIf(${condition})`,
  };
  return raw[metric];
}

/**
 * Metrics over session rows (session-query.ts), rounded as Plausible does: bounce rate and duration to whole
 * numbers, views per visit to two decimals; no sessions gives 0. `entry` narrows the bounce rate to sessions whose
 * entry page passes the page filters (shared/SEMANTICS.md, page filters). Counts are the sessions' own.
 */
export function sessionMetricSql(metric: Exclude<Metric, RelativeMetric>, entry: string, period?: string): string {
  // `period` narrows every aggregate to the sessions of one period, when two periods share a pass (compare.ts).
  const count = period ? `countIf(${period})` : 'count()';
  const within = (condition: string) => (period ? `${condition} AND ${period}` : condition);
  const sumOf = (column: string) => (period ? `sumIf(${column}, ${period})` : `sum(${column})`);
  switch (metric) {
    case 'bounce_rate': {
      const entered = within(entry);
      return `if(countIf(${entered}) = 0, 0, round(countIf(${entered} AND session_events = 1) / countIf(${entered}) * 100))`;
    }
    case 'visit_duration':
      return `if(${count} = 0, 0, round(${period ? `avgIf(duration, ${period})` : 'avg(duration)'}))`;
    case 'views_per_visit':
      return `if(${count} = 0, 0, round(${sumOf('session_pageviews')} / ${count}, 2))`;
    case 'visitors':
      return period ? `uniqExactIf(visitor_id, ${period})` : 'uniqExact(visitor_id)';
    case 'visits':
      return count;
    case 'pageviews':
      return sumOf('session_pageviews');
    case 'events':
      return sumOf('session_events');
    default:
      throw new InvalidStatsQueryError('metrics', `${metric} cannot be computed from sessions`);
  }
}
