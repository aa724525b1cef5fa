import type { ResolvedRange } from './date-range.ts';
import type { ParamBag } from './params.ts';

export function toClickHouseTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** The bound parameters of an instant range's ends. */
export function instantBounds(range: Extract<ResolvedRange, { kind: 'instants' }>, params: ParamBag) {
  return {
    from: params.add(toClickHouseTime(range.from), "DateTime64(3, 'UTC')"),
    to: params.add(toClickHouseTime(range.to), "DateTime64(3, 'UTC')"),
  };
}

/** Rows of `column` inside the range: whole days in the site's zone, or an exact instant range. */
export function rangeCondition(range: ResolvedRange, tz: string, params: ParamBag, column: string): string {
  if (range.kind === 'instants') return inRange(range, tz, params, column);
  const from = params.add(range.from, 'Date');
  const to = params.add(range.to, 'Date');
  // The UTC bounds let ClickHouse use the primary key; the zoned date makes the range exact. Zone
  // offsets are within ±14 h, so one day of margin on each side is enough.
  return (
    `${column} >= toDateTime64(${from}, 3, 'UTC') - INTERVAL 1 DAY ` +
    `AND ${column} < toDateTime64(${to}, 3, 'UTC') + INTERVAL 2 DAY ` +
    `AND toDate(${column}, ${tz}) BETWEEN ${from} AND ${to}`
  );
}

/**
 * A superset of the rows of `column` that can belong to a session overlapping the range: the UTC margin of
 * `rangeCondition` for days, half an hour (the session timeout) each side for instants. A session that overlaps the
 * range has an event inside this window, since its events are never more than 30 minutes apart.
 */
export function sessionWindow(range: ResolvedRange, params: ParamBag, column: string): string {
  if (range.kind === 'instants') {
    const { from, to } = instantBounds(range, params);
    return `${column} >= ${from} - INTERVAL 31 MINUTE AND ${column} <= ${to} + INTERVAL 31 MINUTE`;
  }
  const from = params.add(range.from, 'Date');
  const to = params.add(range.to, 'Date');
  return (
    `${column} >= toDateTime64(${from}, 3, 'UTC') - INTERVAL 1 DAY ` +
    `AND ${column} < toDateTime64(${to}, 3, 'UTC') + INTERVAL 2 DAY`
  );
}

/** Whether instant `column` lies in the range (no index use; for values computed per row). */
export function inRange(range: ResolvedRange, tz: string, params: ParamBag, column: string): string {
  if (range.kind === 'instants') {
    const { from, to } = instantBounds(range, params);
    return `${column} >= ${from} AND ${column} <= ${to}`;
  }
  const from = params.add(range.from, 'Date');
  const to = params.add(range.to, 'Date');
  return `toDate(${column}, ${tz}) BETWEEN ${from} AND ${to}`;
}
