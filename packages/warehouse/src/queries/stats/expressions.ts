import type { ParamBag } from './params.ts';
import type { FieldDimension, Metric, SessionMetric, TimeDimension } from './request.ts';

/** Blank visit fields read as Plausible shows them; filters accept the same literals. */
const DIRECT = 'Direct / None';
const NOT_SET = '(not set)';
const NO_PROP = '(none)';

const orLabel = (column: string, label: string) => `if(${column} = '', '${label}', ${column})`;

const FIELD_SQL: Record<Exclude<FieldDimension, `event:props:${string}`>, string> = {
  'event:page': 'pathname',
  'event:name': 'name',
  'event:hostname': 'hostname',
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
  'visit:device': orLabel('device', NOT_SET),
};

/** SQL for a non-time dimension; prop keys are bound as parameters. */
export function fieldExpression(dimension: FieldDimension, params: ParamBag): string {
  if (dimension.startsWith('event:props:')) {
    const key = params.add(dimension.slice('event:props:'.length), 'String');
    return `if(mapContains(props, ${key}), props[${key}], '${NO_PROP}')`;
  }
  return FIELD_SQL[dimension as Exclude<FieldDimension, `event:props:${string}`>];
}

export type TimeBucket = 'minute' | 'hour' | 'day' | 'week' | 'month';

/** Plausible's labels: `YYYY-MM-DD HH:00:00`, `YYYY-MM-DD`, weeks from Monday, `YYYY-MM-01`. */
export function timeExpression(bucket: TimeBucket, tz: string, column = 'timestamp'): string {
  switch (bucket) {
    case 'minute':
      return `formatDateTime(toStartOfMinute(${column}), '%Y-%m-%d %H:%i:00', ${tz})`;
    case 'hour':
      return `formatDateTime(toStartOfHour(${column}, ${tz}), '%Y-%m-%d %H:00:00', ${tz})`;
    case 'day':
      return `toString(toDate(${column}, ${tz}))`;
    case 'week':
      return `toString(toMonday(toDate(${column}, ${tz})))`;
    case 'month':
      return `toString(toStartOfMonth(toDate(${column}, ${tz})))`;
  }
}

export function bucketFor(dimension: TimeDimension, hours: number): TimeBucket {
  if (dimension !== 'time') return dimension.slice('time:'.length) as TimeBucket;
  if (hours <= 48) return 'hour';
  if (hours <= 40 * 24) return 'day';
  if (hours <= 52 * 7 * 24) return 'week';
  return 'month';
}

/** Engagement pings are excluded from the scanned rows, so every metric ignores them. */
export const METRIC_SQL: Record<Exclude<Metric, SessionMetric | 'percentage'>, string> = {
  visitors: 'uniqExact(visitor_id)',
  visits: 'uniqExact(session_id)',
  pageviews: "countIf(type = 'pageview')",
  events: 'count()',
};

/** The same metrics merged from the hourly rollup's states (migration 006). */
export const ROLLUP_METRIC_SQL: Record<Exclude<Metric, SessionMetric | 'percentage'>, string> = {
  visitors: 'uniqExactMerge(visitors)',
  visits: 'uniqExactMerge(visits)',
  pageviews: 'sum(pageviews)',
  events: 'sum(events)',
};

/**
 * Session metrics over the sessions subquery (one row per session), rounded as Plausible does: bounce rate and
 * duration to whole numbers, views per visit to two decimals. No sessions gives 0.
 */
export const SESSION_METRIC_SQL: Record<SessionMetric, string> = {
  bounce_rate: 'if(count() = 0, 0, round(countIf(session_events = 1) / count() * 100))',
  visit_duration: 'if(count() = 0, 0, round(avg(duration)))',
  views_per_visit: 'if(count() = 0, 0, round(sum(session_pageviews) / count(), 2))',
};
