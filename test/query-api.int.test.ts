import { type Goal, goalName } from '@tern/events';
import { SessionTracker } from '@tern/ingest';
import {
  type EventRow,
  type Filter,
  funnelRequestSchema,
  InvalidStatsQueryError,
  insertEvents,
  type MetricValue,
  migrate,
  openWarehouse,
  queryFunnel,
  queryStats,
  queryStatsBatch,
  type StatsRequest,
  type StatsResponse,
  statsRequestSchema,
  type Warehouse,
} from '@tern/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, tempDir } from './helpers.ts';
import {
  enrich,
  HOSTILE_PAGE,
  type SyntheticEvent,
  type SyntheticSession,
  syntheticSessions,
  syntheticUuid,
} from './synthetic.ts';

/**
 * The query API against a generated data set whose answers the test computes itself, from the sessions the
 * generator decided (not from the pipeline's session logic or SQL). Time zone New York, where midnight is 04:00
 * UTC in June; a tenth of the sessions start just before it and run into the next day.
 */

const SITE = 'oracle.example';
const TZ = 'America/New_York';
const NOW = new Date('2026-06-20T12:00:00Z');
const RANGE: [string, string] = ['2026-06-02', '2026-06-15'];
const ONE_DAY: [string, string] = ['2026-06-10', '2026-06-10'];
const GOALS: Goal[] = [{ event: 'Signup' }, { page: '/blog/**' }, { page: '/docs/*' }];

const random = prng(20260601);
const sessions = [
  ...syntheticSessions({
    site: SITE,
    random,
    visitors: 700,
    from: Date.parse('2026-05-31T00:00:00Z'),
    to: Date.parse('2026-06-17T00:00:00Z'),
    sessionsPerVisitor: [1, 4],
    midnight: { share: 0.1, offsetMs: -4 * 3600_000 },
  }),
];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('query-api'), database: 'oracle' });
  await migrate(warehouse.client);
  // Ingest order is time order, as the collector would have produced the events.
  const all = sessions.flatMap((session) => session.events.map((event) => ({ session, event })));
  all.sort((a, b) => a.event.ts - b.event.ts);
  const tracker = new SessionTracker(30);
  const rows: EventRow[] = all.map(({ session, event }, offset) => {
    const enriched = enrich(session, event, syntheticUuid(random));
    return { event: enriched, visit: tracker.assign(enriched), topic: 'events', partition: 0, offset: BigInt(offset) };
  });
  for (let i = 0; i < rows.length; i += 5000) {
    await insertEvents(warehouse.client, rows.slice(i, i + 5000), `oracle:${i}`);
  }
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
});

async function ask(body: Partial<StatsRequest> & { metrics: StatsRequest['metrics'] }) {
  const request = statsRequestSchema.parse({ site_id: SITE, date_range: RANGE, ...body });
  return queryStats(warehouse.client, request, { timezone: TZ, now: NOW, goals: GOALS });
}

