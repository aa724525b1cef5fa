import type { ClickHouseClient } from '@clickhouse/client';
import type { Goal } from '@tern/events';
import { change, comparisonRange } from './compare.ts';
import { type ResolvedRange, rangeHours, resolveDateRange, todayIn } from './date-range.ts';
import { InvalidStatsQueryError } from './errors.ts';
import {
  bucketFor,
  type CountMetric,
  countMetricIf,
  ENGAGEMENT_METRIC_SQL,
  type EventMetric,
  fieldExpression,
  METRIC_SQL,
  ROLLUP_METRIC_SQL,
  type TimeBucket,
  timeExpression,
} from './expressions.ts';
import { type ColumnOf, compileFilters, filterDimensions } from './filters.ts';
import { anyGoalCondition } from './goals.ts';
import { withHostnameFilters } from './hostname-filters.ts';
import { ParamBag } from './params.ts';
import { coalesceRanges, inRange, rangeCondition } from './range-sql.ts';
import {
  type Dimension,
  ENGAGEMENT_METRICS,
  type FieldDimension,
  type Filter,
  type Metric,
  RELATIVE_METRICS,
  type RelativeMetric,
  SESSION_METRICS,
  SESSION_ONLY_DIMENSIONS,
  type SessionMetric,
  type StatsRequest,
  type TimeDimension,
} from './request.ts';
import {
  isRevenueMetric,
  type RevenueMetric,
  type RevenueScope,
  type RevenueValue,
  revenueMetricSql,
  revenueScope,
  revenueValue,
  rowCurrency,
} from './revenue.ts';
import { planRollup } from './rollup-plan.ts';
import { type SelectScope, sessionPeriodsSelect, sessionSelect } from './session-query.ts';
import { timeLabels } from './time-labels.ts';

export { InvalidStatsQueryError } from './errors.ts';

export interface StatsContext {
  /** The site's IANA time zone: day boundaries and time labels follow it. */
  timezone: string;
  now: Date;
  /** The site's goals, for `event:goal` and `conversion_rate`. */
  goals?: readonly Goal[];
  /**
   * Where event metrics come from: the hourly rollup whenever it can answer exactly (`auto`, the default), always
   * the raw events (`raw`), or only the rollup (`rollup`, an error when it cannot answer; for tests and benches).
   */
  source?: 'auto' | 'raw' | 'rollup';
}

/**
 * A metric's value: a number; null where there is nothing to divide by (`percentage`, the engagement metrics) or no
 * revenue currency; a revenue figure for `total_revenue` and `average_revenue` (revenue.ts).
 */
export type MetricValue = number | null | RevenueValue;

export interface StatsRow {
  metrics: MetricValue[];
  dimensions: string[];
  /** With `include.comparisons`: the same row in the other period, and the change per metric. */
  comparison?: { dimensions: string[]; metrics: MetricValue[]; change: Array<number | null> };
}

/** The number a value stands for: a revenue figure's amount. */
export const numberOf = (value: MetricValue | undefined): number =>
  value !== null && typeof value === 'object' ? value.value : Number(value ?? 0);

export interface StatsResponse {
  results: StatsRow[];
  meta: { time_labels?: string[]; total_rows?: number; comparison_date_range?: [string, string] };
  query: Omit<StatsRequest, 'date_range'> & { date_range: [string, string] };
}

const isTime = (d: Dimension): d is TimeDimension => d === 'time' || d.startsWith('time:');

/**
 * Answers a Stats API v2 query: event metrics from the hourly rollup where it is exact, else from raw events;
 * session metrics from sessions. With `include.comparisons`, each row also carries the other period's figures and
 * the change; time buckets are matched by position (the first day with the first day).
 */
export async function queryStats(
  client: ClickHouseClient,
  request: StatsRequest,
  context: StatsContext,
): Promise<StatsResponse> {
  const response = await answerStats(client, withVisitHostnames(request), context);
  return echoing(request, response);
}

