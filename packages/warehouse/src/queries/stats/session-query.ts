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
import { coalesceRanges, inRange, instantBounds, rangeCondition, sessionStartWindow } from './range-sql.ts';
import {
  type Dimension,
  type FieldDimension,
  type Filter,
  type Metric,
  type RelativeMetric,
  SESSION_ONLY_DIMENSIONS,
  type TimeDimension,
} from './request.ts';

/**
 * The columns a session row can offer, named as the events table names them: how to merge them from partial rows
 * (GROUP BY session_id), how to read them from rows FINAL has merged (states renamed first, since a converted column
 * must not take its own name), and what they are computed from. A query selects only the ones its outer SELECT
 * names: ClickHouse analyses every column of a subquery before it drops the unused ones, and the full list cost
 * 17-25 ms of planning per statement (EXPLAIN on the bench data set).
 */
interface SessionColumn {
  merged: string;
  /** Column of `sessions FINAL`, and the expression that reads it. */
  stored?: string;
  final: string;
  uses?: string[];
}

const VISIT_ATTRIBUTES = [
  'referrer',
  'source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
] as const;

const START_FROM_ID = "toDateTime64(bitShiftRight(session_id, 32), 3, 'UTC') AS start_ts";

const SESSION_COLUMNS: Record<string, SessionColumn> = {
  visitor_id: { merged: 'any(visitor_id) AS visitor_id', stored: 'visitor_id', final: 'visitor_id' },
  // Ingest puts the start second in the id's top 32 bits (`sessionIdFor`), and whole seconds are all that day
  // ranges, time buckets and durations (dateDiff counts second boundaries) look at: reading it from the id spared
  // the start states, 53-58 → 44-48 ms for the sessions of the largest bench site's 30-day headline. Instant
  // ranges compare milliseconds, so they read the stored start.
  start_ts: {
    merged: START_FROM_ID,
    final: START_FROM_ID,
  },
  start_exact: {
    merged: 'argMinMerge(start) AS start_exact',
    stored: 'start AS start_state',
    final: 'finalizeAggregation(start_state) AS start_exact',
  },
  last_ts: { merged: 'max(last_seen) AS last_ts', stored: 'last_seen', final: 'last_seen AS last_ts' },
  last_event_ts: {
    merged: 'argMaxMerge(last_event) AS last_event_ts',
    stored: 'last_event AS last_event_state',
    final: 'finalizeAggregation(last_event_state) AS last_event_ts',
  },
  entry_page: {
    merged: 'argMinMerge(entry_page) AS entry_page',
    stored: 'entry_page AS entry_state',
    final: 'finalizeAggregation(entry_state) AS entry_page',
  },
  exit_page: {
    merged: 'argMaxMerge(exit_page) AS exit_page',
    stored: 'exit_page AS exit_state',
    final: 'finalizeAggregation(exit_state) AS exit_page',
  },
  exit_hostname: {
    merged: 'argMaxMerge(exit_hostname) AS exit_hostname',
    stored: 'exit_hostname AS exit_hostname_state',
    final: 'finalizeAggregation(exit_hostname_state) AS exit_hostname',
  },
  session_pageviews: {
    merged: 'sum(pageviews) AS session_pageviews',
    stored: 'pageviews',
    final: 'pageviews AS session_pageviews',
  },
  session_events: { merged: 'sum(events) AS session_events', stored: 'events', final: 'events AS session_events' },
  duration: {
    merged: "if(session_events = 0, 0, abs(dateDiff('second', start_ts, last_event_ts))) AS duration",
    final: "if(session_events = 0, 0, abs(dateDiff('second', start_ts, last_event_ts))) AS duration",
    uses: ['session_events', 'start_ts', 'last_event_ts'],
  },
  ...Object.fromEntries(
    VISIT_ATTRIBUTES.map((name) => [name, { merged: `any(${name}) AS ${name}`, stored: name, final: name }]),
  ),
  // Merged by max since migration 10: rows stored before it read '' and 0 (010-visit-from-session.ts).
  ...Object.fromEntries(
    ['entry_hostname', 'screen_width'].map((name) => [
      name,
      { merged: `max(${name}) AS ${name}`, stored: name, final: name },
    ]),
  ),
};

/** The session columns `sql` refers to, with what they are computed from, in a fixed order. */
function sessionColumnsFor(sql: string): string[] {
  const wanted = new Set(['start_ts', 'last_ts']);
  for (const name of Object.keys(SESSION_COLUMNS)) if (new RegExp(`\\b${name}\\b`).test(sql)) wanted.add(name);
  for (const name of [...wanted]) for (const used of SESSION_COLUMNS[name]?.uses ?? []) wanted.add(used);
  return Object.keys(SESSION_COLUMNS).filter((name) => wanted.has(name));
}

const columnsOf = (names: string[], part: 'merged' | 'final' | 'stored') =>
  names.flatMap((name) => {
    const sql = SESSION_COLUMNS[name]?.[part];
    return sql ? [sql] : [];
  });

