import { type ResolvedRange, todayIn } from './date-range.ts';
import type { TimeBucket } from './expressions.ts';

/** Every bucket label in the range, including empty ones (Stats API v2 `meta.time_labels`). */
export function timeLabels(range: ResolvedRange, bucket: TimeBucket, timezone: string): string[] {
  const [from, to] =
    range.kind === 'days' ? [range.from, range.to] : [todayIn(timezone, range.from), todayIn(timezone, range.to)];
  const labels: string[] = [];
  for (let day = from; day <= to; day = nextDay(day)) {
    if (bucket === 'minute') {
      for (let m = 0; m < 24 * 60; m++) {
        labels.push(`${day} ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`);
      }
    } else if (bucket === 'hour') {
      for (let h = 0; h < 24; h++) labels.push(`${day} ${String(h).padStart(2, '0')}:00:00`);
    } else if (bucket === 'day') {
      labels.push(day);
    } else {
      const label = bucket === 'week' ? monday(day) : `${day.slice(0, 7)}-01`;
      // Plausible clamps the first week or month label to the range start.
      // biome-ignore lint/complexity/useMathMinMax: ISO date strings, which Math.max cannot compare
      const clamped = label < from ? from : label;
      if (labels[labels.length - 1] !== clamped) labels.push(clamped);
    }
  }
  return labels;
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function monday(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}