/** The request with `event:hostname` filters extended to the entry or exit hostname (hostname-filters.ts). */
export function withVisitHostnames(request: StatsRequest): StatsRequest {
  const filters = withHostnameFilters(request.filters, request.dimensions);
  return filters === request.filters ? request : { ...request, filters };
}

/** The response with the query echoed as it was asked, not as extended. */
export function echoing(request: StatsRequest, response: StatsResponse): StatsResponse {
  return { ...response, query: { ...response.query, filters: request.filters } };
}

async function answerStats(client: ClickHouseClient, request: StatsRequest, context: StatsContext) {
  if (request.metrics.some(isRelativeMetric)) return queryWithRelative(client, request, context);
  const comparisons = request.include?.comparisons;
  if (!comparisons) return queryPeriod(client, request, context);

  const include = { ...request.include, comparisons: undefined };
  const firstDay = request.date_range === 'all' ? await firstEventDay(client, request.site_id, context.timezone) : '';
  const range = resolveDateRange(request.date_range, context.timezone, context.now, firstDay);
  const otherDates = comparisonRange(range, comparisons);
  const timeIndex = request.dimensions.findIndex(isTime);
  // Both periods use the current period's bucket, so that a custom period of another length still lines up.
  const bucket =
    timeIndex >= 0 ? bucketFor(request.dimensions[timeIndex] as TimeDimension, rangeHours(range)) : undefined;
  const otherDimensions = request.dimensions.map((d, i) => (i === timeIndex ? (`time:${bucket}` as Dimension) : d));
  if (
    timeIndex < 0 &&
    request.dimensions.length === 0 &&
    !request.include?.total_rows &&
    !request.include?.time_labels
  ) {
    const otherRange = resolveDateRange(otherDates, context.timezone, context.now, firstDay);
    const totals = await totalsOfPeriods(client, request, [range, otherRange], context);
    if (totals) {
      const [current = [], other = []] = totals;
      return {
        results: [
          {
            dimensions: [],
            metrics: current,
            comparison: {
              dimensions: [],
              metrics: other,
              change: request.metrics.map((metric, i) => change(metric, numberOf(other[i]), numberOf(current[i]))),
            },
          },
        ],
        meta: { comparison_date_range: describeRange(otherRange, context.timezone) },
        query: { ...request, include, date_range: describeRange(range, context.timezone) },
      };
    }
  }
  const current = await queryPeriod(client, { ...request, include }, context);
  const other = await queryPeriod(
    client,
    {
      ...request,
      dimensions: otherDimensions,
      date_range: otherDates,
      include,
      pagination: { limit: 10_000, offset: 0 },
    },
    context,
  );

  let relabel = (dimensions: string[]) => dimensions;
  if (bucket) {
    const otherRange = resolveDateRange(otherDates, context.timezone, context.now, firstDay);
    const currentLabels = timeLabels(range, bucket, context.timezone);
    const position = new Map(timeLabels(otherRange, bucket, context.timezone).map((label, i) => [label, i]));
    relabel = (dimensions) =>
      dimensions.map((value, i) => (i === timeIndex ? (currentLabels[position.get(value) ?? -1] ?? '') : value));
  }
  const byDimensions = new Map(other.results.map((row) => [JSON.stringify(relabel(row.dimensions)), row]));
  const zero = request.metrics.map(() => 0);
  const withComparison = (row: StatsRow): StatsRow => {
    const previous = byDimensions.get(JSON.stringify(row.dimensions));
    const metrics = previous?.metrics ?? zero;
    return {
      ...row,
      comparison: {
        dimensions: previous?.dimensions ?? row.dimensions,
        metrics,
        change: request.metrics.map((metric, i) => change(metric, numberOf(metrics[i]), numberOf(row.metrics[i]))),
      },
    };
  };
  const results = current.results.map(withComparison);
  // A time series alone also gets the buckets where only the other period has data, so that a chart can draw the
  // comparison line whole.
  if (bucket && request.dimensions.length === 1) {
    const present = new Set(current.results.map((row) => row.dimensions[0]));
    for (const row of other.results) {
      const [label] = relabel(row.dimensions);
      if (label && !present.has(label)) results.push(withComparison({ dimensions: [label], metrics: zero }));
    }
    results.sort((a, b) => String(a.dimensions[0]).localeCompare(String(b.dimensions[0])));
  }
  return { ...current, results, meta: { ...current.meta, comparison_date_range: other.query.date_range } };
}

