import type { ClickHouseClient } from '@clickhouse/client';
import { resolveDateRange } from './date-range.ts';
import { InvalidStatsQueryError } from './errors.ts';
import { type CountMetric, fieldExpression, METRIC_SQL } from './expressions.ts';
import { compileFilters, filterDimensions } from './filters.ts';
import { ParamBag } from './params.ts';
import {
  describeRange,
  isRelativeMetric,
  queryStats,
  queryWithRelative,
  relativeTotals,
  type StatsContext,
  type StatsResponse,
  select,
} from './query-stats.ts';
import { rangeCondition } from './range-sql.ts';
import type { FieldDimension, Filter, StatsRequest } from './request.ts';

export type BatchAnswer = { ok: true; response: StatsResponse } | { ok: false; error: InvalidStatsQueryError };

const COUNT_METRICS: readonly string[] = ['visitors', 'visits', 'pageviews', 'events'] satisfies CountMetric[];
const NOT_ON_EVENTS: readonly string[] = ['event:goal', 'visit:entry_page', 'visit:exit_page'];

/**
 * Several Stats API v2 queries of one site at once, as a dashboard page issues them. Breakdowns that share the date
 * range and filters, each by one field of events, with count metrics led by visitors in the default order, are
 * answered together by one scan of the events table grouped by GROUPING SETS (a set per breakdown). On the largest
 * site of bench/query.ts, sources, pages, countries and devices over 30 days took 53 ms that way against about
 * 100 ms as four statements, since the rows are read and filtered once. The same scan also gives the total that a
 * conversion rate or percentage of the batch divides by, when its range and filters match. Every other query runs
 * alone through `queryStats`. Either way each answer is the one `queryStats` gives for that query alone (query-api test).
 */
