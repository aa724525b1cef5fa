import type { StatsRequest } from './request.ts';

/** A resolved range: whole days in the site's time zone, or an exact instant range. */
export type ResolvedRange = { kind: 'days'; from: string; to: string } | { kind: 'instants'; from: Date; to: Date };

/** The date (YYYY-MM-DD) of an instant in a time zone. */
export function todayIn(timezone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function monthStart(day: string, monthsBack: number): string {
  const date = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() - monthsBack);
  return date.toISOString().slice(0, 10);
}

function monthEnd(day: string): string {
  return addDays(monthStart(day, -1), -1);
}

/** Resolves `date_range` the way Plausible's query parser does (lib/plausible/stats/query_parser.ex). */
export function resolveDateRange(
  range: StatsRequest['date_range'],
  timezone: string,
  now: Date,
  firstEventDay: string,
): ResolvedRange {
  if (Array.isArray(range)) {
    const [from, to] = range;
    if (from.length === 10) return { kind: 'days', from, to };
    return { kind: 'instants', from: new Date(from), to: new Date(to) };
  }
  const today = todayIn(timezone, now);
  switch (range) {
    case 'day':
      return { kind: 'days', from: today, to: today };
    case '24h':
      return { kind: 'instants', from: new Date(now.getTime() - 24 * 3600_000), to: now };
    case '7d':
      return { kind: 'days', from: addDays(today, -6), to: today };
    case '28d':
      return { kind: 'days', from: addDays(today, -27), to: today };
    case '30d':
      return { kind: 'days', from: addDays(today, -29), to: today };
    case '91d':
      return { kind: 'days', from: addDays(today, -90), to: today };
    case 'month':
      return { kind: 'days', from: monthStart(today, 0), to: monthEnd(today) };
    case '6mo':
      return { kind: 'days', from: monthStart(today, 5), to: monthEnd(today) };
    case '12mo':
      return { kind: 'days', from: monthStart(today, 11), to: monthEnd(today) };
    case 'year':
      return { kind: 'days', from: `${today.slice(0, 4)}-01-01`, to: `${today.slice(0, 4)}-12-31` };
    case 'all':
      return { kind: 'days', from: firstEventDay < today ? firstEventDay : today, to: today };
  }
}

/** Number of days a range spans, for choosing the bucket of a bare `time` dimension. */
export function rangeHours(range: ResolvedRange): number {
  if (range.kind === 'instants') return (range.to.getTime() - range.from.getTime()) / 3600_000;
  const days = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000 + 1;
  return days * 24;
}