/**
 * The totals a query with relative metrics divides by, as the filters of a visitors-only query without dimensions:
 * `filtered` for `percentage` (the query's own filters), `unconverted` for `conversion_rate` (goal and prop filters
 * removed).
 */
export function relativeTotals(request: StatsRequest): { filtered?: Filter[]; unconverted?: Filter[] } {
  return {
    ...(request.metrics.includes('percentage') ? { filtered: request.filters } : {}),
    ...(request.metrics.includes('conversion_rate') ? { unconverted: unconvertedFilters(request.filters) } : {}),
  };
}

/** The filters without the top-level goal and prop filters: the visitors a conversion rate divides by. */
function unconvertedFilters(filters: Filter[]): Filter[] {
  return filters.filter(
    (filter) => !(filter.length >= 3 && (filter[1] === 'event:goal' || String(filter[1]).startsWith('event:props:'))),
  );
}

/** Per-row totals of `group_conversion_rate` and `exit_rate`, keyed by the row's dimension values. */
export interface RowTotals {
  /** Visitors of the row without goal and prop filters. */
  group?: Map<string, number>;
  /** Page views of the row's exit page under the query's other filters. */
  pageviews?: Map<string, number>;
}
const rowKey = (dimensions: string[]) => JSON.stringify(dimensions);

/**
 * Metrics relative to a total (shared/SEMANTICS.md, relative metrics). `percentage`: a row's visitors ÷ the visitors
 * under the same filters without dimensions × 100, one decimal, null when that total is 0. `conversion_rate`: a row's
 * visitors ÷ the visitors with goal and prop filters removed × 100, two decimals, 0 when that total is 0. `known`
 * totals (from a batch's shared scan) are used instead of querying them.
 */
export async function queryWithRelative(
  client: ClickHouseClient,
  request: StatsRequest,
  context: StatsContext,
  known: { filtered?: number | undefined; unconverted?: number | undefined } = {},
): Promise<StatsResponse> {
  if (request.metrics.includes('percentage') && request.dimensions.length === 0) {
    throw new InvalidStatsQueryError('metrics', 'percentage needs at least one dimension');
  }
  const hasGoal = [...request.dimensions, ...filterDimensions(request.filters)].includes('event:goal');
  for (const metric of ['conversion_rate', 'group_conversion_rate'] as const) {
    if (request.metrics.includes(metric) && !hasGoal) {
      throw new InvalidStatsQueryError('metrics', `${metric} needs an event:goal filter or dimension`);
    }
  }
  if (request.metrics.includes('group_conversion_rate') && request.dimensions.length === 0) {
    throw new InvalidStatsQueryError('metrics', 'group_conversion_rate needs at least one dimension');
  }
  if (
    request.metrics.includes('exit_rate') &&
    (request.dimensions.length !== 1 || request.dimensions[0] !== 'visit:exit_page')
  ) {
    throw new InvalidStatsQueryError('metrics', 'exit_rate needs the visit:exit_page dimension, and no other');
  }
  if (request.include?.comparisons) {
    throw new InvalidStatsQueryError('include.comparisons', 'not supported with percentage or conversion_rate yet');
  }
  const rowsRequest = {
    ...request,
    metrics: request.metrics.map(visitorsFor),
    order_by: request.order_by?.map(([field, direction]) => [visitorsFor(field), direction]),
  } as StatsRequest;
  const totalOf = async (filters: Filter[] | undefined, knownTotal: number | undefined): Promise<number> => {
    if (filters === undefined) return 0;
    if (knownTotal !== undefined) return knownTotal;
    const total = await queryPeriod(
      client,
      {
        ...request,
        metrics: ['visitors'],
        dimensions: [],
        filters,
        include: {},
        order_by: undefined,
        pagination: { limit: 1, offset: 0 },
      },
      context,
    );
    return Number(total.results[0]?.metrics[0] ?? 0);
  };
  const needed = relativeTotals(request);
  const [rows, totalVisitors, allVisitors] = await Promise.all([
    queryPeriod(client, rowsRequest, context),
    totalOf(needed.filtered, known.filtered),
    totalOf(needed.unconverted, known.unconverted),
  ]);
  const perRow = await rowTotals(client, request, rows, context);
  return withRelative(request, rows, { filtered: totalVisitors, unconverted: allVisitors, ...perRow });
}

