/**
 * The dashboard's view (period, filters, interval, tabs) and the Stats API v2 queries it issues. The view lives in the
 * URL, so that a view can be shared; `bench/query.ts` measures exactly these queries.
 */

export const PERIODS = [
  ['realtime', 'Realtime'],
  ['day', 'Today'],
  ['7d', 'Last 7 days'],
  ['28d', 'Last 28 days'],
  ['30d', 'Last 30 days'],
  ['91d', 'Last 91 days'],
  ['month', 'This month'],
  ['6mo', 'Last 6 months'],
  ['12mo', 'Last 12 months'],
  ['year', 'This year'],
  ['all', 'All time'],
  ['custom', 'Custom range'],
] as const;
export type Period = (typeof PERIODS)[number][0];

export const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const CHART_METRICS = [
  ['visitors', 'Unique visitors'],
  ['visits', 'Total visits'],
  ['pageviews', 'Total pageviews'],
  ['views_per_visit', 'Views per visit'],
  ['bounce_rate', 'Bounce rate'],
  ['visit_duration', 'Visit duration'],
] as const;
export type ChartMetric = (typeof CHART_METRICS)[number][0];

/** Panel tabs: the dimension each tab breaks down by. */
export const TABS = {
  sources: [
    ['visit:source', 'Sources'],
    ['visit:referrer', 'Referrers'],
    ['visit:utm_source', 'UTM source'],
    ['visit:utm_medium', 'UTM medium'],
    ['visit:utm_campaign', 'UTM campaign'],
    ['visit:utm_term', 'UTM term'],
    ['visit:utm_content', 'UTM content'],
  ],
  pages: [
    ['event:page', 'Top pages'],
    ['visit:entry_page', 'Entry pages'],
    ['visit:exit_page', 'Exit pages'],
  ],
  locations: [
    ['map', 'Map'],
    ['visit:country', 'Countries'],
    ['visit:region', 'Regions'],
    ['visit:city', 'Cities'],
  ],
  devices: [
    ['visit:browser', 'Browsers'],
    ['visit:os', 'Operating systems'],
    ['visit:device', 'Screen sizes'],
    ['visit:device_type', 'Device types'],
  ],
  goals: [
    ['event:goal', 'Goals'],
    ['event:name', 'Custom events'],
    ['props', 'Properties'],
  ],
} as const;
export type Panel = keyof typeof TABS;

/** A dashboard filter: one dimension, `is` one of the values (what clicking rows produces), or another operator. */
export type ViewFilter = [operator: 'is' | 'is_not' | 'contains', dimension: string, values: string[]];

export interface DashboardView {
  period: Period;
  /** With period `custom`: inclusive dates in the site's time zone. */
  from?: string | undefined;
  to?: string | undefined;
  filters: ViewFilter[];
  interval?: Interval | undefined;
  compare: boolean;
  metric: ChartMetric;
  tabs: { [P in Panel]: (typeof TABS)[P][number][0] };
  /** The prop key of the properties tab. */
  prop?: string | undefined;
}

