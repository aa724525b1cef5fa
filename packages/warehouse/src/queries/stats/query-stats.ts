import type { ClickHouseClient } from '@clickhouse/client';
import { change, comparisonRange } from './compare.ts';
import { type ResolvedRange, rangeHours, resolveDateRange } from './date-range.ts';
import {
  bucketFor,
  fieldExpression,
  METRIC_SQL,
  ROLLUP_METRIC_SQL,
  type TimeBucket,
  timeExpression,
} from './expressions.ts';
import { type ColumnOf, compileFilters } from './filters.ts';
import { ParamBag } from './params.ts';
import {
  type Dimension,
  type FieldDimension,
  type Filter,
  type Metric,
  SESSION_METRICS,
  type SessionMetric,
  type StatsRequest,
  type TimeDimension,
} from './request.ts';
import { planRollup } from './rollup-plan.ts';
import { querySessionMetrics } from './session-metrics.ts';
import { timeLabels } from './time-labels.ts';

export interface StatsContext {
  /** The site's IANA time zone: day boundaries and time labels follow it. */
  timezone: string;
  now: Date;
  /**
   * Where event metrics come from: the hourly rollup whenever it can answer exactly (`auto`, the default), always
   * the raw events (`raw`), or only the rollup (`rollup`, an error when it cannot answer; for tests and benches).
   */
  source?: 'auto' | 'raw' | 'rollup';
}

export interface StatsRow {
  /** `percentage` is null when the total is 0, as in Plausible. */
  metrics: Array<number | null>;
  dimensions: string[];
  /** With `include.comparisons`: the same row in the other period, and the change per metric. */
  comparison?: { dimensions: string[]; metrics: Array<number | null>; change: Array<number | null> };
}

export interface StatsResponse {
  results: StatsRow[];
  meta: { time_labels?: string[]; total_rows?: number; comparison_date_range?: [string, string] };
  query: Omit<StatsRequest, 'date_range'> & { date_range: [string, string] };
}