/**
 * The per-row totals of `group_conversion_rate` (the row's visitors without goal and prop filters, Plausible's
 * special_metrics.ex) and `exit_rate` (page views of the exit page under the query's filters other than exit page
 * ones), for the rows of this page only: a filter on the rows' values when there is one field dimension.
 */
async function rowTotals(
  client: ClickHouseClient,
  request: StatsRequest,
  rows: StatsResponse,
  context: StatsContext,
): Promise<RowTotals> {
  const totals: RowTotals = {};
  if (rows.results.length === 0) return totals;
  const base = {
    ...request,
    include: {},
    order_by: undefined,
    pagination: { limit: 10_000, offset: 0 },
  };
  const valuesOf = (index: number) => [...new Set(rows.results.map((row) => row.dimensions[index] ?? ''))];
  if (request.metrics.includes('group_conversion_rate')) {
    const [only] = request.dimensions;
    const narrowed: Filter[] =
      request.dimensions.length === 1 && only && !isTime(only) && only !== 'event:goal'
        ? [['is', only as FieldDimension, valuesOf(0)]]
        : [];
    const group = await queryPeriod(
      client,
      { ...base, metrics: ['visitors'], filters: [...unconvertedFilters(request.filters), ...narrowed] },
      context,
    );
    totals.group = new Map(group.results.map((row) => [rowKey(row.dimensions), Number(row.metrics[0] ?? 0)]));
  }
  if (request.metrics.includes('exit_rate')) {
    const others = request.filters.filter((filter) => !(filter.length >= 3 && filter[1] === 'visit:exit_page'));
    const pages = await queryPeriod(
      client,
      {
        ...base,
        metrics: ['pageviews'],
        dimensions: ['event:page'],
        filters: [...others, ['is', 'event:page', valuesOf(0)]],
      },
      context,
    );
    totals.pageviews = new Map(pages.results.map((row) => [rowKey(row.dimensions), Number(row.metrics[0] ?? 0)]));
  }
  return totals;
}

/**
 * A relative metric is computed from the row's visitors (its visits for `exit_rate`, the sessions that left on the
 * page): the metric a query asks the rows for in its place.
 */
export function visitorsFor(metric: string): string {
  if (metric === 'exit_rate') return 'visits';
  return isRelativeMetric(metric as Metric) ? 'visitors' : metric;
}

/**
 * The answer to `request` from the answer to the same query with each relative metric read as visitors, and the
 * totals they divide by.
 */
export function withRelative(
  request: StatsRequest,
  rows: StatsResponse,
  totals: { filtered: number; unconverted: number } & RowTotals,
): StatsResponse {
  const results = rows.results.map((row) => ({
    ...row,
    metrics: row.metrics.map((value, i) => {
      const metric = request.metrics[i];
      if (metric === 'percentage')
        return totals.filtered === 0 ? null : Math.round((Number(value) / totals.filtered) * 1000) / 10;
      if (metric === 'conversion_rate')
        return totals.unconverted === 0 ? 0 : Math.round((Number(value) / totals.unconverted) * 10_000) / 100;
      if (metric === 'group_conversion_rate') {
        const group = totals.group?.get(rowKey(row.dimensions)) ?? 0;
        return group === 0 ? 0 : Math.round((Number(value) / group) * 1000) / 10;
      }
      if (metric === 'exit_rate') {
        const pageviews = totals.pageviews?.get(rowKey(row.dimensions)) ?? 0;
        return pageviews === 0 ? null : Math.round((Number(value) / pageviews) * 1000) / 10;
      }
      return value;
    }),
  }));
  return { ...rows, results, query: { ...rows.query, metrics: request.metrics, order_by: request.order_by } };
}

