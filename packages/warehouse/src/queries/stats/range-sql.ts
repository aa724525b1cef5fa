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

/**
 * The bounds of the sessions that can overlap the range, as instants: sessions that started in [low, high), and
 * older ones still active at `low`. Ingest puts a session's start second in the top 32 bits of its id
 * (`sessionIdFor`), so the first kind is a primary-key range of the sessions table. Days get the UTC margin of
 * `rangeCondition`; the exact overlap is tested after the sessions are merged.
 */
export function sessionStartWindow(range: ResolvedRange, params: ParamBag): { low: string; high: string } {
  if (range.kind === 'instants') {
    const { from, to } = instantBounds(range, params);
    return { low: from, high: `${to} + INTERVAL 1 SECOND` };
  }
  const from = params.add(range.from, 'Date');
  const to = params.add(range.to, 'Date');
  return {
    low: `toDateTime64(${from}, 3, 'UTC') - INTERVAL 1 DAY`,
    high: `toDateTime64(${to}, 3, 'UTC') + INTERVAL 2 DAY`,
  };
}

/** The smallest session id of a session that started at `instant` (whole seconds, as ingest makes them). */
export function firstSessionIdAt(instant: string): string {
  return `bitShiftLeft(toUInt64(toUnixTimestamp(${instant})), 32)`;
}
