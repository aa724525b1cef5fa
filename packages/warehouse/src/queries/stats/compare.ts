import type { ResolvedRange } from './date-range.ts';
import type { Metric, StatsRequest } from './request.ts';

export type Comparisons = NonNullable<NonNullable<StatsRequest['include']>['comparisons']>;

const DAY = 86_400_000;
const shiftDay = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const shiftYear = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCFullYear(date.getUTCFullYear() - 1);
  return date.toISOString().slice(0, 10);
};

/** The period to compare with: the same length just before, the same dates a year earlier, or given. */
export function comparisonRange(range: ResolvedRange, comparisons: Comparisons): [string, string] {
  if (comparisons.mode === 'custom' && comparisons.date_range) return comparisons.date_range;
  if (range.kind === 'instants') {
    const length = range.to.getTime() - range.from.getTime();
    const back = comparisons.mode === 'year_over_year' ? 365 * DAY : length;
    return [new Date(range.from.getTime() - back).toISOString(), new Date(range.to.getTime() - back).toISOString()];
  }
  if (comparisons.mode === 'year_over_year') return [shiftYear(range.from), shiftYear(range.to)];
  const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / DAY) + 1;
  return [shiftDay(range.from, -days), shiftDay(range.to, -days)];
}

/** Rates change by their difference in points; counts by percent, 100 from nothing, as Plausible shows them. */
export function change(metric: Metric, previous: number, current: number): number | null {
  if (metric === 'bounce_rate') return Math.round((current - previous) * 10) / 10;
  if (previous === 0) return current > 0 ? 100 : 0;
  return Math.round(((current - previous) / previous) * 100);
}