/**
 * The metrics of a query without dimensions for several periods in one statement, one pass over each table for all
 * of them (the headline numbers with their comparison): events with each metric narrowed to its period, sessions
 * likewise (session-query.ts). On the largest bench site, 30 days against the 30 before: one statement of ~110 ms
 * instead of two of ~70-95 ms. Undefined when a metric or filter needs the periods apart (engagement metrics, event
 * filters on session metrics); the caller then queries each period alone.
 */
async function totalsOfPeriods(
  client: ClickHouseClient,
  request: StatsRequest,
  ranges: ResolvedRange[],
  context: StatsContext,
): Promise<Array<Array<number | null>> | undefined> {
  const metrics = request.metrics as AbsoluteMetric[];
  if (metrics.some((metric) => isEngagementMetric(metric) || isRevenueMetric(metric))) return undefined;
  const params = new ParamBag();
  const tz = params.add(context.timezone, 'String');
  const site = params.add(request.site_id, 'String');
  const goals = context.goals ?? [];
  const sessionOnly = filterDimensions(request.filters).some((d) => SESSION_ONLY_DIMENSIONS.includes(d));
  const sessionMetrics = sessionOnly ? metrics : metrics.filter(isSessionMetric);
  const eventMetrics = (sessionOnly ? [] : metrics.filter((m) => !isSessionMetric(m))) as CountMetric[];
  const alias = (period: number, metric: Metric) => `p${period}m${metrics.indexOf(metric as AbsoluteMetric)}`;

  const parts: string[] = [];
  if (eventMetrics.length > 0) {
    const source = context.source ?? 'auto';
    const plans = ranges.map((range) =>
      source === 'raw' ? undefined : planRollup({ ...request, metrics: eventMetrics }, range, context.timezone),
    );
    const rollup = plans.every((plan) => plan !== undefined) ? plans[0] : undefined;
    if (source === 'rollup' && !rollup) {
      throw new InvalidStatsQueryError('source', 'the hourly rollup cannot answer this query exactly');
    }
    const time = rollup ? 'hour' : 'timestamp';
    const fieldOf: ColumnOf = rollup ? () => 'value' : (dimension, bag) => fieldExpression(dimension, bag, goals);
    // The period test is written once, under an alias the other aggregates reuse (it keeps analysis short).
    const columns = ranges.flatMap((range, k) =>
      eventMetrics.map((metric, i) => {
        const inPeriod = i === 0 ? `((${inRange(range, tz, params, time)}) AS in_period_${k})` : `in_period_${k}`;
        return `${countMetricIf(metric, !!rollup, inPeriod)} AS ${alias(k, metric)}`;
      }),
    );
    const where = [
      `site_id = ${site}`,
      rollup ? `dimension = ${params.add(rollup.dimension, 'String')}` : "type != 'engagement'",
      `(${coalesceRanges(ranges)
        .map((range) => `(${rangeCondition(range, tz, params, time)})`)
        .join(' OR ')})`,
      compileFilters(request.filters, params, fieldOf, goals),
    ].join(' AND ');
    parts.push(`SELECT ${columns.join(', ')} FROM ${rollup ? 'events_hourly' : 'events'} WHERE ${where}`);
  }
  if (sessionMetrics.length > 0) {
    const sessions = sessionPeriodsSelect({
      params,
      site,
      tz,
      firstDay: params.add(todayIn(context.timezone, context.now), 'Date'),
      goals,
      filters: request.filters,
      metrics: sessionMetrics,
      periods: ranges.map((range, k) => ({ range, aliases: sessionMetrics.map((metric) => alias(k, metric)) })),
    });
    if (!sessions) return undefined;
    parts.push(sessions);
  }
  const from = parts.length === 1 ? `(${parts[0]})` : `(${parts[0]}) AS e CROSS JOIN (${parts[1]}) AS s`;
  const columns = ranges.flatMap((_, k) => metrics.map((metric) => alias(k, metric)));
  const [row] = await select<Array<string | number | null>>(
    client,
    `SELECT ${columns.join(', ')} FROM ${from}`,
    params,
  );
  if (!row) return undefined;
  return ranges.map((_, k) =>
    metrics.map((_, i) => {
      const value = row[k * metrics.length + i];
      return value === null || value === undefined ? null : Number(value);
    }),
  );
}

