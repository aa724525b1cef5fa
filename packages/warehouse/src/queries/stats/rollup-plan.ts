import type { ResolvedRange } from './date-range.ts';
import type { Dimension, FieldDimension, Filter, StatsRequest, TimeDimension } from './request.ts';

/** Dimensions the hourly rollup holds (migration 006); the others are answered from raw events. */
export const ROLLUP_DIMENSIONS: readonly FieldDimension[] = [
  'event:page',
  'event:hostname',
  'event:name',
  'visit:source',
  'visit:referrer',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:country',
  'visit:region',
  'visit:city',
  'visit:device',
  'visit:browser',
  'visit:os',
];

const ROLLUP_METRICS = new Set(['visitors', 'visits', 'pageviews', 'events']);

/** Which rollup rows answer a request: those of one dimension ('' = the totals). */
export interface RollupPlan {
  dimension: FieldDimension | '';
}

const isTime = (d: Dimension): d is TimeDimension => d === 'time' || d.startsWith('time:');

/**
 * Whether the hourly rollup can answer a request exactly: event metrics only, whole days in the site's time zone
 * (hour buckets then fall wholly inside or outside the range, given whole-hour zone offsets), and at most one field
 * dimension among the breakdown and the filters together, since each rollup row belongs to one dimension.
 */
export function planRollup(request: StatsRequest, range: ResolvedRange, timezone: string): RollupPlan | undefined {
  if (range.kind !== 'days') return undefined;
  if (!request.metrics.every((metric) => ROLLUP_METRICS.has(metric))) return undefined;
  // Hour buckets cannot answer minutes.
  if (request.dimensions.includes('time:minute')) return undefined;
  const fields = new Set<string>(request.dimensions.filter((d) => !isTime(d)));
  for (const dimension of filterDimensions(request.filters)) fields.add(dimension);
  if (fields.size > 1) return undefined;
  const [dimension = ''] = fields as Set<FieldDimension>;
  if (dimension !== '' && !ROLLUP_DIMENSIONS.includes(dimension)) return undefined;
  if (!wholeHourOffsets(timezone, range.from, range.to)) return undefined;
  return { dimension };
}

function filterDimensions(filters: Filter[]): string[] {
  return filters.flatMap((filter) => {
    const [operator] = filter;
    if (operator === 'and' || operator === 'or') return filterDimensions(filter[1] as Filter[]);
    if (operator === 'not') return filterDimensions([filter[1] as Filter]);
    return [String(filter[1])];
  });
}

/**
 * True when the zone's UTC offset is a whole number of hours on every week of the range (India, Nepal or parts of
 * Australia are not; their day boundaries cut UTC hour buckets).
 */
export function wholeHourOffsets(timezone: string, from: string, to: string): boolean {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
  const end = Date.parse(`${to}T23:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); ; t = Math.min(t + 7 * 86_400_000, end)) {
    const offset = format.formatToParts(t).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
    if (/:(?!00)\d\d$/.test(offset)) return false;
    if (t >= end) return true;
  }
}
