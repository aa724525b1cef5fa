'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import {
  CHART_METRICS,
  type DashboardQueries,
  type DashboardView,
  dashboardQueries,
  dashboardRequests,
  defaultInterval,
  type Interval,
  intervalsFor,
  KPI_METRICS,
  type Panel as PanelName,
  PERIODS,
  type Period,
  searchFromView,
  TABS,
  viewFromSearch,
  withFilter,
  withoutFilter,
} from '../../lib/dashboard-state.ts';
import { PartBoundary } from './boundary.tsx';
import { SeriesChart } from './chart.tsx';
import { type Access, type BatchResult, callApi, type QueryResult, queryBatch } from './client.ts';
import { countryName, flag } from './countries.ts';
import { dimensionLabel, metricValue } from './format.ts';
import { type Loaded, Panel } from './panel.tsx';
import { LiveVisitors, RealtimeView } from './realtime.tsx';
import { WorldMap } from './world-map.tsx';

type Results = { [K in keyof DashboardQueries]: Loaded<QueryResult> };
const LOADING: Results = {
  kpis: { state: 'loading' },
  chart: { state: 'loading' },
  sources: { state: 'loading' },
  pages: { state: 'loading' },
  locations: { state: 'loading' },
  devices: { state: 'loading' },
  goals: { state: 'loading' },
};

/** Periods that include today refresh by themselves. */
const REFRESH_MS = 15_000;
const LIVE_PERIODS = new Set<Period>(['day', '7d', '28d', '30d', '91d', 'month', '6mo', '12mo', 'year', 'all']);

export interface DashboardProps {
  site: string;
  timezone: string;
  hasGoals: boolean;
  /** Some goal has a currency: the goals panel shows revenue. */
  hasRevenue?: boolean;
  /** Shown while the site has no events yet. */
  snippet?: string | undefined;
  /** The share link id on a public dashboard. */
  share?: string | undefined;
  /** Links to the site's other pages (events, funnels, settings), absent on a shared dashboard. */
  nav?: ReactNode;
}

/**
 * The site dashboard. Its view (period, filters, interval, tabs, chart metric) lives in the URL, so a view can be
 * shared or bookmarked; every number on it comes from the public query API.
 */
