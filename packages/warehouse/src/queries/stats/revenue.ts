import { type Goal, goalName } from '@tern/events';
import { filterDimensions } from './filters.ts';
import type { ParamBag } from './params.ts';
import type { Filter, StatsRequest } from './request.ts';

/** Plausible's revenue metrics, as its Stats API answers them (an object per value, below). */
export const REVENUE_METRICS = ['total_revenue', 'average_revenue'] as const;
export type RevenueMetric = (typeof REVENUE_METRICS)[number];
export const isRevenueMetric = (metric: string): metric is RevenueMetric =>
  (REVENUE_METRICS as readonly string[]).includes(metric);

/** A revenue figure: the amount, its currency, and the two renderings Plausible's API adds. */
export interface RevenueValue {
  value: number;
  currency: string;
  short: string;
  long: string;
}

type RevenueGoal = Goal & { event: string; currency: string };
const isRevenueGoal = (goal: Goal): goal is RevenueGoal => 'event' in goal && typeof goal.currency === 'string';

/**
 * Which revenue a query reports (Plausible's goal/revenue.ex): the revenue goals it selects, by its top-level
 * `event:goal` filters or all of the site's when it has none, and their currency when they share one; with an
 * `event:goal` dimension, each row reports its own goal's revenue in that goal's currency. No revenue goal, or goals
 * in several currencies without a goal dimension, and the revenue metrics are null: amounts in two currencies do
 * not add up, and tern converts none.
 */
export interface RevenueScope {
  goals: RevenueGoal[];
  /** The currency of every row, when the rows are not goals. */
  currency?: string;
  /** The index of the `event:goal` dimension, whose rows each report their goal's currency. */
  goalDimension?: number;
}

export function revenueScope(
  request: Pick<StatsRequest, 'dimensions' | 'filters'>,
  goals: readonly Goal[],
): RevenueScope {
  const revenueGoals = goals.filter(isRevenueGoal);
  const goalDimension = request.dimensions.indexOf('event:goal');
  if (goalDimension >= 0) return { goals: revenueGoals, goalDimension };
  const named = topLevelGoalNames(request.filters);
  const selected = named ? revenueGoals.filter((goal) => named.has(goalName(goal))) : revenueGoals;
  const currencies = new Set(selected.map((goal) => goal.currency));
  const [currency] = currencies;
  return currencies.size === 1 && currency ? { goals: selected, currency } : { goals: [] };
}

/** The goal names `is` filters on `event:goal` select at the top level; undefined when there are none. */
function topLevelGoalNames(filters: Filter[]): Set<string> | undefined {
  const goalFilters = filters.filter((filter) => filter[0] === 'is' && filter[1] === 'event:goal');
  if (goalFilters.length === 0) {
    // A goal tested in some other way (negated, nested): no single set of goals to report.
    return filterDimensions(filters).includes('event:goal') ? new Set() : undefined;
  }
  // Several `is` filters on goals must all hold: the goals they have in common.
  const [first, ...rest] = goalFilters.map((filter) => filter[2] as string[]);
  return new Set((first ?? []).filter((name) => rest.every((names) => names.includes(name))));
}

/**
 * SQL of a revenue metric over event rows: the amounts of events that complete a revenue goal in scope and carry
 * revenue in its currency. `goalColumn` is the `event:goal` dimension's alias when rows are goals.
 */
export function revenueMetricSql(
  metric: RevenueMetric,
  scope: RevenueScope,
  params: ParamBag,
  goalColumn?: string,
): string {
  // Still an aggregate, so that a query without dimensions answers one row.
  if (scope.goals.length === 0) return 'if(count() < 0, 0, NULL)';
  const conditions = scope.goals.map((goal) => {
    const own = `(type = 'custom' AND name = ${params.add(goal.event, 'String')} AND revenue_currency = ${params.add(goal.currency, 'String')})`;
    return goalColumn ? `(${goalColumn} = ${params.add(goalName(goal), 'String')} AND ${own})` : own;
  });
  const condition = conditions.join(' OR ');
  const amount = 'toFloat64(revenue_amount)';
  return metric === 'total_revenue'
    ? `round(sumIf(${amount}, ${condition}), 3)`
    : `if(countIf(${condition}) = 0, 0, round(avgIf(${amount}, ${condition}), 3))`;
}

/** A row's revenue figure as Plausible's API writes it, or null when the row has no revenue currency. */
export function revenueValue(amount: number | null, currency: string | undefined): RevenueValue | null {
  if (amount === null || currency === undefined) return null;
  const long = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const short = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    notation: 'compact',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  return { value: amount, currency, short: short.format(amount), long: long.format(amount) };
}

/** The currency of a row: the query's, or its goal's. */
export function rowCurrency(scope: RevenueScope, dimensions: string[]): string | undefined {
  if (scope.goalDimension === undefined) return scope.currency;
  const name = dimensions[scope.goalDimension];
  return scope.goals.find((goal) => goalName(goal) === name)?.currency;
}
