import type { ClickHouseClient } from '@clickhouse/client';
import { type Goal, goalName } from '@tern/events';
import { resolveDateRange } from './date-range.ts';
import { InvalidStatsQueryError } from './errors.ts';
import { type CountMetric, countMetricIf, fieldExpression, METRIC_SQL } from './expressions.ts';
import { compileFilters, filterDimensions } from './filters.ts';
import { goalCondition } from './goals.ts';
import { ParamBag } from './params.ts';
import {
  describeRange,
  echoing,
  isRelativeMetric,
  queryStats,
  queryWithRelative,
  relativeTotals,
  type StatsContext,
  type StatsResponse,
  select,
  visitorsFor,
  withRelative,
  withVisitHostnames,
} from './query-stats.ts';
import { rangeCondition } from './range-sql.ts';
import { type FieldDimension, type Filter, SESSION_ONLY_DIMENSIONS, type StatsRequest } from './request.ts';

export type BatchAnswer = { ok: true; response: StatsResponse } | { ok: false; error: InvalidStatsQueryError };

const COUNT_METRICS: readonly string[] = ['visitors', 'visits', 'pageviews', 'events'] satisfies CountMetric[];
const NOT_ON_EVENTS: readonly string[] = ['event:goal', ...SESSION_ONLY_DIMENSIONS];

/**
 * Several Stats API v2 queries of one site at once, as a dashboard page issues them. Breakdowns that share the date
 * range and filters, each by one field of events, with count metrics led by visitors in the default order, are
 * answered together by one scan of the events table grouped by GROUPING SETS (a set per breakdown). On the largest
 * site of bench/query.ts, sources, pages, countries and devices over 30 days took 53 ms that way against about
 * 100 ms as four statements, since the rows are read and filtered once. A goal breakdown of the same range and
 * filters rides along as conditional aggregates, one set per goal, read from the empty grouping set (the dashboard's
 * goals panel: ~25 ms more in the scan against a 41 ms statement of its own). The same scan also gives the
 * total that a conversion rate or percentage of the batch divides by, when its range and filters match. Every other
 * query runs alone through `queryStats`. Either way each answer is the one `queryStats` gives for that query alone
 * (query-api test).
 */
export async function queryStatsBatch(
  client: ClickHouseClient,
  asked: StatsRequest[],
  context: StatsContext,
): Promise<BatchAnswer[]> {
  const requests = asked.map(withVisitHostnames);
  const answers = await answerBatch(client, requests, context);
  return answers.map((answer, i) =>
    answer.ok ? { ok: true, response: echoing(asked[i] as StatsRequest, answer.response) } : answer,
  );
}