export function Dashboard(props: DashboardProps) {
  const { site, hasGoals } = props;
  const hasRevenue = props.hasRevenue ?? false;
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const view = useMemo(() => viewFromSearch(new URLSearchParams(search.toString())), [search]);
  const access = useMemo<Access>(() => ({ share: props.share }), [props.share]);
  const setView = useCallback(
    (next: DashboardView) => router.replace(`${pathname}${searchFromView(next)}`, { scroll: false }),
    [router, pathname],
  );
  const [results, setResults] = useState<Results>(LOADING);
  const [updated, setUpdated] = useState<Date>();
  const viewKey = searchFromView(view);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setResults(LOADING);
    const current = viewFromSearch(new URLSearchParams(viewKey));
    const load = async () => {
      const settle = (part: keyof DashboardQueries, answer: BatchResult) =>
        setResults((current) => ({
          ...current,
          [part]:
            'error' in answer ? { state: 'error', message: answer.error.message } : { state: 'done', data: answer },
        }));
      await Promise.all(
        dashboardRequests(dashboardQueries(site, current, hasGoals, new Date(), hasRevenue)).map(async (call) => {
          try {
            const { results } = await queryBatch(call.body, access, controller.signal);
            // An answer for a view that has been left since is dropped, never shown.
            if (controller.signal.aborted) return;
            call.parts.forEach((part, i) => {
              settle(part, results[i] ?? { error: { message: 'no answer for this panel' } });
            });
          } catch (error) {
            if (controller.signal.aborted) return;
            const message = error instanceof Error ? error.message : String(error);
            for (const part of call.parts) settle(part, { error: { message } });
          }
        }),
      );
      if (controller.signal.aborted) return;
      setUpdated(new Date());
      if (LIVE_PERIODS.has(current.period) || current.period === 'realtime') timer = setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // The view is keyed by its URL form: a new object with the same contents must not reload.
  }, [site, viewKey, hasGoals, hasRevenue, access]);

  useKeyboardShortcuts(view, setView);

  const filter = useCallback(
    (dimension: string, value: string) => setView(withFilter(view, dimension, value)),
    [view, setView],
  );
  const setTab = (panel: PanelName) => (tab: string) => setView({ ...view, tabs: { ...view.tabs, [panel]: tab } });
  /** What a breakdown panel takes from the view: its tabs, the dimension of its tab (the map shows countries). */
  const tabbed = (panel: Exclude<PanelName, 'goals'>, title: string, testId: string) => {
    const dimension = view.tabs[panel] === 'map' ? 'visit:country' : view.tabs[panel];
    return {
      title,
      testId,
      tabs: TABS[panel],
      tab: view.tabs[panel],
      onTab: setTab(panel),
      result: results[panel],
      dimension,
      firstColumn: dimensionLabel(dimension),
      onFilter: filter,
    };
  };
  const kpis = results.kpis.state === 'done' ? results.kpis.data.results[0] : undefined;
  const kpiVisitors = kpis ? Number(kpis.metrics[0] ?? 0) : undefined;
  const noData = kpis !== undefined && Number(kpis.metrics[0] ?? 0) === 0 && view.filters.length === 0;
  const chartLabel = CHART_METRICS.find(([metric]) => metric === view.metric)?.[1] ?? view.metric;
  const interval = view.interval && intervalsFor(view).includes(view.interval) ? view.interval : defaultInterval(view);

  return (
    <>
      <div className="row spread dashboard-head">
        <div className="row">
          <h1 style={{ margin: 0 }}>{site}</h1>
          <LiveVisitors site={site} access={access} />
        </div>
        <div className="row">
          {props.nav}
          {updated ? <span className="live">updated {updated.toLocaleTimeString()}</span> : null}
          <DatePicker view={view} onChange={setView} />
          {view.period !== 'realtime' && view.period !== 'all' ? (
            <label className="row compare-toggle">
              <input
                type="checkbox"
                checked={view.compare}
                onChange={(e) => setView({ ...view, compare: e.target.checked })}
              />
              Compare
            </label>
          ) : null}
        </div>
      </div>
      <FiltersBar view={view} onChange={setView} />
      {view.period === 'realtime' ? (
        <PartBoundary name="the realtime view">
          <RealtimeView site={site} access={access} />
        </PartBoundary>
      ) : (
        <>
          <section className="panel kpis" data-testid="kpis">
            {KPI_METRICS.map((metric, i) => (
              <button
                type="button"
                key={metric}
                className={`kpi ${view.metric === metric ? 'selected' : ''}`}
                onClick={() => setView({ ...view, metric: metric as DashboardView['metric'] })}
                aria-pressed={view.metric === metric}
              >
                <div className="label">{CHART_METRICS.find(([m]) => m === metric)?.[1]}</div>
                <div className="value" data-testid={`kpi-${metric}`}>
                  {results.kpis.state === 'done' ? (
                    metricValue(metric, kpis?.metrics[i] ?? 0)
                  ) : results.kpis.state === 'error' ? (
                    '–'
                  ) : (
                    <div className="skeleton" />
                  )}
                </div>
                <Change metric={metric} value={kpis?.comparison?.change[i]} />
              </button>
            ))}
          </section>
          {results.kpis.state === 'error' ? (
            <p className="error panel" role="alert">
              Could not load the stats: {results.kpis.message}
            </p>
          ) : null}
          <section className="panel">
            <div className="row spread">
              <h2>
                {chartLabel} <span className="muted">({props.timezone})</span>
              </h2>
              <select
                aria-label="Interval"
                value={interval}
                onChange={(e) => setView({ ...view, interval: e.target.value as Interval })}
              >
                {intervalsFor(view).map((value) => (
                  <option key={value} value={value}>
                    {value === 'minute' ? 'Minutes' : `${value[0]?.toUpperCase()}${value.slice(1)}s`}
                  </option>
                ))}
              </select>
            </div>
            {results.chart.state === 'done' ? (
              <PartBoundary name="the chart">
                <SeriesChart
                  result={results.chart.data}
                  compared={view.compare}
                  metric={view.metric}
                  label={chartLabel}
                />
              </PartBoundary>
            ) : results.chart.state === 'error' ? (
              <p className="error">Could not load the chart: {results.chart.message}</p>
            ) : (
              <div className="skeleton" style={{ height: 240 }} />
            )}
          </section>
        </>
      )}
      {noData && props.snippet ? (
        <section className="panel install" data-testid="install-hint">
          <h2>Waiting for the first event</h2>
          <p>
            Paste this snippet into the <code>&lt;head&gt;</code> of your pages. This dashboard updates by itself when
            events arrive.
          </p>
          <pre className="snippet">{props.snippet}</pre>
        </section>
      ) : null}
      <div className="grid">
        <Panel
          {...tabbed('sources', 'Top sources', 'top-sources')}
          columns={[['visitors', 'Visitors']]}
          empty="No visits from other sites in this period."
        />
        <Panel
          {...tabbed('pages', 'Pages', 'top-pages')}
          columns={[
            ['visitors', 'Visitors'],
            view.tabs.pages === 'event:page' ? ['pageviews', 'Pageviews'] : ['visits', 'Visits'],
          ]}
          empty="No page views in this period."
        />
        <Panel
          {...tabbed('locations', 'Locations', 'top-countries')}
          columns={SHARE_COLUMNS}
          total={kpiVisitors}
          label={view.tabs.locations === 'visit:city' ? undefined : locationLabel}
          empty="No locations in this period."
        >
          {view.tabs.locations === 'map' && results.locations.state === 'done' ? (
            <WorldMap rows={results.locations.data.results} onFilter={(code) => filter('visit:country', code)} />
          ) : null}
        </Panel>
        <Panel
          {...tabbed('devices', 'Devices', 'top-devices')}
          columns={SHARE_COLUMNS}
          total={kpiVisitors}
          empty="No visits in this period."
        />
        <GoalsPanel
          view={view}
          results={results.goals}
          hasGoals={hasGoals}
          hasRevenue={hasRevenue}
          onTab={setTab('goals')}
          onFilter={filter}
          onProp={(prop) => setView({ ...view, prop })}
          site={site}
          access={access}
        />
      </div>
    </>
  );
}