export const DEFAULT_VIEW: DashboardView = {
  period: '30d',
  filters: [],
  compare: false,
  metric: 'visitors',
  tabs: {
    sources: 'visit:source',
    pages: 'event:page',
    locations: 'map',
    devices: 'visit:browser',
    goals: 'event:goal',
  },
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The value if it is one of the keys of a `[key, label]` list (or of a plain list), else undefined. */
function oneOf<T extends string>(list: readonly (readonly [T, string])[] | readonly T[], value: string | null) {
  return list
    .map((entry) => (typeof entry === 'string' ? entry : entry[0]))
    .find((entry): entry is T => entry === value);
}

/** Reads a view from URL search parameters; anything unknown falls back to the default. */
export function viewFromSearch(search: URLSearchParams): DashboardView {
  const period = oneOf<Period>(PERIODS, search.get('period')) ?? DEFAULT_VIEW.period;
  const from = search.get('from') ?? undefined;
  const to = search.get('to') ?? undefined;
  const custom = period === 'custom' && from && to && DATE.test(from) && DATE.test(to) && from <= to;
  const filters: ViewFilter[] = [];
  for (const text of search.getAll('f')) {
    let parts: string[];
    try {
      parts = text.split('|').map(decodeURIComponent);
    } catch {
      continue; // a hand-edited link with a broken escape: that filter is left out, the page still opens
    }
    const [operator, dimension, ...values] = parts;
    if ((operator === 'is' || operator === 'is_not' || operator === 'contains') && dimension && values.length > 0) {
      filters.push([operator, dimension, values]);
    }
  }
  const tab = <P extends Panel>(panel: P): DashboardView['tabs'][P] =>
    (oneOf(TABS[panel] as readonly (readonly [string, string])[], search.get(panel)) ??
      DEFAULT_VIEW.tabs[panel]) as DashboardView['tabs'][P];
  return {
    period: custom || period !== 'custom' ? period : DEFAULT_VIEW.period,
    ...(custom ? { from, to } : {}),
    filters,
    interval: oneOf<Interval>(INTERVALS, search.get('interval')),
    compare: search.get('compare') === '1',
    metric: oneOf<ChartMetric>(CHART_METRICS, search.get('metric')) ?? DEFAULT_VIEW.metric,
    tabs: {
      sources: tab('sources'),
      pages: tab('pages'),
      locations: tab('locations'),
      devices: tab('devices'),
      goals: tab('goals'),
    },
    prop: search.get('prop') ?? undefined,
  };
}

/** The URL search string of a view, leaving defaults out so shared links stay short. */
export function searchFromView(view: DashboardView): string {
  const search = new URLSearchParams();
  if (view.period !== DEFAULT_VIEW.period) search.set('period', view.period);
  if (view.period === 'custom' && view.from && view.to) {
    search.set('from', view.from);
    search.set('to', view.to);
  }
  for (const [operator, dimension, values] of view.filters) {
    search.append('f', [operator, dimension, ...values].map(escapePart).join('|'));
  }
  if (view.interval) search.set('interval', view.interval);
  if (view.compare) search.set('compare', '1');
  if (view.metric !== DEFAULT_VIEW.metric) search.set('metric', view.metric);
  for (const panel of Object.keys(TABS) as Panel[]) {
    if (view.tabs[panel] !== DEFAULT_VIEW.tabs[panel]) search.set(panel, view.tabs[panel]);
  }
  if (view.prop) search.set('prop', view.prop);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A filter travels as `operator|dimension|value…`; only `%` and `|` inside a part need escaping. */
const escapePart = (part: string) => part.replace(/%/g, '%25').replace(/\|/g, '%7C');

/** Adds a filter from a clicked row, replacing any filter on the same dimension. */
export function withFilter(view: DashboardView, dimension: string, value: string): DashboardView {
  return { ...view, filters: [...view.filters.filter(([, d]) => d !== dimension), ['is', dimension, [value]]] };
}

export function withoutFilter(view: DashboardView, dimension: string): DashboardView {
  return { ...view, filters: view.filters.filter(([, d]) => d !== dimension) };
}

/** The Stats API v2 `date_range` of a view; realtime is the last 30 minutes. */
export function dateRange(view: DashboardView, now = new Date()): string | [string, string] {
  if (view.period === 'custom' && view.from && view.to) return [view.from, view.to];
  if (view.period === 'realtime') return [new Date(now.getTime() - 30 * 60_000).toISOString(), now.toISOString()];
  return view.period;
}

/** Time buckets that make sense for a period: minutes only for a day or two. */
export function intervalsFor(view: DashboardView): Interval[] {
  const days = periodDays(view);
  if (days <= 2) return ['minute', 'hour'];
  if (days <= 31) return ['hour', 'day', 'week'];
  if (days <= 190) return ['day', 'week', 'month'];
  return ['day', 'week', 'month'];
}

function periodDays(view: DashboardView): number {
  switch (view.period) {
    case 'realtime':
    case 'day':
      return 1;
    case '7d':
      return 7;
    case '28d':
      return 28;
    case '30d':
    case 'month':
      return 31;
    case '91d':
      return 91;
    case '6mo':
      return 183;
    case 'custom':
      return view.from && view.to ? (Date.parse(view.to) - Date.parse(view.from)) / 86_400_000 + 1 : 30;
    default:
      return 366;
  }
}

/** Plausible's default interval: hours for a day, days up to a few months, months beyond. */
export function defaultInterval(view: DashboardView): Interval {
  const days = periodDays(view);
  if (days <= 2) return 'hour';
  if (days <= 91) return 'day';
  return 'month';
}

type Query = Record<string, unknown>;

export interface DashboardQueries {
  kpis: Query;
  chart: Query;
  sources: Query;
  pages: Query;
  locations: Query;
  devices: Query;
  goals: Query;
}

const PANEL_LIMIT = 9;
export const KPI_METRICS = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];

/** The goals panel's revenue columns, for a site with revenue goals. */
const REVENUE_METRICS = ['total_revenue', 'average_revenue'];

/**
 * Every Stats API v2 query the dashboard issues for a view: the headline metrics (with the change against the
 * previous period), the time series and one query per panel, for the panels' current tabs. `hasRevenue`: the site
 * has revenue goals, whose revenue the goals panel shows.
 */
export function dashboardQueries(
  site: string,
  view: DashboardView,
  hasGoals: boolean,
  now = new Date(),
  hasRevenue = false,
): DashboardQueries {
  const base = { site_id: site, date_range: dateRange(view, now), filters: view.filters };
  const compared = view.period !== 'all' && view.period !== 'realtime';
  const top = (dimension: string, metrics: string[], extra: Query = {}) => ({
    ...base,
    metrics,
    dimensions: [dimension],
    pagination: { limit: PANEL_LIMIT },
    ...extra,
  });
  const interval = view.interval && intervalsFor(view).includes(view.interval) ? view.interval : defaultInterval(view);
  const locations = view.tabs.locations === 'map' ? 'visit:country' : view.tabs.locations;
  const goalDimension =
    view.tabs.goals === 'props'
      ? `event:props:${view.prop ?? 'plan'}`
      : view.tabs.goals === 'event:goal' && !hasGoals
        ? 'event:name'
        : view.tabs.goals;
  return {
    kpis: {
      ...base,
      metrics: KPI_METRICS,
      ...(compared ? { include: { comparisons: { mode: 'previous_period' } } } : {}),
    },
    chart: {
      ...base,
      metrics: [view.metric],
      dimensions: [`time:${interval}`],
      include: {
        time_labels: true,
        ...(view.compare && compared ? { comparisons: { mode: 'previous_period' } } : {}),
      },
    },
    sources: top(view.tabs.sources, ['visitors']),
    pages: top(view.tabs.pages, view.tabs.pages === 'event:page' ? ['visitors', 'pageviews'] : ['visitors', 'visits']),
    // Shares of visitors are computed from the headline visitors (the same filters): no second query per panel.
    locations: top(locations, ['visitors'], view.tabs.locations === 'map' ? { pagination: { limit: 300 } } : {}),
    devices: top(view.tabs.devices, ['visitors']),
    goals:
      goalDimension === 'event:goal'
        ? top('event:goal', ['visitors', 'events', 'conversion_rate', ...(hasRevenue ? REVENUE_METRICS : [])])
        : goalDimension === 'event:name'
          ? top('event:name', ['visitors', 'events'], {
              filters: [...view.filters, ['is_not', 'event:name', ['pageview']]],
            })
          : top(goalDimension, ['visitors', 'events'], {
              filters: [...view.filters, ['is_not', 'event:name', ['pageview']]],
            }),
  };
}

/** One HTTP call of the dashboard page: a batch whose answers go to `parts` in order. */
export interface DashboardRequest {
  path: '/api/v2/query/batch';
  parts: Array<keyof DashboardQueries>;
  body: { queries: Query[] };
}

/**
 * How the page sends its queries (and the bench times them): the headline numbers with the chart, and the breakdown
 * panels, each as one batch. The embedded warehouse runs one statement at a time, so a third request only added
 * its HTTP cost (two batches against three requests on the largest bench site, 30 days: 258 against 275 ms); the
 * server answers the panels' breakdowns with one shared scan.
 */
export function dashboardRequests(queries: DashboardQueries): DashboardRequest[] {
  const batch = (parts: Array<keyof DashboardQueries>): DashboardRequest => ({
    path: '/api/v2/query/batch',
    parts,
    body: { queries: parts.map((part) => queries[part]) },
  });
  return [batch(['kpis', 'chart']), batch(['sources', 'pages', 'locations', 'devices', 'goals'])];
}