/** A request that parses but cannot be answered, with the field at fault. */
export class InvalidStatsQueryError extends Error {
  override readonly name = 'InvalidStatsQueryError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const isTime = (d: Dimension): d is TimeDimension => d === 'time' || d.startsWith('time:');

/**
 * Answers a Stats API v2 query from the hourly rollup where it is exact, else from the raw events table; with
 * `include.comparisons`, each row also carries the other period's figures and the change.
 */
export async function queryStats(
  client: ClickHouseClient,
  request: StatsRequest,
  context: StatsContext,
): Promise<StatsResponse> {
  if (request.metrics.includes('percentage')) return queryWithPercentage(client, request, context);
  const comparisons = request.include?.comparisons;
  if (!comparisons) return queryPeriod(client, request, context);
  if (request.dimensions.some(isTime)) {
    throw new InvalidStatsQueryError('include.comparisons', 'comparisons with time dimensions are not supported yet');
  }
  const include = { ...request.include, comparisons: undefined };
  const current = await queryPeriod(client, { ...request, include }, context);
  const firstDay = request.date_range === 'all' ? await firstEventDay(client, request.site_id, context.timezone) : '';
  const otherRange = comparisonRange(
    resolveDateRange(request.date_range, context.timezone, context.now, firstDay),
    comparisons,
  );
  const other = await queryPeriod(
    client,
    { ...request, date_range: otherRange, include, pagination: { limit: 10_000, offset: 0 } },
    context,
  );
  const byDimensions = new Map(other.results.map((row) => [JSON.stringify(row.dimensions), row]));
  const results = current.results.map((row) => {
    const previous = byDimensions.get(JSON.stringify(row.dimensions));
    const metrics = previous?.metrics ?? request.metrics.map(() => 0);
    return {
      ...row,
      comparison: {
        dimensions: row.dimensions,
        metrics,
        change: request.metrics.map((metric, i) =>
          change(metric, Number(metrics[i] ?? 0), Number(row.metrics[i] ?? 0)),
        ),
      },
    };
  });
  return { ...current, results, meta: { ...current.meta, comparison_date_range: other.query.date_range } };
}

/**
 * `percentage`: a row's visitors ÷ the visitors of the same filters without dimensions × 100, to one decimal; null
 * when that total is 0 (shared/SEMANTICS.md, relative metrics).
 */
async function queryWithPercentage(
  client: ClickHouseClient,
  request: StatsRequest,
  context: StatsContext,
): Promise<StatsResponse> {
  if (request.dimensions.length === 0) {
    throw new InvalidStatsQueryError('metrics', 'percentage needs at least one dimension');
  }
  if (request.include?.comparisons) {
    throw new InvalidStatsQueryError('include.comparisons', 'not supported with percentage yet');
  }
  const visitorsFor = (metric: Metric): Metric => (metric === 'percentage' ? 'visitors' : metric);
  const rowsRequest: StatsRequest = {
    ...request,
    metrics: request.metrics.map(visitorsFor),
    ...(request.order_by
      ? {
          order_by: request.order_by.map(([field, direction]) => [
            field === 'percentage' ? 'visitors' : field,
            direction,
          ]),
        }
      : {}),
  };
  const totalRequest: StatsRequest = {
    ...request,
    metrics: ['visitors'],
    dimensions: [],
    include: {},
    order_by: undefined,
    pagination: { limit: 1, offset: 0 },
  };
  const [rows, total] = await Promise.all([
    queryPeriod(client, rowsRequest, context),
    queryPeriod(client, totalRequest, context),
  ]);
  const all = Number(total.results[0]?.metrics[0] ?? 0);
  const results = rows.results.map((row) => ({
    ...row,
    metrics: row.metrics.map((value, i) =>
      request.metrics[i] === 'percentage' ? (all === 0 ? null : Math.round((Number(value) / all) * 1000) / 10) : value,
    ),
  }));
  return { ...rows, results, query: { ...rows.query, metrics: request.metrics } };
}

async function queryPeriod(
  client: ClickHouseClient,
  request: StatsRequest,
  context: StatsContext,
): Promise<StatsResponse> {
  const params = new ParamBag();
  const tz = params.add(context.timezone, 'String');
  const site = params.add(request.site_id, 'String');
  const firstDay = request.date_range === 'all' ? await firstEventDay(client, request.site_id, context.timezone) : '';
  const range = resolveDateRange(request.date_range, context.timezone, context.now, firstDay);

  const sessionMetrics = request.metrics.filter(isSessionMetric);
  if (sessionMetrics.length > 0) {
    if (request.dimensions.length > 0) {
      throw new InvalidStatsQueryError('dimensions', `${sessionMetrics.join(', ')}: served without dimensions for now`);
    }
    if (filtersUseEventDimensions(request.filters)) {
      throw new InvalidStatsQueryError(
        'filters',
        `${sessionMetrics.join(', ')}: only visit:* filters are supported for now`,
      );
    }
    const eventMetrics = request.metrics.filter((m) => !isSessionMetric(m));
    const [sessions, events] = await Promise.all([
      querySessionMetrics(client, request.site_id, sessionMetrics, range, context.timezone, request.filters),
      eventMetrics.length > 0 ? queryPeriod(client, { ...request, metrics: eventMetrics }, context) : undefined,
    ]);
    const eventRow = events?.results[0]?.metrics ?? [];
    const metrics = request.metrics.map((m) =>
      isSessionMetric(m) ? (sessions.get(m) ?? 0) : (eventRow[eventMetrics.indexOf(m)] ?? 0),
    );
    return {
      results: [{ dimensions: [], metrics }],
      meta: events?.meta ?? {},
      query: { ...request, date_range: describeRange(range, context.timezone) },
    };
  }

  const timeDimensions = request.dimensions.filter(isTime);
  if (timeDimensions.length > 1) throw new InvalidStatsQueryError('dimensions', 'at most one time dimension');
  const buckets = new Map<TimeDimension, TimeBucket>(timeDimensions.map((d) => [d, bucketFor(d, rangeHours(range))]));
  if (buckets.get('time:minute') && rangeHours(range) > 48) {
    throw new InvalidStatsQueryError('dimensions', 'time:minute needs a date range of at most two days');
  }

  const source = context.source ?? 'auto';
  const rollup = source === 'raw' ? undefined : planRollup(request, range, context.timezone);
  if (source === 'rollup' && !rollup) {
    throw new InvalidStatsQueryError('source', 'the hourly rollup cannot answer this query exactly');
  }
  // The same query shape over either table: raw events, or one dimension's rows of the hourly rollup, whose
  // `value` already carries the labels the field expressions produce.
  const time = rollup ? 'hour' : 'timestamp';
  const fieldOf: ColumnOf = rollup ? () => 'value' : fieldExpression;
  const dimensionSql = request.dimensions.map((dimension, i) => {
    const bucket = isTime(dimension) ? buckets.get(dimension) : undefined;
    const sql = bucket ? timeExpression(bucket, tz, time) : fieldOf(dimension as FieldDimension, params);
    return `${sql} AS d${i}`;
  });
  const metricSql = request.metrics.map(
    (metric, i) => `${(rollup ? ROLLUP_METRIC_SQL : METRIC_SQL)[metric as EventMetric]} AS m${i}`,
  );
  const where = [
    `site_id = ${site}`,
    rollup ? `dimension = ${params.add(rollup.dimension, 'String')}` : "type != 'engagement'",
    rangeCondition(range, tz, params, time),
    compileFilters(request.filters, params, fieldOf),
  ].join(' AND ');
  const groupBy =
    request.dimensions.length > 0 ? `GROUP BY ${request.dimensions.map((_, i) => `d${i}`).join(', ')}` : '';
  const table = rollup ? 'events_hourly' : 'events';
  const inner = `SELECT ${[...dimensionSql, ...metricSql].join(', ')} FROM ${table} WHERE ${where} ${groupBy}`;

  const orderBy = orderClause(request);
  const limit = params.add(request.pagination.limit, 'UInt32');
  const offset = params.add(request.pagination.offset, 'UInt32');
  const sql = `SELECT * FROM (${inner}) ${orderBy} LIMIT ${limit} OFFSET ${offset}`;

  const result = await client.query({ query: sql, query_params: params.values, format: 'JSONCompactEachRow' });
  const rows = await result.json<Array<string | number>>();
  const dimensionCount = request.dimensions.length;
  const results = rows.map((row) => ({
    dimensions: row.slice(0, dimensionCount).map(String),
    metrics: row.slice(dimensionCount).map(Number),
  }));

  const meta: StatsResponse['meta'] = {};
  if (request.include?.total_rows) {
    const total = await client.query({
      query: `SELECT count() AS n FROM (${inner})`,
      query_params: params.values,
      format: 'JSONEachRow',
    });
    meta.total_rows = Number((await total.json<{ n: number }>())[0]?.n ?? 0);
  }
  if (request.include?.time_labels) {
    const bucket = [...buckets.values()][0];
    if (!bucket) throw new InvalidStatsQueryError('include.time_labels', 'requires a time dimension');
    meta.time_labels = timeLabels(range, bucket, context.timezone);
  }
  return { results, meta, query: { ...request, date_range: describeRange(range, context.timezone) } };
}

function rangeCondition(range: ResolvedRange, tz: string, params: ParamBag, time: string): string {
  if (range.kind === 'instants') {
    const from = params.add(toClickHouseTime(range.from), "DateTime64(3, 'UTC')");
    const to = params.add(toClickHouseTime(range.to), "DateTime64(3, 'UTC')");
    return `${time} >= ${from} AND ${time} <= ${to}`;
  }
  const from = params.add(range.from, 'Date');
  const to = params.add(range.to, 'Date');
  // The UTC bounds let ClickHouse use the primary key; the zoned date makes the range exact. Zone
  // offsets are within ±14 h, so one day of margin on each side is enough.
  return (
    `${time} >= toDateTime64(${from}, 3, 'UTC') - INTERVAL 1 DAY ` +
    `AND ${time} < toDateTime64(${to}, 3, 'UTC') + INTERVAL 2 DAY ` +
    `AND toDate(${time}, ${tz}) BETWEEN ${from} AND ${to}`
  );
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

async function firstEventDay(client: ClickHouseClient, siteId: string, timezone: string): Promise<string> {
  const result = await client.query({
    query: `SELECT toString(toDate(min(timestamp), {tz:String})) AS day FROM events WHERE site_id = {site:String}`,
    query_params: { site: siteId, tz: timezone },
    format: 'JSONEachRow',
  });
  const day = (await result.json<{ day: string }>())[0]?.day;
  return day && day !== '1970-01-01' ? day : '9999-12-31';
}

export function toClickHouseTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

function describeRange(range: ResolvedRange, timezone: string): [string, string] {
  if (range.kind === 'instants') return [range.from.toISOString(), range.to.toISOString()];
  return [`${range.from}T00:00:00 ${timezone}`, `${range.to}T23:59:59 ${timezone}`];
}

type EventMetric = Exclude<Metric, SessionMetric | 'percentage'>;

function isSessionMetric(metric: Metric): metric is SessionMetric {
  return (SESSION_METRICS as readonly string[]).includes(metric);
}

function filtersUseEventDimensions(filters: Filter[]): boolean {
  return filters.some((filter) => {
    const [operator] = filter;
    if (operator === 'and' || operator === 'or') return filtersUseEventDimensions(filter[1] as Filter[]);
    if (operator === 'not') return filtersUseEventDimensions([filter[1] as Filter]);
    return String(filter[1]).startsWith('event:');
  });
}