const SHARE_COLUMNS = [
  ['visitors', 'Visitors'],
  ['share', '%'],
] as const;

function locationLabel(value: string): ReactNode {
  if (/^[A-Z]{2}$/.test(value)) return `${flag(value)} ${countryName(value)}`;
  return value;
}

function GoalsPanel(props: {
  view: DashboardView;
  results: Loaded<QueryResult>;
  hasGoals: boolean;
  hasRevenue: boolean;
  onTab: (tab: string) => void;
  onFilter: (dimension: string, value: string) => void;
  onProp: (prop: string) => void;
  site: string;
  access: Access;
}) {
  const { view } = props;
  const [keys, setKeys] = useState<string[]>([]);
  const tab = view.tabs.goals;
  useEffect(() => {
    if (tab !== 'props') return;
    const range = view.period === 'custom' && view.from && view.to ? `${view.from},${view.to}` : 'all';
    callApi<{ keys: Array<{ key: string }> }>(
      `/api/v1/props?site_id=${encodeURIComponent(props.site)}&date_range=${range}`,
      props.access,
    )
      .then((body) => setKeys(body.keys.map((k) => k.key)))
      .catch(() => setKeys([]));
  }, [tab, view.period, view.from, view.to, props.site, props.access]);
  const dimension =
    tab === 'props'
      ? `event:props:${view.prop ?? 'plan'}`
      : tab === 'event:goal' && !props.hasGoals
        ? 'event:name'
        : tab;
  const columns: ReadonlyArray<readonly [string, string]> =
    dimension === 'event:goal'
      ? [
          ['visitors', 'Uniques'],
          ['events', 'Total'],
          ['conversion_rate', 'CR'],
          ...(props.hasRevenue
            ? ([
                ['total_revenue', 'Revenue'],
                ['average_revenue', 'Average'],
              ] as const)
            : []),
        ]
      : [
          ['visitors', 'Uniques'],
          ['events', 'Total'],
        ];
  return (
    <Panel
      title="Goals and events"
      testId="goals"
      tabs={TABS.goals}
      tab={tab}
      onTab={props.onTab}
      result={props.results}
      dimension={dimension}
      firstColumn={dimensionLabel(dimension)}
      columns={columns}
      onFilter={props.onFilter}
      empty={
        tab === 'event:goal' && !props.hasGoals
          ? 'No goals yet: add them in the site settings. Custom events are listed meanwhile.'
          : 'No custom events in this period. Send them with tern("Signup", { props: { plan: "pro" } }).'
      }
      toolbar={
        tab === 'props' ? (
          <select aria-label="Property" value={view.prop ?? 'plan'} onChange={(e) => props.onProp(e.target.value)}>
            {[...new Set([view.prop ?? 'plan', ...keys])].map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        ) : null
      }
    />
  );
}

/** Change against the previous period: percent for counts, points for the bounce rate. */
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

function DatePicker({ view, onChange }: { view: DashboardView; onChange: (view: DashboardView) => void }) {
  const today = new Date().toISOString().slice(0, 10);
  const [from, setFrom] = useState(view.from ?? today);
  const [to, setTo] = useState(view.to ?? today);
  const [custom, setCustom] = useState(view.period === 'custom');
  return (
    <div className="row date-picker">
      <select
        aria-label="Date range"
        value={custom ? 'custom' : view.period}
        onChange={(e) => {
          const period = e.target.value as Period;
          if (period === 'custom') return setCustom(true);
          setCustom(false);
          onChange({ ...view, period, from: undefined, to: undefined, interval: undefined });
        }}
      >
        {PERIODS.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      {custom ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (from <= to) onChange({ ...view, period: 'custom', from, to, interval: undefined });
          }}
        >
          <input type="date" aria-label="From" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
          <input type="date" aria-label="To" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
          <button type="submit">Apply</button>
        </form>
      ) : null}
    </div>
  );
}