async function queryPeriod(
  client: ClickHouseClient,
  request: StatsRequest,
  context: StatsContext,
): Promise<StatsResponse> {
  const params = new ParamBag();
  const tz = params.add(context.timezone, 'String');
  const site = params.add(request.site_id, 'String');
  const goals = context.goals ?? [];
  const firstDay = request.date_range === 'all' ? await firstEventDay(client, request.site_id, context.timezone) : '';
  const range = resolveDateRange(request.date_range, context.timezone, context.now, firstDay);

  const timeDimensions = request.dimensions.filter(isTime);
  if (timeDimensions.length > 1) throw new InvalidStatsQueryError('dimensions', 'at most one time dimension');
  const buckets = new Map<TimeDimension, TimeBucket>(timeDimensions.map((d) => [d, bucketFor(d, rangeHours(range))]));
  if (buckets.get('time:minute') && rangeHours(range) > 48) {
    throw new InvalidStatsQueryError('dimensions', 'time:minute needs a date range of at most two days');
  }

  const metrics = request.metrics as AbsoluteMetric[];
  const sessionMetrics = metrics.filter(isSessionMetric);
  const eventMetrics = metrics.filter((m) => !isSessionMetric(m));
  const revenue = revenueScope(request, goals);
  // Entry and exit pages belong to sessions: every metric of such a query is then the sessions' own.
  const sessionOnly = [...request.dimensions, ...filterDimensions(request.filters)].some((d) =>
    SESSION_ONLY_DIMENSIONS.includes(d),
  );
  const firstLabelDay = params.add(range.kind === 'days' ? range.from : todayIn(context.timezone, range.from), 'Date');
  const shared = {
    range,
    buckets,
    params,
    site,
    tz,
    firstDay: firstLabelDay,
    goals,
    dimensions: request.dimensions,
    filters: request.filters,
    revenue,
  };
  const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

  let inner: string;
  if (sessionOnly || eventMetrics.length === 0) {
    const engagement = metrics.filter(isEngagementMetric);
    if (engagement.length > 0) {
      throw new InvalidStatsQueryError('metrics', `${engagement.join(', ')} cannot be queried by entry or exit page`);
    }
    inner = sessionSelect({ ...shared, metrics, aliases: names('m', metrics.length) });
  } else {
    const events = eventSelect({ ...request, metrics: eventMetrics }, context, {
      ...shared,
      aliases: names(sessionMetrics.length > 0 ? 'e' : 'm', eventMetrics.length),
    });
    if (sessionMetrics.length === 0) inner = events;
    else {
      // Event metrics from events, session metrics from sessions, matched on the dimension values (Plausible
      // groups session metrics by entry page under an event:page breakdown).
      const sessions = sessionSelect({
        ...shared,
        metrics: sessionMetrics,
        aliases: names('s', sessionMetrics.length),
      });
      const dimensions = request.dimensions.map((_, i) => `d${i}`);
      const columns = metrics.map((metric, i) =>
        isSessionMetric(metric)
          ? `s.s${sessionMetrics.indexOf(metric)} AS m${i}`
          : `e.e${eventMetrics.indexOf(metric)} AS m${i}`,
      );
      const join =
        dimensions.length > 0
          ? `LEFT JOIN (${sessions}) AS s USING (${dimensions.join(', ')})`
          : `CROSS JOIN (${sessions}) AS s`;
      inner = `SELECT ${[...dimensions, ...columns].join(', ')} FROM (${events}) AS e ${join}`;
    }
  }

  const orderBy = orderClause(request);
  const limit = params.add(request.pagination.limit, 'UInt32');
  const offset = params.add(request.pagination.offset, 'UInt64');
  const sql = `SELECT * FROM (${inner}) ${orderBy} LIMIT ${limit} OFFSET ${offset}`;

  const rows = await select<Array<string | number | null>>(client, sql, params);
  const dimensionCount = request.dimensions.length;
  const results = rows.map((row) => {
    const dimensions = row.slice(0, dimensionCount).map(String);
    const values = row.slice(dimensionCount).map((value) => (value === null ? null : Number(value)));
    return {
      dimensions,
      metrics: values.map(
        (value, i): MetricValue =>
          isRevenueMetric(request.metrics[i] as Metric) ? revenueValue(value, rowCurrency(revenue, dimensions)) : value,
      ),
    };
  });

  const meta: StatsResponse['meta'] = {};
  if (request.include?.total_rows) {
    const [total] = await select<[number]>(client, `SELECT count() AS n FROM (${inner})`, params);
    meta.total_rows = Number(total?.[0] ?? 0);
  }
  if (request.include?.time_labels) {
    const bucket = [...buckets.values()][0];
    if (!bucket) throw new InvalidStatsQueryError('include.time_labels', 'requires a time dimension');
    meta.time_labels = timeLabels(range, bucket, context.timezone);
  }
  return { results, meta, query: { ...request, date_range: describeRange(range, context.timezone) } };
}