// ---- the oracle ---------------------------------------------------------------------------------------------------

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const clockFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dayOf = (ms: number) => dayFormat.format(ms);
const minuteOf = (ms: number) => `${dayOf(ms)} ${clockFormat.format(ms)}:00`;
const hourOf = (ms: number) => `${minuteOf(ms).slice(0, 13)}:00:00`;
const mondayOf = (ms: number, from: string) => {
  const day = new Date(`${dayOf(ms)}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  const monday = day.toISOString().slice(0, 10);
  return monday < from ? from : monday;
};
const monthOf = (ms: number, from: string) => {
  const month = `${dayOf(ms).slice(0, 7)}-01`;
  return month < from ? from : month;
};

type Event = SyntheticEvent & { session: SyntheticSession };
const events: Event[] = sessions.flatMap((session) => session.events.map((event) => ({ ...event, session })));
const counted = (e: Event) => e.type !== 'engagement';
const or = (value: string, blank: string) => value || blank;

const VISIT_FIELDS: Record<string, (s: SyntheticSession) => string> = {
  'visit:source': (s) => or(s.visit.source, 'Direct / None'),
  'visit:referrer': (s) => or(s.visit.referrer, 'Direct / None'),
  'visit:utm_source': (s) => or(s.visit.utmSource, '(not set)'),
  'visit:utm_medium': (s) => or(s.visit.utmMedium, '(not set)'),
  'visit:utm_campaign': (s) => or(s.visit.utmCampaign, '(not set)'),
  'visit:utm_term': (s) => or(s.visit.utmTerm, '(not set)'),
  'visit:utm_content': (s) => or(s.visit.utmContent, '(not set)'),
  'visit:country': (s) => or(s.visitor.country, '(not set)'),
  'visit:region': (s) => or(s.visitor.region, '(not set)'),
  'visit:city': (s) => or(s.visitor.city, '(not set)'),
  'visit:device': (s) => screenClass(s.visitor.screenWidth),
  'visit:device_type': (s) => or(s.visitor.device, '(not set)'),
  'visit:browser': (s) => or(s.visitor.browser, '(not set)'),
  'visit:browser_version': (s) => or(s.visitor.browserVersion, '(not set)'),
  'visit:os': (s) => or(s.visitor.os, '(not set)'),
  'visit:os_version': (s) => or(s.visitor.osVersion, '(not set)'),
};

/** Plausible's screen-size classes (shared/SEMANTICS.md, visit dimensions). */
const screenClass = (width: number) =>
  width === 0 ? '(not set)' : width < 576 ? 'Mobile' : width < 992 ? 'Tablet' : width < 1440 ? 'Laptop' : 'Desktop';

const pagesOf = (s: SyntheticSession) => s.events.filter((e) => e.type === 'pageview');
const entryPage = (s: SyntheticSession) => pagesOf(s)[0]?.page ?? '';
const exitPage = (s: SyntheticSession) => pagesOf(s).at(-1)?.page ?? '';
const goalPattern = (page: string) =>
  new RegExp(`^${page.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\*\\\*|\\\*/g, '.*')}$`);
const goalsOf = (e: SyntheticEvent): string[] =>
  GOALS.filter((goal) =>
    'event' in goal
      ? e.type === 'custom' && e.name === goal.event
      : e.type === 'pageview' && goalPattern(goal.page).test(e.page),
  ).map(goalName);

/** The labels an event falls under for a dimension (several for goals, none when it completes no goal). */
function eventLabels(dimension: string, e: Event, from: string): string[] {
  const visitField = VISIT_FIELDS[dimension];
  if (visitField) return [visitField(e.session)];
  switch (dimension) {
    case 'event:page':
      return [e.page];
    case 'event:name':
      return [e.name];
    case 'event:goal':
      return goalsOf(e);
    case 'event:props:plan':
      return [e.props.plan ?? '(none)'];
    case 'time:minute':
      return [minuteOf(e.ts)];
    case 'time:hour':
      return [hourOf(e.ts)];
    case 'time:day':
      return [dayOf(e.ts)];
    case 'time:week':
      return [mondayOf(e.ts, from)];
    case 'time:month':
      return [monthOf(e.ts, from)];
    default:
      throw new Error(`oracle has no dimension ${dimension}`);
  }
}

type Row = { dimensions: string[]; metrics: number[] };

function groupBy<T>(items: T[], labels: (item: T) => string[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    for (const label of labels(item)) {
      const group = groups.get(label) ?? [];
      group.push(item);
      groups.set(label, group);
    }
  }
  return groups;
}

const inDays = (ms: number, [from, to]: [string, string]) => dayOf(ms) >= from && dayOf(ms) <= to;
const last = (s: SyntheticSession) => Math.max(...s.events.map((e) => e.ts));
const overlaps = (s: SyntheticSession, [from, to]: [string, string]) =>
  dayOf(s.events[0]?.ts ?? 0) <= to && dayOf(last(s)) >= from;

function eventMetric(metric: string, group: Event[]): number {
  const real = group.filter(counted);
  switch (metric) {
    case 'visitors':
      return new Set(real.map((e) => e.session.visitor.id)).size;
    case 'visits':
      return new Set(real.map((e) => e.session.index)).size;
    case 'pageviews':
      return real.filter((e) => e.type === 'pageview').length;
    case 'events':
      return real.length;
    case 'scroll_depth':
    case 'time_on_page': {
      const visits = groupBy(
        group.filter((e) => e.type === 'engagement'),
        (e) => [`${e.session.index} ${e.page}`],
      );
      if (visits.size === 0) return Number.NaN;
      const per = [...visits.values()];
      if (metric === 'scroll_depth')
        return per.reduce((sum, v) => sum + Math.max(...v.map((e) => e.scroll)), 0) / per.length;
      return per.reduce((sum, v) => sum + v.reduce((s, e) => s + e.engagedMs, 0), 0) / 1000 / per.length;
    }
    default:
      throw new Error(`not an event metric: ${metric}`);
  }
}

function sessionMetric(metric: string, group: SyntheticSession[], entered = group): number {
  const real = (s: SyntheticSession) => s.events.filter((e) => e.type !== 'engagement');
  switch (metric) {
    case 'bounce_rate':
      return entered.length === 0 ? 0 : (entered.filter((s) => real(s).length === 1).length / entered.length) * 100;
    case 'visit_duration': {
      if (group.length === 0) return 0;
      const durations = group.map((s) => ((real(s).at(-1)?.ts ?? 0) - (s.events[0]?.ts ?? 0)) / 1000);
      return durations.reduce((a, b) => a + b, 0) / group.length;
    }
    case 'views_per_visit':
      return group.length === 0 ? 0 : group.reduce((sum, s) => sum + pagesOf(s).length, 0) / group.length;
    case 'visitors':
      return new Set(group.map((s) => s.visitor.id)).size;
    case 'visits':
      return group.length;
    case 'pageviews':
      return group.reduce((sum, s) => sum + pagesOf(s).length, 0);
    case 'events':
      return group.reduce((sum, s) => sum + real(s).length, 0);
    default:
      throw new Error(`not a session metric: ${metric}`);
  }
}

/** Buckets a session spans: every minute from its first to its last event, labelled and kept inside the range. */
function sessionBuckets(s: SyntheticSession, dimension: string, range: [string, string]): string[] {
  const labels = new Set<string>();
  const end = last(s);
  for (let t = s.events[0]?.ts ?? 0; ; t = Math.min(t + 60_000, end)) {
    if (inDays(t, range))
      labels.add(eventLabels(dimension, { ...(s.events[0] as SyntheticEvent), ts: t, session: s }, range[0])[0] ?? '');
    if (t >= end) break;
  }
  return [...labels];
}

function sessionLabels(dimension: string, s: SyntheticSession, range: [string, string]): string[] {
  if (dimension.startsWith('time')) return sessionBuckets(s, dimension, range);
  if (dimension === 'visit:entry_page' || dimension === 'event:page') return [entryPage(s)];
  if (dimension === 'visit:exit_page') return [exitPage(s)];
  const field = VISIT_FIELDS[dimension];
  if (!field) throw new Error(`oracle: sessions have no ${dimension}`);
  return [field(s)];
}

const SESSION_METRICS = new Set(['bounce_rate', 'visit_duration', 'views_per_visit']);

interface OracleQuery {
  metrics: string[];
  dimension?: string;
  range?: [string, string];
  /** Which events a filter keeps; sessions are kept when one of their events in the range is. */
  keep?: ((e: Event) => boolean) | undefined;
  /** The entry pages a page filter accepts, for the bounce rate. */
  entry?: ((page: string) => boolean) | undefined;
  /** Compute every metric from sessions (entry or exit page queries). */
  fromSessions?: boolean;
}

function oracle(q: OracleQuery): Row[] {
  const range = q.range ?? RANGE;
  const keep = q.keep ?? (() => true);
  const inRange = events.filter((e) => inDays(e.ts, range) && keep(e));
  const kept = new Set(inRange.filter(counted).map((e) => e.session.index));
  const chosen = sessions.filter((s) => overlaps(s, range) && (q.keep ? kept.has(s.index) : true));
  const needSessions = q.fromSessions || q.metrics.some((m) => SESSION_METRICS.has(m));
  const needEvents = !q.fromSessions && !q.metrics.every((m) => SESSION_METRICS.has(m));
  const dimension = q.dimension;
  const eventGroups = !needEvents
    ? new Map<string, Event[]>()
    : dimension
      ? groupBy(inRange, (e) => eventLabels(dimension, e, range[0]))
      : new Map([['', inRange]]);
  const sessionGroups = !needSessions
    ? new Map<string, SyntheticSession[]>()
    : dimension
      ? groupBy(chosen, (s) => sessionLabels(dimension, s, range))
      : new Map([['', chosen]]);
  const keys = needEvents ? eventGroups.keys() : sessionGroups.keys();
  const rows: Row[] = [];
  for (const key of keys) {
    const group = eventGroups.get(key) ?? [];
    if (needEvents && !group.some(counted)) continue;
    const sessionsOfKey = sessionGroups.get(key) ?? [];
    const entered = q.entry ? sessionsOfKey.filter((s) => q.entry?.(entryPage(s))) : sessionsOfKey;
    rows.push({
      dimensions: q.dimension ? [key] : [],
      metrics: q.metrics.map((metric) =>
        SESSION_METRICS.has(metric) || q.fromSessions
          ? sessionMetric(metric, sessionsOfKey, entered)
          : eventMetric(metric, group),
      ),
    });
  }
  return rows;
}

/** Metrics rounded by ClickHouse are compared with the exact figure within half a unit of their last digit. */
function expectRows(got: Array<{ dimensions: string[]; metrics: MetricValue[] }>, want: Row[], metrics: string[]) {
  const byKey = new Map(got.map((row) => [JSON.stringify(row.dimensions), row]));
  expect([...byKey.keys()].sort()).toEqual(want.map((row) => JSON.stringify(row.dimensions)).sort());
  for (const row of want) {
    const actual = byKey.get(JSON.stringify(row.dimensions));
    metrics.forEach((metric, i) => {
      const expected = row.metrics[i] as number;
      const value = actual?.metrics[i];
      const what = `${metric} of ${row.dimensions.join('/') || 'total'}`;
      if (Number.isNaN(expected)) expect(value, what).toBeNull();
      else if (['visitors', 'visits', 'pageviews', 'events'].includes(metric)) expect(value, what).toBe(expected);
      else {
        const tolerance =
          metric === 'views_per_visit' || metric === 'conversion_rate' ? 0.005 : metric === 'percentage' ? 0.05 : 0.5;
        expect(Math.abs(Number(value) - expected), `${what}: ${value} vs ${expected}`).toBeLessThanOrEqual(
          tolerance + 1e-9,
        );
      }
    });
  }
}

// ---- the checks ---------------------------------------------------------------------------------------------------

describe('query API against an independent oracle', () => {
  it('has a data set with the edge cases it claims', () => {
    const real = (s: SyntheticSession) => s.events.filter((e) => e.type !== 'engagement');
    expect(events.length).toBeGreaterThan(5000);
    expect(sessions.filter((s) => real(s).length === 1).length).toBeGreaterThan(100);
    expect(sessions.filter((s) => dayOf(s.events[0]?.ts ?? 0) !== dayOf(last(s))).length).toBeGreaterThan(20);
    expect(events.filter((e) => e.page === HOSTILE_PAGE).length).toBeGreaterThan(10);
  });

  it('answers every metric of the whole range', async () => {
    const metrics = [
      'visitors',
      'visits',
      'pageviews',
      'events',
      'views_per_visit',
      'bounce_rate',
      'visit_duration',
      'scroll_depth',
      'time_on_page',
    ] as const;
    const got = await ask({ metrics: [...metrics] });
    expectRows(got.results, oracle({ metrics: [...metrics] }), [...metrics]);
  });

  const EVENT_DIMENSIONS = ['event:page', 'event:name', 'event:goal', 'event:props:plan', ...Object.keys(VISIT_FIELDS)];
  it.each(EVENT_DIMENSIONS)('breaks event metrics down by %s', async (dimension) => {
    const metrics = ['visitors', 'visits', 'pageviews', 'events'] as const;
    const got = await ask({ metrics: [...metrics], dimensions: [dimension as never] });
    expectRows(got.results, oracle({ metrics: [...metrics], dimension }), [...metrics]);
  });

  it.each(Object.keys(VISIT_FIELDS))('breaks session metrics down by %s', async (dimension) => {
    const metrics = ['visits', 'bounce_rate', 'visit_duration', 'views_per_visit'] as const;
    const got = await ask({
      metrics: ['bounce_rate', 'visit_duration', 'views_per_visit'],
      dimensions: [dimension as never],
    });
    const want = oracle({ metrics: ['bounce_rate', 'visit_duration', 'views_per_visit'], dimension });
    expectRows(got.results, want, metrics.slice(1));
  });

  it.each(['visit:entry_page', 'visit:exit_page'])('breaks visits down by %s', async (dimension) => {
    const metrics = ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'] as const;
    const got = await ask({ metrics: [...metrics], dimensions: [dimension as never] });
    expectRows(got.results, oracle({ metrics: [...metrics], dimension, fromSessions: true }), [...metrics]);
  });

  it('answers pages with engagement, and bounce rate and duration by entry page', async () => {
    const metrics = ['pageviews', 'scroll_depth', 'time_on_page', 'bounce_rate', 'visit_duration'] as const;
    const got = await ask({ metrics: [...metrics], dimensions: ['event:page'] });
    expectRows(got.results, oracle({ metrics: [...metrics], dimension: 'event:page' }), [...metrics]);
  });

  it.each([
    ['time', RANGE, 'time:day'],
    ['time:day', RANGE, 'time:day'],
    ['time:week', RANGE, 'time:week'],
    ['time:month', RANGE, 'time:month'],
    ['time:hour', ONE_DAY, 'time:hour'],
    ['time:minute', ONE_DAY, 'time:minute'],
    ['time', ONE_DAY, 'time:hour'],
  ] as const)('buckets by %s over %j in the site time zone', async (dimension, range, bucket) => {
    const metrics = ['visitors', 'visits', 'pageviews', 'events'] as const;
    const got = await ask({ metrics: [...metrics], dimensions: [dimension], date_range: range });
    expectRows(got.results, oracle({ metrics: [...metrics], dimension: bucket, range }), [...metrics]);
  });

  it.each(['time:day', 'time:hour'] as const)(
    'counts a session in every %s bucket it spans, across midnight',
    async (dimension) => {
      const range = dimension === 'time:hour' ? ONE_DAY : RANGE;
      const metrics = ['bounce_rate', 'visit_duration'] as const;
      const got = await ask({ metrics: [...metrics], dimensions: [dimension], date_range: range });
      expectRows(got.results, oracle({ metrics: [...metrics], dimension, range }), [...metrics]);
    },
  );

  it('counts the sessions that overlap an instant range, those that began before it included', async () => {
    const range: [string, string] = ['2026-06-08T13:17:00Z', '2026-06-09T02:45:30Z'];
    const [from, to] = range.map(Date.parse) as [number, number];
    const chosen = sessions.filter((s) => (s.events[0]?.ts ?? 0) <= to && last(s) >= from);
    expect(chosen.filter((s) => (s.events[0]?.ts ?? 0) < from).length).toBeGreaterThan(0);
    const metrics = ['visits', 'views_per_visit', 'bounce_rate', 'visit_duration'] as const;
    const { results } = await ask({ date_range: range, metrics: [...metrics] });
    expectRows(results, [{ dimensions: [], metrics: metrics.map((m) => sessionMetric(m, chosen)) }], [...metrics]);
  });

  it('compares the headline metrics with another period, each period as the oracle counts it', async () => {
    const metrics = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'] as const;
    const google = (e: Event) => ['Google', 'Twitter'].includes(e.session.visit.source);
    const blog = (page: string) => page.includes('/blog');
    const cases: Array<{ filters: Filter[]; keep?: (e: Event) => boolean; entry?: (page: string) => boolean }> = [
      { filters: [] },
      // Visit filters test sessions: both periods in one statement.
      { filters: [['is', 'visit:source', ['Google', 'Twitter']]], keep: google },
      // Event filters pick each period's sessions by its own events: one statement per period.
      { filters: [['contains', 'event:page', ['/blog']]], keep: (e) => blog(e.page), entry: blog },
    ];
    const comparisons: Array<[StatsRequest['include'], [string, string]]> = [
      [{ comparisons: { mode: 'previous_period' } }, ['2026-05-19', '2026-06-01']],
      // Overlapping the current period: a session in both counts in both.
      [{ comparisons: { mode: 'custom', date_range: ['2026-06-10', '2026-06-16'] } }, ['2026-06-10', '2026-06-16']],
    ];
    for (const { filters, keep, entry } of cases) {
      for (const [include, other] of comparisons) {
        const got = await ask({ metrics: [...metrics], filters, include });
        expect(got.meta.comparison_date_range?.[0]).toContain(other[0]);
        const [row] = got.results;
        expectRows(got.results, oracle({ metrics: [...metrics], keep, entry }), [...metrics]);
        expectRows(
          [{ dimensions: [], metrics: row?.comparison?.metrics ?? [] }],
          oracle({ metrics: [...metrics], range: other, keep, entry }),
          [...metrics],
        );
      }
    }
  });

  it('filters visits by source, and the session metrics with them', async () => {
    const metrics = ['visitors', 'pageviews', 'bounce_rate', 'visit_duration', 'views_per_visit'] as const;
    const got = await ask({ metrics: [...metrics], filters: [['is', 'visit:source', ['Google', 'Twitter']]] });
    const keep = (e: Event) => ['Google', 'Twitter'].includes(e.session.visit.source);
    expectRows(got.results, oracle({ metrics: [...metrics], keep }), [...metrics]);
  });

  it('filters by page: bounce rate of sessions entering there, duration of sessions that saw it', async () => {
    const metrics = ['visitors', 'pageviews', 'bounce_rate', 'visit_duration'] as const;
    const got = await ask({ metrics: [...metrics], filters: [['contains', 'event:page', ['/blog']]] });
    const blog = (page: string) => page.includes('/blog');
    const keep = (e: Event) => blog(e.page);
    expectRows(got.results, oracle({ metrics: [...metrics], keep, entry: blog }), [...metrics]);
  });

  it('combines filters with and, or, not, matches and case-insensitive contains', async () => {
    const metrics = ['visitors', 'events'] as const;
    const got = await ask({
      metrics: [...metrics],
      dimensions: ['visit:country'],
      filters: [
        [
          'or',
          [
            ['matches', 'event:page', ['^/docs/']],
            ['is', 'event:name', ['Signup']],
          ],
        ],
        ['not', ['contains', 'visit:browser', ['FIRE'], { case_sensitive: false }]],
        ['is_not', 'visit:device', ['Tablet']],
        ['is_not', 'visit:device_type', ['mobile']],
      ],
    });
    const keep = (e: Event) =>
      (/^\/docs\//.test(e.page) || e.name === 'Signup') &&
      !e.session.visitor.browser.toLowerCase().includes('fire') &&
      screenClass(e.session.visitor.screenWidth) !== 'Tablet' &&
      e.session.visitor.device !== 'mobile';
    expectRows(got.results, oracle({ metrics: [...metrics], dimension: 'visit:country', keep }), [...metrics]);
  });

  it('tests props as Plausible does: substrings and patterns, negated or not, only where the key is set', async () => {
    const metrics = ['visitors', 'events'] as const;
    const plan = (e: Event): string | undefined => e.props.plan;
    const has = (e: Event, test: (value: string) => boolean) => {
      const value = plan(e);
      return value !== undefined && test(value);
    };
    // "(none)" contains "on" and matches "e$|o": a test against the placeholder would count every event without a plan.
    const cases: Array<[Filter, (e: Event) => boolean]> = [
      [['contains_not', 'event:props:plan', ['pr']], (e) => has(e, (v) => !v.includes('pr'))],
      [['matches_not', 'event:props:plan', ['^p']], (e) => has(e, (v) => !/^p/.test(v))],
      [['contains', 'event:props:plan', ['on', 'fr']], (e) => has(e, (v) => v.includes('on') || v.includes('fr'))],
      [['matches', 'event:props:plan', ['e$|o']], (e) => has(e, (v) => /e$|o/.test(v))],
      [['contains_not', 'event:props:plan', ['PR'], { case_sensitive: false }], (e) => has(e, (v) => !/pr/i.test(v))],
      // is_not keeps events without the key unless "(none)" is listed; is "(none)" picks them.
      [['is_not', 'event:props:plan', ['pro']], (e) => plan(e) !== 'pro'],
      [['is_not', 'event:props:plan', ['pro', '(none)']], (e) => has(e, (v) => v !== 'pro')],
      [['is', 'event:props:plan', ['(none)']], (e) => plan(e) === undefined],
    ];
    for (const [filter, keep] of cases) {
      const got = await ask({ metrics: [...metrics], filters: [filter] });
      expectRows(got.results, oracle({ metrics: [...metrics], keep }), [...metrics]);
    }
  });

  it('answers percentage of visitors per row', async () => {
    const got = await ask({ metrics: ['visitors', 'percentage'], dimensions: ['visit:country'] });
    const total = (oracle({ metrics: ['visitors'] })[0]?.metrics[0] ?? 0) as number;
    const want = oracle({ metrics: ['visitors'], dimension: 'visit:country' }).map((row) => ({
      ...row,
      metrics: [row.metrics[0] as number, ((row.metrics[0] as number) / total) * 100],
    }));
    expectRows(got.results, want, ['visitors', 'percentage']);
  });

  it('answers goals: conversions, conversion rate and the props of a goal', async () => {
    const total = (oracle({ metrics: ['visitors'] })[0]?.metrics[0] ?? 0) as number;
    const goals = await ask({ metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] });
    const want = oracle({ metrics: ['visitors', 'events'], dimension: 'event:goal' }).map((row) => ({
      ...row,
      metrics: [...row.metrics, ((row.metrics[0] as number) / total) * 100],
    }));
    expect(want.map((row) => row.dimensions[0]).sort()).toEqual(GOALS.map(goalName).sort());
    expectRows(goals.results, want, ['visitors', 'events', 'conversion_rate']);

    const plans = await ask({
      metrics: ['visitors', 'conversion_rate'],
      dimensions: ['event:props:plan'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    const signup = (e: Event) => e.type === 'custom' && e.name === 'Signup';
    const wantPlans = oracle({ metrics: ['visitors'], dimension: 'event:props:plan', keep: signup }).map((row) => ({
      ...row,
      metrics: [...row.metrics, ((row.metrics[0] as number) / total) * 100],
    }));
    expectRows(plans.results, wantPlans, ['visitors', 'conversion_rate']);
    await expect(ask({ metrics: ['conversion_rate'], dimensions: ['visit:source'] })).rejects.toMatchObject({
      field: 'metrics',
    });
  });

  it('pages and orders the rows, with the total row count', async () => {
    const want = oracle({ metrics: ['pageviews'], dimension: 'event:page' }).sort(
      (a, b) =>
        (a.metrics[0] as number) - (b.metrics[0] as number) ||
        String(a.dimensions[0]).localeCompare(String(b.dimensions[0])),
    );
    const got = await ask({
      metrics: ['pageviews'],
      dimensions: ['event:page'],
      order_by: [['pageviews', 'asc']],
      pagination: { limit: 3, offset: 2 },
      include: { total_rows: true },
    });
    expect(got.meta.total_rows).toBe(want.length);
    expect(got.results.map((r) => r.metrics[0])).toEqual(want.slice(2, 5).map((r) => r.metrics[0]));
  });
});

describe('query API batches', () => {
  it('answers each query of a batch as it answers it alone, with breakdowns sharing one scan', async () => {
    const filters: Filter[] = [['is_not', 'visit:country', ['FR']]];
    const bodies = [
      { metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'] },
      { metrics: ['visitors'], dimensions: ['visit:source'], pagination: { limit: 3 } },
      { metrics: ['visitors', 'pageviews'], dimensions: ['event:page'], pagination: { limit: 4, offset: 2 } },
      { metrics: ['visitors'], dimensions: ['visit:country'] },
      {
        metrics: ['visitors', 'events'],
        dimensions: ['event:props:plan'],
        filters: [...filters, ['is_not', 'event:name', ['pageview']]],
      },
      { metrics: ['visitors', 'visits'], dimensions: ['visit:device'] },
      { metrics: ['visitors', 'visits'], dimensions: ['visit:device_type'] },
      { metrics: ['visitors', 'visits'], dimensions: ['visit:entry_page'] },
      { metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] },
      { metrics: ['visitors'], dimensions: ['time:day'] },
      { metrics: ['visitors'], dimensions: ['visit:browser'], date_range: ['2026-06-05', '2026-06-06'] },
      { metrics: ['visitors'], dimensions: ['visit:os'], date_range: ['2026-06-05', '2026-06-06'] },
      { metrics: ['visitors'], dimensions: ['visit:os'], order_by: [['visitors', 'asc']] },
    ].map((body) => statsRequestSchema.parse({ site_id: SITE, date_range: RANGE, filters, ...body }));
    const context = { timezone: TZ, now: NOW, goals: GOALS };
    const batch = await queryStatsBatch(warehouse.client, bodies, context);
    for (const [i, request] of bodies.entries()) {
      const alone = await queryStats(warehouse.client, request, context);
      expect(batch[i], `query ${i}`).toEqual({ ok: true, response: alone });
    }
    // The shared-scan breakdowns have rows to compare, including ties broken by value.
    expect(
      bodies.slice(1, 6).every((_, i) => (batch[i + 1] as { response: StatsResponse }).response.results.length > 0),
    ).toBe(true);
  });

  it('answers goal breakdowns from the shared scan as alone: shared names, goals nobody completed, pages of rows', async () => {
    const goals: Goal[] = [
      ...GOALS,
      { page: '/blog/**' },
      { event: 'Never sent' },
      { page: '/docs/*' },
      { page: '/pricing' },
    ];
    const bodies = [
      { metrics: ['visitors'], dimensions: ['visit:source'] },
      { metrics: ['visitors', 'events', 'conversion_rate'], dimensions: ['event:goal'] },
      { metrics: ['visitors', 'visits', 'pageviews'], dimensions: ['event:goal'], pagination: { limit: 2, offset: 1 } },
      {
        metrics: ['visitors', 'conversion_rate'],
        dimensions: ['event:goal'],
        filters: [['is', 'event:goal', ['Signup']]],
      },
    ].map((body) => statsRequestSchema.parse({ site_id: SITE, date_range: RANGE, ...body }));
    const context = { timezone: TZ, now: NOW, goals };
    const batch = await queryStatsBatch(warehouse.client, bodies, context);
    for (const [i, request] of bodies.entries()) {
      const alone = await queryStats(warehouse.client, request, context);
      expect(batch[i], `query ${i}`).toEqual({ ok: true, response: alone });
    }
    const names = (batch[1] as { response: StatsResponse }).response.results.map((row) => row.dimensions[0]);
    expect(names).not.toContain('Never sent');
    expect(names.filter((name) => name === 'Visit /blog/**')).toHaveLength(1);
    expect(names.length).toBeGreaterThanOrEqual(3);
  });

  it('reports a query it cannot answer in its place and answers the others', async () => {
    const [bad, good] = await queryStatsBatch(
      warehouse.client,
      [
        statsRequestSchema.parse({ site_id: SITE, date_range: RANGE, metrics: ['percentage'] }),
        statsRequestSchema.parse({ site_id: SITE, date_range: RANGE, metrics: ['visitors'] }),
      ],
      { timezone: TZ, now: NOW, goals: GOALS },
    );
    expect(bad).toMatchObject({ ok: false, error: { field: 'metrics' } });
    expect(good).toMatchObject({ ok: true, response: { results: [{ metrics: [expect.any(Number)] }] } });
  });
});

describe('query API injection', () => {
  it('matches hostile values literally', async () => {
    const got = await ask({ metrics: ['pageviews'], filters: [['is', 'event:page', [HOSTILE_PAGE]]] });
    expectRows(got.results, oracle({ metrics: ['pageviews'], keep: (e) => e.page === HOSTILE_PAGE }), ['pageviews']);
    const fragment = await ask({
      metrics: ['pageviews'],
      filters: [['contains', 'event:page', ["'); DROP TABLE events; --"]]],
    });
    expect(fragment.results[0]?.metrics[0]).toBe(got.results[0]?.metrics[0]);
    const unicode = await ask({ metrics: ['pageviews'], filters: [['contains', 'event:page', ['ü🚀']]] });
    expect(unicode.results[0]?.metrics[0]).toBe(got.results[0]?.metrics[0]);
  });

  it.each([
    ['a quote and a comment', "x' OR '1'='1' --"],
    ['a backslash escape', "\\' OR 1=1 --"],
    ['a statement', "'; DROP TABLE events; SELECT '"],
    ['a union', "' UNION SELECT name FROM system.tables --"],
    ['a format clause', '/ FORMAT TabSeparated'],
    ['a parameter lookalike', '{p0:String}'],
  ])('returns nothing for %s, and the table is intact', async (_what, value) => {
    for (const operator of ['is', 'contains'] as const) {
      const got = await ask({ metrics: ['visitors'], filters: [[operator, 'visit:source', [value]]] });
      expect(got.results).toEqual([{ dimensions: [], metrics: [0] }]);
    }
    const props = await ask({
      metrics: ['visitors'],
      dimensions: [`event:props:${value.replace(/\s/g, '')}` as never],
    });
    expect(props.results.map((r) => r.dimensions[0])).toEqual(['(none)']);
    const all = await ask({ metrics: ['events'] });
    expect(all.results[0]?.metrics[0]).toBe(events.filter((e) => counted(e) && inDays(e.ts, RANGE)).length);
  });

  it('refuses a broken regular expression with the field at fault', async () => {
    await expect(ask({ metrics: ['visitors'], filters: [['matches', 'event:page', ['(unclosed']]] })).rejects.toSatisfy(
      (error) => error instanceof InvalidStatsQueryError && error.field === 'filters',
    );
  });
});

describe('funnels', () => {
  /** The highest step each visitor reached in order within the window, computed by walking their events. */
  function funnelOracle(steps: Array<(e: Event) => boolean>, windowMs: number, range: [string, string]): number[] {
    const byVisitor = groupBy(
      events.filter((e) => counted(e) && inDays(e.ts, range)),
      (e) => [e.session.visitor.id],
    );
    const reached = steps.map(() => 0);
    for (const list of byVisitor.values()) {
      list.sort((a, b) => a.ts - b.ts);
      let best = 0;
      list.forEach((start, i) => {
        if (!steps[0]?.(start)) return;
        let level = 1;
        for (const next of list.slice(i + 1)) {
          if (next.ts - start.ts > windowMs || level === steps.length) break;
          if (steps[level]?.(next)) level++;
        }
        best = Math.max(best, level);
      });
      for (let k = 0; k < best; k++) reached[k] = (reached[k] ?? 0) + 1;
    }
    return reached;
  }

  it('counts visitors through ordered steps within the window, and the drop-off between them', async () => {
    const request = funnelRequestSchema.parse({
      site_id: SITE,
      date_range: RANGE,
      steps: [{ page: '/' }, { page: '/blog/**' }, { event: 'Signup' }],
      window_minutes: 30,
    });
    const got = await queryFunnel(warehouse.client, request, { timezone: TZ, now: NOW });
    const want = funnelOracle(
      [
        (e) => e.type === 'pageview' && e.page === '/',
        (e) => e.type === 'pageview' && e.page.startsWith('/blog/'),
        (e) => e.type === 'custom' && e.name === 'Signup',
      ],
      30 * 60_000,
      RANGE,
    );
    expect(got.steps.map((s) => s.visitors)).toEqual(want);
    expect(want[2]).toBeGreaterThan(0);
    expect(got.steps.map((s) => s.label)).toEqual(['Visit /', 'Visit /blog/**', 'Signup']);
    expect(got.steps[1]?.dropoff).toBe((want[0] ?? 0) - (want[1] ?? 0));
    expect(got.steps[2]?.conversion_rate).toBeCloseTo(((want[2] ?? 0) / (want[0] ?? 1)) * 100, 2);
    expect(got.visitors).toBe(oracle({ metrics: ['visitors'] })[0]?.metrics[0]);
  });
});
