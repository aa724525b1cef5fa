'use client';

import { useCallback, useEffect, useState } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { LiveVisitors } from './live-visitors.tsx';

type Row = {
  metrics: number[];
  dimensions: string[];
  comparison?: { metrics: number[]; change: Array<number | null> };
};
type QueryResult = { results: Row[]; meta: { time_labels?: string[] } };

const RANGES = [
  ['day', 'Today'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['month', 'This month'],
  ['12mo', 'Last 12 months'],
] as const;
type Range = (typeof RANGES)[number][0];

const REFRESH_MS = 10_000;

const count = (n: number) => n.toLocaleString('en-US');
const KPIS: Array<[string, string, (n: number) => string]> = [
  ['visitors', 'Visitors', count],
  ['visits', 'Visits', count],
  ['pageviews', 'Pageviews', count],
  ['events', 'Events', count],
  ['bounce_rate', 'Bounce rate', (n) => `${n}%`],
  ['visit_duration', 'Visit duration', (n) => (n < 60 ? `${n}s` : `${Math.floor(n / 60)}m ${n % 60}s`)],
];

/** The site dashboard; every number on it comes from POST /api/v2/query, the public API. */
export function Dashboard({ site, timezone, snippet }: { site: string; timezone: string; snippet: string }) {
  const [range, setRange] = useState<Range>('7d');
  const [data, setData] = useState<DashboardData>();
  const [error, setError] = useState<string>();
  const [updated, setUpdated] = useState<Date>();

  const load = useCallback(async () => {
    try {
      setData(await loadDashboard(site, range));
      setError(undefined);
      setUpdated(new Date());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [site, range]);

  useEffect(() => {
    setData(undefined);
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  return (
    <>
      <div className="row spread" style={{ marginBottom: 16 }}>
        <div className="row">
          <h1 style={{ margin: 0 }}>{site}</h1>
          <LiveVisitors site={site} />
        </div>
        <div className="row">
          {updated ? <span className="live">updated {updated.toLocaleTimeString()}</span> : null}
          <select value={range} onChange={(e) => setRange(e.target.value as Range)} aria-label="Date range">
            {RANGES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error ? <p className="error panel">Could not load the stats: {error}</p> : null}
      <section className="panel kpis" data-testid="kpis">
        {KPIS.map(([metric, label, format], i) => (
          <div className="kpi" key={metric}>
            <div className="label">{label}</div>
            <div className="value" data-testid={`kpi-${metric}`}>
              {data ? format(data.totals[i] ?? 0) : <div className="skeleton" />}
            </div>
            {data ? <Change metric={metric} value={data.changes[i]} /> : null}
          </div>
        ))}
      </section>
      <section className="panel">
        <h2>Visitors and pageviews ({timezone})</h2>
        <div style={{ width: '100%', height: 260 }}>
          {data ? (
            <ResponsiveContainer>
              <AreaChart data={data.series}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="label" fontSize={12} minTickGap={24} />
                <YAxis fontSize={12} allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Area type="monotone" dataKey="pageviews" stroke="#a5b4fc" fill="#a5b4fc" fillOpacity={0.25} />
                <Area type="monotone" dataKey="visitors" stroke="#4f46e5" fill="#4f46e5" fillOpacity={0.35} />
              </AreaChart>
            </ResponsiveContainer>
          ) : (
            <div className="skeleton" style={{ height: 240 }} />
          )}
        </div>
      </section>
      <div className="grid">
        <Breakdown title="Top pages" column="Page" rows={data?.pages} testId="top-pages" />
        <Breakdown title="Top sources" column="Source" rows={data?.sources} testId="top-sources" />
        <Breakdown title="Countries" column="Country" rows={data?.countries} testId="top-countries" />
        <Breakdown title="Browsers" column="Browser" rows={data?.browsers} testId="top-browsers" />
        <Breakdown title="Devices" column="Device" rows={data?.devices} testId="top-devices" />
      </div>
      {data && data.totals[0] === 0 ? (
        <section className="panel">
          <h2>Waiting for the first event</h2>
          <p>Paste this snippet into your site&apos;s pages; this dashboard updates by itself when events arrive.</p>
          <pre className="snippet">{snippet}</pre>
        </section>
      ) : null}
    </>
  );
}

/** Change against the previous period of the same length: percent for counts, points for the bounce rate. */
function Change({ metric, value }: { metric: string; value: number | null | undefined }) {
  if (value === null || value === undefined) return null;
  // A falling bounce rate is the improvement; for every other metric a rise is.
  const better = metric === 'bounce_rate' ? value < 0 : value > 0;
  const arrow = value > 0 ? '↑' : value < 0 ? '↓' : '→';
  const unit = metric === 'bounce_rate' ? ' pts' : '%';
  return (
    <div className={`change ${value === 0 ? '' : better ? 'up' : 'down'}`} data-testid={`change-${metric}`}>
      {arrow} {Math.abs(value)}
      {unit} <span className="muted">vs previous period</span>
    </div>
  );
}

function Breakdown({
  title,
  column,
  rows,
  testId,
}: {
  title: string;
  column: string;
  rows: Row[] | undefined;
  testId: string;
}) {
  return (
    <section className="panel" data-testid={testId}>
      <h2>{title}</h2>
      {!rows ? (
        <div className="skeleton" />
      ) : rows.length === 0 ? (
        <p className="muted">No data in this range.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{column}</th>
              <th className="num">Visitors</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.dimensions.join('|')}>
                <td>{row.dimensions[0]}</td>
                <td className="num">{row.metrics[0]?.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface DashboardData {
  totals: number[];
  changes: Array<number | null>;
  series: Array<{ label: string; visitors: number; pageviews: number }>;
  pages: Row[];
  sources: Row[];
  countries: Row[];
  browsers: Row[];
  devices: Row[];
}

async function query(body: object): Promise<QueryResult> {
  const response = await fetch('/api/v2/query', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as QueryResult & { error?: { message: string } };
  if (!response.ok) throw new Error(json.error?.message ?? `HTTP ${response.status}`);
  return json;
}

async function loadDashboard(site: string, range: Range): Promise<DashboardData> {
  const base = { site_id: site, date_range: range };
  const top = (dimension: string) =>
    query({ ...base, metrics: ['visitors'], dimensions: [dimension], pagination: { limit: 10 } }).then(
      (r) => r.results,
    );
  const [totals, series, pages, sources, countries, browsers, devices] = await Promise.all([
    query({
      ...base,
      metrics: KPIS.map(([metric]) => metric),
      include: { comparisons: { mode: 'previous_period' } },
    }),
    query({ ...base, metrics: ['visitors', 'pageviews'], dimensions: ['time'], include: { time_labels: true } }),
    top('event:page'),
    top('visit:source'),
    top('visit:country'),
    top('visit:browser'),
    top('visit:device'),
  ]);
  const byLabel = new Map(series.results.map((row) => [row.dimensions[0], row.metrics]));
  const labels = series.meta.time_labels ?? [...byLabel.keys()].filter((l): l is string => l !== undefined);
  return {
    totals: totals.results[0]?.metrics ?? [0, 0, 0, 0],
    changes: totals.results[0]?.comparison?.change ?? [],
    series: labels.map((label) => {
      const [visitors = 0, pageviews = 0] = byLabel.get(label) ?? [];
      return { label, visitors, pageviews };
    }),
    pages,
    sources,
    countries,
    browsers,
    devices,
  };
}