/**
 * ClickHouse compiles an expression to machine code the fourth time it sees it. A dashboard sends a new shape of
 * statement with every filter, so that compile landed inside a page load: in-process, the fourth load of the
 * largest bench site's 30-day page took 410-435 ms against 220-275 for the others, and none was slower with
 * compilation off (232-258 ms steady). A SETTINGS clause, not `clickhouse_settings`: chdb/connection sends those as
 * SET statements, which stay on its session for every later statement.
 */
const STATS_SETTINGS =
  'SETTINGS compile_expressions = 0, compile_aggregate_expressions = 0, compile_sort_description = 0';

/** Runs a stats statement; a pattern that RE2 cannot compile is the request's fault, not the server's. */
export async function select<T>(client: ClickHouseClient, query: string, params: ParamBag): Promise<T[]> {
  try {
    const result = await client.query({
      query: `${query} ${STATS_SETTINGS}`,
      query_params: params.values,
      format: 'JSONCompactEachRow',
    });
    return await result.json<T>();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const re2 = /cannot compile re2: ([^,]*), error: ([^.:]*)/.exec(message);
    if (re2) throw new InvalidStatsQueryError('filters', `invalid regular expression ${re2[1]}: ${re2[2]}`);
    throw error;
  }
}

/**
 * A SELECT of event metrics grouped by `d0…`, from the hourly rollup when it answers exactly, else from raw events.
 * Engagement pings are skipped unless an engagement metric reads them.
 */
