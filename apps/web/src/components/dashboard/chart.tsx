'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { QueryResult } from './client.ts';
import { metricValue } from './format.ts';

export interface SeriesPoint {
  label: string;
  value: number;
  previous?: number;
}

/** One point per bucket label (empty buckets as 0), with the previous period's value when compared. */
export function toSeries(result: QueryResult, compared: boolean): SeriesPoint[] {
  const byLabel = new Map((result.results ?? []).map((row) => [row.dimensions[0] ?? '', row]));
  const labels = result.meta?.time_labels ?? [...byLabel.keys()];
  return labels.map((label) => {
    const row = byLabel.get(label);
    const value = Number(row?.metrics[0] ?? 0);
    return compared ? { label, value, previous: Number(row?.comparison?.metrics[0] ?? 0) } : { label, value };
  });
}

/** The chart of a query result; the series is built here, inside the caller's error boundary. */
export function SeriesChart(props: { result: QueryResult; compared: boolean; metric: string; label: string }) {
  return <TimeChart points={toSeries(props.result, props.compared)} metric={props.metric} label={props.label} />;
}

export function TimeChart({ points, metric, label }: { points: SeriesPoint[]; metric: string; label: string }) {
  const compared = points.some((p) => p.previous !== undefined);
  return (
    <div className="chart" data-testid="chart">
      <ResponsiveContainer>
        <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
          <XAxis dataKey="label" fontSize={12} minTickGap={28} tickFormatter={shortLabel} />
          <YAxis fontSize={12} width={48} tickFormatter={(v: number) => metricValue(metric, v)} />
          <Tooltip formatter={(v) => metricValue(metric, Number(v))} labelFormatter={(l) => String(l)} />
          <Legend />
          <Line
            type="monotone"
            dataKey="value"
            name={label}
            stroke="var(--accent)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          {compared ? (
            <Line
              type="monotone"
              dataKey="previous"
              name="Previous period"
              stroke="var(--muted)"
              strokeDasharray="5 4"
              dot={false}
              isAnimationActive={false}
            />
          ) : null}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** "2026-11-26 14:00:00" → "14:00"; dates stay dates. recharts may ask for a tick it has no label for yet. */
function shortLabel(label: unknown): string {
  const text = typeof label === 'string' ? label : '';
  return text.length > 10 ? text.slice(11, 16) : text.slice(5);
}
