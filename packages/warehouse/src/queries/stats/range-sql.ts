import { sessionIdAt } from '../../sessions/session-id.ts';
import type { ResolvedRange } from './date-range.ts';
import type { ParamBag } from './params.ts';

export function toClickHouseTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** The bound parameters of an instant range's ends. */
export function instantBounds(range: Extract<ResolvedRange, { kind: 'instants' }>, params: ParamBag) {
  return {
    from: params.add(toClickHouseTime(range.from), TIME),
    to: params.add(toClickHouseTime(range.to), TIME),
  };
}

/** Rows of `column` inside the range: whole days in the site's zone, or an exact instant range. */
export function rangeCondition(range: ResolvedRange, tz: string, params: ParamBag, column: string): string {
  if (range.kind === 'instants') return inRange(range, tz, params, column);
  const from = params.add(storableDay(range.from), 'Date');
  const to = params.add(storableDay(range.to), 'Date');
  // The UTC bounds let ClickHouse use the primary key; the zoned date makes the range exact. Zone offsets are within
  // ±14 h, so one day of margin on each side is enough. The bounds are computed here rather than in SQL: each
  // expression costs ClickHouse's analyzer time in every statement.
  const { low, high } = utcMargin(range);
  return (
    `${column} >= ${params.add(toClickHouseTime(low), TIME)} AND ${column} < ${params.add(toClickHouseTime(high), TIME)} ` +
    `AND toDate(${column}, ${tz}) BETWEEN ${from} AND ${to}`
  );
}

const TIME = "DateTime64(3, 'UTC')";
const DAY_MS = 86_400_000;

/** The UTC instants around a range of zoned days: [first day − 1 day, last day + 2 days). */
function utcMargin(range: Extract<ResolvedRange, { kind: 'days' }>): { low: Date; high: Date } {
  return {
    low: new Date(Date.parse(`${range.from}T00:00:00Z`) - DAY_MS),
    high: new Date(Date.parse(`${range.to}T00:00:00Z`) + 2 * DAY_MS),
  };
}

/**
 * The same rows as few ranges as possible: day ranges that overlap or touch become one, as a period and its previous
 * period do. A statement over several periods then reads one key range, and ClickHouse analyses one condition.
 */
export function coalesceRanges(ranges: ResolvedRange[]): ResolvedRange[] {
  const days = ranges
    .filter((range): range is Extract<ResolvedRange, { kind: 'days' }> => range.kind === 'days')
    .sort((a, b) => a.from.localeCompare(b.from));
  const merged: Array<Extract<ResolvedRange, { kind: 'days' }>> = [];
  for (const range of days) {
    const last = merged.at(-1);
    if (last && range.from <= nextDay(last.to)) {
      if (range.to > last.to) merged[merged.length - 1] = { ...last, to: range.to };
    } else merged.push({ ...range });
  }
  return [...merged, ...ranges.filter((range) => range.kind !== 'days')];
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** Whether instant `column` lies in the range (no index use; for values computed per row). */
export function inRange(range: ResolvedRange, tz: string, params: ParamBag, column: string): string {
  if (range.kind === 'instants') {
    const { from, to } = instantBounds(range, params);
    return `${column} >= ${from} AND ${column} <= ${to}`;
  }
  const from = params.add(storableDay(range.from), 'Date');
  const to = params.add(storableDay(range.to), 'Date');
  return `toDate(${column}, ${tz}) BETWEEN ${from} AND ${to}`;
}

/**
 * The bounds of the sessions that can overlap the range: sessions that started in [low, high), and older ones still
 * active at `low`. Ingest puts a session's start second in the top 32 bits of its id (`sessionIdAt`), so the first
 * kind is a primary-key range of the sessions table, from `lowId` to `highId`. Days get the UTC margin of
 * `rangeCondition`; the exact overlap is tested after the sessions are merged.
 */
export function sessionStartWindow(
  range: ResolvedRange,
  params: ParamBag,
): { low: string; lowId: string; highId: string } {
  const { low, high } =
    range.kind === 'instants' ? { low: range.from, high: new Date(range.to.getTime() + 1000) } : utcMargin(range);
  return {
    low: params.add(toClickHouseTime(low), TIME),
    lowId: params.add(sessionIdAt(low.getTime(), 0), 'UInt64'),
    highId: params.add(sessionIdAt(high.getTime(), 0), 'UInt64'),
  };
}

/**
 * A day within ClickHouse's Date (from 1970-01-01). Requests are checked to lie in 1970-2099, but a comparison
 * period before such a range can reach back before 1970; no event is stored there.
 */
function storableDay(day: string): string {
  return day < '1970-01-01' ? '1970-01-01' : day;
}