function eventSelect(
  request: StatsRequest,
  context: StatsContext,
  scope: SelectScope & { revenue?: RevenueScope },
): string {
  const { params, tz, range, buckets } = scope;
  const metrics = request.metrics as Array<EventMetric | RevenueMetric>;
  const source = context.source ?? 'auto';
  const rollup = source === 'raw' ? undefined : planRollup(request, range, context.timezone);
  if (source === 'rollup' && !rollup) {
    throw new InvalidStatsQueryError('source', 'the hourly rollup cannot answer this query exactly');
  }
  const engagement = metrics.some(isEngagementMetric);
  // The same query shape over either table: raw events, or one dimension's rows of the hourly rollup, whose
  // `value` already carries the labels the field expressions produce.
  const time = rollup ? 'hour' : 'timestamp';
  const fieldOf: ColumnOf = rollup ? () => 'value' : (dimension, bag) => fieldExpression(dimension, bag, scope.goals);
  const dimensionSql = request.dimensions.map((dimension, i) => {
    const bucket = isTime(dimension) ? buckets.get(dimension) : undefined;
    const sql = bucket
      ? timeExpression(bucket, tz, time, scope.firstDay)
      : fieldOf(dimension as FieldDimension, params);
    return `${sql} AS d${i}`;
  });
  const goalIndex = request.dimensions.indexOf('event:goal');
  const metricSql = metrics.map((metric, i) => {
    const sql = isRevenueMetric(metric)
      ? revenueMetricSql(metric, scope.revenue ?? { goals: [] }, params, goalIndex >= 0 ? `d${goalIndex}` : undefined)
      : rollup
        ? ROLLUP_METRIC_SQL[metric as CountMetric]
        : engagement
          ? ENGAGEMENT_METRIC_SQL[metric]
          : METRIC_SQL[metric as CountMetric];
    return `${sql} AS ${scope.aliases[i]}`;
  });
  const where = [
    `site_id = ${scope.site}`,
    rollup ? `dimension = ${params.add(rollup.dimension, 'String')}` : engagement ? '1' : "type != 'engagement'",
    rangeCondition(range, tz, params, time),
    compileFilters(request.filters, params, fieldOf, scope.goals),
    !rollup && request.dimensions.includes('event:goal') ? anyGoalCondition(scope.goals, params) : '1',
  ].join(' AND ');
  const grouped = request.dimensions.length > 0;
  const groupBy = grouped ? `GROUP BY ${request.dimensions.map((_, i) => `d${i}`).join(', ')}` : '';
  // Rows that only pings fall into (the name "engagement", say) are not rows of the breakdown.
  const having = grouped && engagement ? "HAVING countIf(type != 'engagement') > 0" : '';
  const table = rollup ? 'events_hourly' : 'events';
  return `SELECT ${[...dimensionSql, ...metricSql].join(', ')} FROM ${table} WHERE ${where} ${groupBy} ${having}`;
}

function orderClause(request: StatsRequest): string {
  const aliases = new Map<string, string>([
    ...request.dimensions.map((d, i) => [d, `d${i}`] as const),
    ...request.metrics.map((m, i) => [m, `m${i}`] as const),
  ]);
  const entries: string[] = [];
  if (request.order_by) {
    for (const [field, direction] of request.order_by) {
      const alias = aliases.get(field);
      if (!alias) throw new InvalidStatsQueryError('order_by', `${field} is not a queried metric or dimension`);
      entries.push(`${alias} ${direction === 'asc' ? 'ASC' : 'DESC'}`);
    }
  } else {
    const timeIndex = request.dimensions.findIndex(isTime);
    if (timeIndex >= 0) entries.push(`d${timeIndex} ASC`);
    entries.push('m0 DESC');
  }
  // A stable tie-break keeps pagination deterministic.
  for (let i = 0; i < request.dimensions.length; i++) entries.push(`d${i} ASC`);
  return `ORDER BY ${entries.join(', ')}`;
}

export async function firstEventDay(client: ClickHouseClient, siteId: string, timezone: string): Promise<string> {
  const result = await client.query({
    query: `SELECT toString(toDate(min(timestamp), {tz:String})) AS day FROM events WHERE site_id = {site:String}`,
    query_params: { site: siteId, tz: timezone },
    format: 'JSONEachRow',
  });
  const day = (await result.json<{ day: string }>())[0]?.day;
  return day && day !== '1970-01-01' ? day : '9999-12-31';
}

export function describeRange(range: ResolvedRange, timezone: string): [string, string] {
  if (range.kind === 'instants') return [range.from.toISOString(), range.to.toISOString()];
  return [`${range.from}T00:00:00 ${timezone}`, `${range.to}T23:59:59 ${timezone}`];
}

type AbsoluteMetric = Exclude<Metric, RelativeMetric>;

function isEngagementMetric(metric: Metric): boolean {
  return (ENGAGEMENT_METRICS as readonly string[]).includes(metric);
}

export function isRelativeMetric(metric: Metric): metric is RelativeMetric {
  return (RELATIVE_METRICS as readonly string[]).includes(metric);
}

function isSessionMetric(metric: Metric): metric is SessionMetric {
  return (SESSION_METRICS as readonly string[]).includes(metric);
}