export async function queryStatsBatch(
  client: ClickHouseClient,
  requests: StatsRequest[],
  context: StatsContext,
): Promise<BatchAnswer[]> {
  const answers: BatchAnswer[] = new Array(requests.length);
  const groups = new Map<string, number[]>();
  const scanKey = (request: StatsRequest, filters: Filter[]) => JSON.stringify([request.date_range, filters]);
  requests.forEach((request, index) => {
    if (context.source === 'rollup' || !isSharedScanBreakdown(request)) return;
    const key = scanKey(request, request.filters);
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const shared = new Map([...groups].filter(([, members]) => members.length > 1));
  // A conversion rate or percentage divides by the visitors of a range and filters that a shared scan may cover
  // already: its empty grouping set then gives that total.
  const totalKeys = new Map<number, { filtered: string | undefined; unconverted: string | undefined }>();
  requests.forEach((request, index) => {
    if (!request.metrics.some((metric) => isRelativeMetric(metric))) return;
    const { filtered, unconverted } = relativeTotals(request);
    const covered = (filters: Filter[] | undefined) =>
      filters && shared.has(scanKey(request, filters)) ? scanKey(request, filters) : undefined;
    totalKeys.set(index, { filtered: covered(filtered), unconverted: covered(unconverted) });
  });
  const wantedTotals = new Set([...totalKeys.values()].flatMap((keys) => [keys.filtered, keys.unconverted]));
  const totals = new Map<string, number>();
  const alone = new Set(requests.keys());
  for (const [key, members] of shared) {
    const { responses, total } = await queryBreakdowns(
      client,
      members.map((i) => requests[i] as StatsRequest),
      context,
      wantedTotals.has(key),
    );
    if (total !== undefined) totals.set(key, total);
    members.forEach((i, k) => {
      answers[i] = { ok: true, response: responses[k] as StatsResponse };
      alone.delete(i);
    });
  }
  for (const index of alone) {
    const request = requests[index] as StatsRequest;
    const keys = totalKeys.get(index);
    try {
      const response = keys
        ? await queryWithRelative(client, request, context, {
            ...(keys.filtered ? { filtered: totals.get(keys.filtered) } : {}),
            ...(keys.unconverted ? { unconverted: totals.get(keys.unconverted) } : {}),
          })
        : await queryStats(client, request, context);
      answers[index] = { ok: true, response };
    } catch (error) {
      if (!(error instanceof InvalidStatsQueryError)) throw error;
      answers[index] = { ok: false, error };
    }
  }
  return answers;
}

function isSharedScanBreakdown(request: StatsRequest): boolean {
  const [dimension] = request.dimensions;
  const defaultOrder =
    request.order_by === undefined ||
    (request.order_by.length === 1 && request.order_by[0]?.[0] === 'visitors' && request.order_by[0]?.[1] === 'desc');
  return (
    request.dimensions.length === 1 &&
    dimension !== undefined &&
    !dimension.startsWith('time') &&
    !NOT_ON_EVENTS.includes(dimension) &&
    !filterDimensions(request.filters).some((d) => d === 'visit:entry_page' || d === 'visit:exit_page') &&
    request.metrics[0] === 'visitors' &&
    request.metrics.every((metric) => COUNT_METRICS.includes(metric)) &&
    defaultOrder &&
    request.date_range !== 'all' &&
    !request.include?.comparisons &&
    !request.include?.total_rows &&
    !request.include?.time_labels
  );
}

/** One statement for breakdowns of the same range and filters; the answers in the order of `requests`. */
async function queryBreakdowns(
  client: ClickHouseClient,
  requests: StatsRequest[],
  context: StatsContext,
  withTotal: boolean,
): Promise<{ responses: StatsResponse[]; total?: number }> {
  const first = requests[0] as StatsRequest;
  const params = new ParamBag();
  const tz = params.add(context.timezone, 'String');
  const site = params.add(first.site_id, 'String');
  const goals = context.goals ?? [];
  const range = resolveDateRange(first.date_range, context.timezone, context.now, '');
  const dimensions = [...new Set(requests.map((r) => r.dimensions[0] as FieldDimension))];
  const metrics = [...new Set(requests.flatMap((r) => r.metrics as CountMetric[]))];
  const keys = dimensions.map((dimension, i) => `${fieldExpression(dimension, params, goals)} AS g${i}`);
  const aggregates = metrics.map((metric, i) => `${METRIC_SQL[metric]} AS x${i}`);
  const setIndex = `indexOf([${dimensions.map((_, i) => `GROUPING(g${i})`).join(', ')}], 0) - 1`;
  const value = `multiIf(${dimensions.map((_, i) => `set_index = ${i}, toString(g${i})`).join(', ')}, '')`;
  const where = [
    `site_id = ${site}`,
    "type != 'engagement'",
    rangeCondition(range, tz, params, 'timestamp'),
    compileFilters(first.filters, params, fieldExpression, goals),
  ].join(' AND ');
  const rowsPerSet = Math.max(...requests.map((r) => r.pagination.offset + r.pagination.limit));
  const visitors = `x${metrics.indexOf('visitors')}`;
  const sql = `
    SELECT set_index, value, ${metrics.map((_, i) => `x${i}`).join(', ')}
    FROM (
      SELECT ${[...keys, ...aggregates].join(', ')}, ${setIndex} AS set_index, ${value} AS value
      FROM events WHERE ${where}
      GROUP BY GROUPING SETS (${[...dimensions.map((_, i) => `(g${i})`), ...(withTotal ? ['()'] : [])].join(', ')})
    )
    ORDER BY set_index, ${visitors} DESC, value ASC
    LIMIT ${params.add(rowsPerSet, 'UInt32')} BY set_index`;
  const rows = await select<[number, string, ...number[]]>(client, sql, params);

  const bySet = dimensions.map(() => [] as Array<[number, string, ...number[]]>);
  let total: number | undefined;
  for (const row of rows) {
    // The empty grouping set has no key in the grouping: index -1.
    if (Number(row[0]) === -1) total = Number(row[2 + metrics.indexOf('visitors')]);
    else bySet[Number(row[0])]?.push(row);
  }
  const dateRange = describeRange(range, context.timezone);
  const responses = requests.map((request): StatsResponse => {
    const { offset, limit } = request.pagination;
    const set = bySet[dimensions.indexOf(request.dimensions[0] as FieldDimension)] ?? [];
    const columns = request.metrics.map((metric) => 2 + metrics.indexOf(metric as CountMetric));
    return {
      results: set.slice(offset, offset + limit).map((row) => ({
        dimensions: [String(row[1])],
        metrics: columns.map((column) => Number(row[column])),
      })),
      meta: {},
      query: { ...request, date_range: dateRange },
    };
  });
  return withTotal ? { responses, total: total ?? 0 } : { responses };
}