async function answerBatch(
  client: ClickHouseClient,
  requests: StatsRequest[],
  context: StatsContext,
): Promise<BatchAnswer[]> {
  const answers: BatchAnswer[] = new Array(requests.length);
  const groups = new Map<string, { breakdowns: number[]; goals: number[] }>();
  const scanKey = (request: StatsRequest, filters: Filter[]) => JSON.stringify([request.date_range, filters]);
  requests.forEach((request, index) => {
    if (context.source === 'rollup') return;
    const kind = isSharedScanBreakdown(request)
      ? 'breakdowns'
      : isSharedScanGoals(request, context.goals ?? [])
        ? 'goals'
        : undefined;
    if (!kind) return;
    const key = scanKey(request, request.filters);
    const group = groups.get(key) ?? { breakdowns: [], goals: [] };
    group[kind].push(index);
    groups.set(key, group);
  });
  const shared = new Map(
    [...groups].filter(([, group]) => group.breakdowns.length > 0 && group.breakdowns.length + group.goals.length > 1),
  );
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
  for (const [key, group] of shared) {
    const { responses, goalResponses, total } = await queryBreakdowns(
      client,
      group.breakdowns.map((i) => requests[i] as StatsRequest),
      group.goals.map((i) => requests[i] as StatsRequest),
      context,
      wantedTotals.has(key),
    );
    if (total !== undefined) totals.set(key, total);
    const answered = [...group.breakdowns, ...group.goals];
    [...responses, ...goalResponses].forEach((response, k) => {
      const index = answered[k] as number;
      answers[index] = { ok: true, response };
      alone.delete(index);
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
  return (
    request.dimensions.length === 1 &&
    dimension !== undefined &&
    !dimension.startsWith('time') &&
    !NOT_ON_EVENTS.includes(dimension) &&
    request.metrics[0] === 'visitors' &&
    request.metrics.every((metric) => COUNT_METRICS.includes(metric)) &&
    inScanShape(request)
  );
}

/**
 * A goal breakdown whose rows the shared scan can count: count metrics led by visitors, and a conversion rate only
 * when it divides by the scan's own total (no goal or prop filter to remove).
 */
function isSharedScanGoals(request: StatsRequest, goals: readonly Goal[]): boolean {
  const { unconverted } = relativeTotals(request);
  return (
    goals.length > 0 &&
    request.dimensions.length === 1 &&
    request.dimensions[0] === 'event:goal' &&
    request.metrics[0] === 'visitors' &&
    request.metrics.every((metric) => COUNT_METRICS.includes(metric) || metric === 'conversion_rate') &&
    (unconverted === undefined || JSON.stringify(unconverted) === JSON.stringify(request.filters)) &&
    inScanShape(request)
  );
}

/** Default order, a bounded range, no extras, no filter that only sessions answer. */
function inScanShape(request: StatsRequest): boolean {
  const defaultOrder =
    request.order_by === undefined ||
    (request.order_by.length === 1 && request.order_by[0]?.[0] === 'visitors' && request.order_by[0]?.[1] === 'desc');
  return (
    defaultOrder &&
    !filterDimensions(request.filters).some((d) => SESSION_ONLY_DIMENSIONS.includes(d)) &&
    request.date_range !== 'all' &&
    !request.include?.comparisons &&
    !request.include?.total_rows &&
    !request.include?.time_labels
  );
}

/**
 * One statement for breakdowns of the same range and filters, and goal breakdowns over the same rows; the answers in
 * the order of `requests` and of `goalRequests`.
 */
async function queryBreakdowns(
  client: ClickHouseClient,
  requests: StatsRequest[],
  goalRequests: StatsRequest[],
  context: StatsContext,
  withTotal: boolean,
): Promise<{ responses: StatsResponse[]; goalResponses: StatsResponse[]; total?: number }> {
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
  const goalScan = goalAggregates(goalRequests, goals, params);
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
  const withEmptySet = withTotal || goalRequests.length > 0;
  const columns = [...metrics.map((_, i) => `x${i}`), ...goalScan.columns];
  const sql = `
    SELECT set_index, value, ${columns.join(', ')}
    FROM (
      SELECT ${[...keys, ...aggregates, ...goalScan.aggregates].join(', ')}, ${setIndex} AS set_index, ${value} AS value
      FROM events WHERE ${where}
      GROUP BY GROUPING SETS (${[...dimensions.map((_, i) => `(g${i})`), ...(withEmptySet ? ['()'] : [])].join(', ')})
    )
    ORDER BY set_index, ${visitors} DESC, value ASC
    LIMIT ${params.add(rowsPerSet, 'UInt32')} BY set_index`;
  const rows = await select<[number, string, ...number[]]>(client, sql, params);

  const bySet = dimensions.map(() => [] as Array<[number, string, ...number[]]>);
  let emptySet: Array<number | string> = [];
  for (const row of rows) {
    // The empty grouping set has no key in the grouping: index -1.
    if (Number(row[0]) === -1) emptySet = row;
    else bySet[Number(row[0])]?.push(row);
  }
  const total = Number(emptySet[2 + metrics.indexOf('visitors')] ?? 0);
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
  const goalRows = goalScan.rows(emptySet.slice(2 + metrics.length).map(Number));
  const goalResponses = goalRequests.map((request) => {
    const { offset, limit } = request.pagination;
    const rowsOnly: StatsResponse = {
      results: goalRows.slice(offset, offset + limit).map((goal) => ({
        dimensions: [goal.name],
        metrics: request.metrics.map((metric) => goal.values.get(visitorsFor(metric) as CountMetric) ?? 0),
      })),
      meta: {},
      query: { ...request, date_range: dateRange },
    };
    return withRelative(request, rowsOnly, { filtered: 0, unconverted: total });
  });
  return withTotal ? { responses, goalResponses, total } : { responses, goalResponses };
}

/**
 * Per goal name, the rows that complete it counted under each metric the goal breakdowns ask for (goals that share a
 * name count as one, as the `event:goal` dimension groups them). `rows` turns those columns of the empty grouping
 * set into the breakdown: goals nobody completed left out, most visitors first, then by name in byte order (as
 * ClickHouse sorts the breakdown alone).
 */
function goalAggregates(requests: StatsRequest[], goals: readonly Goal[], params: ParamBag) {
  if (requests.length === 0) return { aggregates: [], columns: [], rows: () => [] };
  const metrics = [
    ...new Set(requests.flatMap((r) => r.metrics.filter((m) => COUNT_METRICS.includes(m)) as CountMetric[])),
  ];
  const byName = new Map<string, Goal[]>();
  for (const goal of goals) byName.set(goalName(goal), [...(byName.get(goalName(goal)) ?? []), goal]);
  const names = [...byName.keys()];
  const aggregates = names.flatMap((name, j) => {
    const condition = (byName.get(name) ?? []).map((goal) => goalCondition(goal, params)).join(' OR ');
    return [
      `countIf((${condition}) AS goal_${j}) AS y${j}n`,
      ...metrics.map((metric, i) => `${countMetricIf(metric, false, `goal_${j}`)} AS y${j}m${i}`),
    ];
  });
  const columns = names.flatMap((_, j) => [`y${j}n`, ...metrics.map((_, i) => `y${j}m${i}`)]);
  const rows = (values: number[]) =>
    names
      .map((name, j) => {
        const at = j * (metrics.length + 1);
        return {
          name,
          completions: values[at] ?? 0,
          values: new Map(metrics.map((metric, i) => [metric, values[at + 1 + i] ?? 0])),
        };
      })
      .filter((goal) => goal.completions > 0)
      .sort(
        (a, b) =>
          (b.values.get('visitors') ?? 0) - (a.values.get('visitors') ?? 0) ||
          Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
      );
  return { aggregates, columns, rows };
}