const ON_EVENTS = (d: FieldDimension) => d.startsWith('event:');

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
    const onSession = dimensions.some((d) => SESSION_ONLY_DIMENSIONS.includes(d));
    const onEvents = dimensions.some(ON_EVENTS);
    if (onSession && onEvents) {
      throw new InvalidStatsQueryError('filters', 'one filter cannot test both entry or exit pages and events');
    }
    (onSession ? sessionFilters : onEvents ? eventFilters : visitFilters).push(filter);
  }
  // With event filters, visit filters are tested on the same events (they carry the session's visit attributes).
  const onRows = eventFilters.length > 0 ? sessionFilters : [...sessionFilters, ...visitFilters];
  const onEventRows = eventFilters.length > 0 ? [...eventFilters, ...visitFilters] : [];

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
  const select = [...dimensionSql, ...metricSql].join(', ');
  const columns = sessionColumnsFor(`${select} ${where}`);
  const rows =
    onEventRows.length > 0
      ? mergedSessions(
          site,
          `SELECT session_id FROM events WHERE site_id = ${site} AND ${rangeCondition(q.range, tz, params, 'timestamp')} AND type != 'engagement' AND ${compileFilters(onEventRows, params, fieldExpression, q.goals)}`,
          columns,
        )
      : sessionsOverlapping([q.range], site, params, columns);
  return `SELECT ${select} FROM (${rows}) WHERE ${where} ${groupBy}`;
}

/** Sessions whose ids the subquery lists, each merged from its partial rows. */
function mergedSessions(site: string, ids: string, columns: string[]): string {
  return `
    SELECT session_id, ${columnsOf(columns, 'merged').join(', ')}
    FROM sessions
    WHERE site_id = ${site} AND session_id IN (${ids})
    GROUP BY session_id`;
}

/**
 * A superset of the sessions that overlap any of the ranges, one row each, merged by FINAL: those that started
 * inside a range's window, read as primary-key ranges of ids, and the few that started before a window and were
 * still active at its start (found through the last-seen index, migration 8). Measured on the largest site of
 * bench/query.ts, 30 days: 26 ms for the first part against 64 ms for the sessions with an event in the window
 * (`mergedSessions` over an events subquery).
 */
function sessionsOverlapping(ranges: ResolvedRange[], site: string, params: ParamBag, columns: string[]): string {
  const windows = coalesceRanges(ranges).map((range) => sessionStartWindow(range, params));
  const inWindows = windows
    .map(({ lowId, highId }) => `(session_id >= ${lowId} AND session_id < ${highId})`)
    .join(' OR ');
  const activeAtStart = windows.map(({ low, lowId }) => `(session_id < ${lowId} AND last_seen >= ${low})`).join(' OR ');
  const stillActive = `SELECT session_id FROM sessions WHERE site_id = ${site} AND NOT (${inWindows}) AND (${activeAtStart})`;
  // The still-active set is a handful of ids, so it may narrow the key ranges FINAL reads (the shared default
  // leaves IN sets out of index analysis, since the events subqueries elsewhere list 10^5 ids).
  return `
    SELECT session_id, ${columnsOf(columns, 'final').join(', ')}
    FROM (
      SELECT session_id, ${columnsOf(columns, 'stored').join(', ')}
      FROM sessions FINAL
      WHERE site_id = ${site} AND ((${inWindows}) OR session_id IN (${stillActive}))
      SETTINGS use_index_for_in_with_subqueries = 1
    )`;
}

/**
 * Session metrics of several periods in one pass over their sessions, for queries without dimensions: metric i of
 * period k is named `aliases[k][i]`. A session that overlaps two adjacent periods counts in both, as it would
 * queried alone. Undefined when a filter tests events: which sessions it keeps depends on each period's events.
 */
export function sessionPeriodsSelect(
  q: Omit<SessionSelect, 'range' | 'aliases' | 'dimensions' | 'buckets'> & {
    periods: Array<{ range: ResolvedRange; aliases: string[] }>;
  },
): string | undefined {
  const { params, site, tz } = q;
  if (filterDimensions(q.filters).some(ON_EVENTS)) return undefined;
  const overlaps = q.periods.map((period) => overlapCondition(period.range, tz, params));
  // Each period's overlap test once, as a flag the metrics share: repeating the test in every aggregate made the
  // statement's analysis alone 12 ms slower.
  const flags = q.periods.map((_, k) => `in_period_${k}`);
  const metricSql = q.periods.flatMap((period, k) =>
    q.metrics.map((metric, i) => `${sessionMetricSql(metric, '1', flags[k])} AS ${period.aliases[i]}`),
  );
  const filters = compileFilters(q.filters, params, sessionFieldExpression);
  const columns = sessionColumnsFor(`${metricSql.join(', ')} ${overlaps.join(' ')} ${filters}`);
  const rows = sessionsOverlapping(
    q.periods.map((period) => period.range),
    site,
    params,
    columns,
  );
  const flagged = `SELECT *, ${overlaps.map((overlap, k) => `(${overlap}) AS ${flags[k]}`).join(', ')} FROM (${rows})`;
  return `SELECT ${metricSql.join(', ')} FROM (${flagged}) WHERE (${flags.join(' OR ')}) AND ${filters}`;
}

function overlapCondition(range: ResolvedRange, tz: string, params: ParamBag): string {
  if (range.kind === 'days') {
    const from = params.add(range.from, 'Date');
    const to = params.add(range.to, 'Date');
    return `toDate(start_ts, ${tz}) <= ${to} AND toDate(last_ts, ${tz}) >= ${from}`;
  }
  const { from, to } = instantBounds(range, params);
  return `start_exact <= ${to} AND last_ts >= ${from}`;
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