function FiltersBar({ view, onChange }: { view: DashboardView; onChange: (view: DashboardView) => void }) {
  if (view.filters.length === 0) return null;
  return (
    <div className="row filters" data-testid="filters">
      {view.filters.map(([operator, dimension, values]) => (
        <span key={dimension} className="chip">
          {dimensionLabel(dimension)} {operator === 'is' ? 'is' : operator.replace('_', ' ')}{' '}
          <strong>{dimension === 'visit:country' ? values.map(countryName).join(', ') : values.join(', ')}</strong>
          <button
            type="button"
            className="chip-remove"
            aria-label={`Remove the ${dimensionLabel(dimension)} filter`}
            onClick={() => onChange(withoutFilter(view, dimension))}
          >
            ×
          </button>
        </span>
      ))}
      <button type="button" className="secondary" onClick={() => onChange({ ...view, filters: [] })}>
        Clear all
      </button>
    </div>
  );
}

const SHORTCUTS: Record<string, Period> = {
  r: 'realtime',
  d: 'day',
  w: '7d',
  t: '30d',
  m: 'month',
  y: '12mo',
  a: 'all',
};

/** Plausible-style keys: d today, w 7 days, t 30 days, m month, y 12 months, a all, r realtime, c compare, Esc. */
function useKeyboardShortcuts(view: DashboardView, setView: (view: DashboardView) => void) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (target && ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
      const period = SHORTCUTS[event.key];
      if (period) setView({ ...view, period, from: undefined, to: undefined, interval: undefined });
      else if (event.key === 'c') setView({ ...view, compare: !view.compare });
      else if (event.key === 'Escape' && view.filters.length > 0) setView({ ...view, filters: [] });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [view, setView]);
}
