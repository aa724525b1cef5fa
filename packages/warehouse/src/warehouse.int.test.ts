import type { EnrichedEvent } from '@tern/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichedEvent } from '../../../test/fixtures.ts';
import { tempDir } from '../../../test/helpers.ts';
import { WarehouseServerProcess } from '../../../test/warehouse-server.ts';
import { openWarehouse, type Warehouse } from './client.ts';
import { migrate } from './migrations/index.ts';
import { countEvents } from './queries/events/count-events.ts';
import { type EventRow, insertEvents } from './queries/events/insert-events.ts';
import { storedOffsets } from './queries/ingest/stored-offsets.ts';
import { InvalidStatsQueryError, queryStats } from './queries/stats/query-stats.ts';
import { statsRequestSchema } from './queries/stats/request.ts';
import { sessionIdAt } from './sessions/session-id.ts';

let warehouse: Warehouse;
const SITE = 'shop.example';
const NOW = new Date('2026-03-10T12:00:00Z');

// Sessions are named here; their ids carry the start second of their first row, as ingest makes them.
const sessionIds = new Map<string, string>();

function row(offset: number, overrides: Partial<EnrichedEvent>, session: string, source = ''): EventRow {
  const event = enrichedEvent({
    siteId: SITE,
    timestamp: NOW.getTime(),
    receivedAt: NOW.getTime(),
    hostname: SITE,
    country: 'DE',
    browser: 'Firefox',
    browserVersion: '130',
    os: 'Linux',
    device: 'desktop',
    screenWidth: 1280,
    language: 'de',
    ...overrides,
  });
  return {
    event,
    visit: {
      sessionId: sessionIdOf(session, event.timestamp),
      entryHostname: event.hostname,
      screenWidth: event.screenWidth,
      referrer: '',
      referrerHost: '',
      source,
      utmSource: '',
      utmMedium: '',
      utmCampaign: '',
      utmTerm: '',
      utmContent: '',
    },
    topic: 'events',
    partition: 0,
    offset: BigInt(offset),
  };
}

function sessionIdOf(name: string, firstTimestamp: number): string {
  const id = sessionIds.get(name) ?? sessionIdAt(firstTimestamp, Number(name));
  sessionIds.set(name, id);
  return id;
}

const hour = 3600_000;
// Three visitors, four sessions; one engagement ping that no metric may count.
const rows: EventRow[] = [
  row(0, { visitorId: '1', pathname: '/', timestamp: NOW.getTime() - 2 * hour }, '11', 'Google'),
  row(1, { visitorId: '1', pathname: '/pricing', timestamp: NOW.getTime() - 2 * hour + 60_000 }, '11', 'Google'),
  row(
    2,
    {
      visitorId: '1',
      type: 'custom',
      name: 'signup',
      props: { plan: 'pro' },
      timestamp: NOW.getTime() - 2 * hour + 90_000,
    },
    '11',
    'Google',
  ),
  row(
    3,
    { visitorId: '1', type: 'engagement', name: 'engagement', timestamp: NOW.getTime() - 2 * hour + 95_000 },
    '11',
    'Google',
  ),
  row(
    4,
    { visitorId: '2', pathname: '/', country: 'US', browser: 'Chrome', timestamp: NOW.getTime() - 1 * hour },
    '21',
  ),
  row(
    5,
    { visitorId: '2', pathname: '/blog', country: 'US', browser: 'Chrome', timestamp: NOW.getTime() - 1 * hour + 1000 },
    '21',
  ),
  row(
    6,
    { visitorId: '2', pathname: '/', country: 'US', browser: 'Chrome', timestamp: NOW.getTime() - 3 * 86_400_000 },
    '22',
    'Twitter',
  ),
  row(7, { visitorId: '3', pathname: '/it\'s \\ "quoted"', country: '', timestamp: NOW.getTime() }, '31'),
];

async function ask(body: object) {
  const request = statsRequestSchema.parse({ site_id: SITE, ...body });
  return queryStats(warehouse.client, request, { timezone: 'UTC', now: NOW });
}

// The same statements run in-process (chDB) and through ClickHouse's HTTP interface (chDB behind
// apps/warehouse-server), which is the path a ClickHouse server takes.
describe.each(['embedded', 'server'] as const)('warehouse (%s)', (mode) => {
  let server: WarehouseServerProcess | undefined;
  beforeAll(async () => {
    if (mode === 'server') {
      server = await WarehouseServerProcess.start();
      warehouse = await openWarehouse({ kind: 'server', url: server.url, database: 'tern_test' });
    } else {
      warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('warehouse'), database: 'tern_test' });
    }
    expect(await migrate(warehouse.client)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await migrate(warehouse.client)).toEqual([]);
    await insertEvents(warehouse.client, rows, 'events:0:0-7');
  });
  afterAll(async () => {
    await warehouse?.close();
    await server?.stop();
  });

  it('drops a re-delivered batch with the same dedup token, and knows the stored offsets', async () => {
    await insertEvents(warehouse.client, rows, 'events:0:0-7');
    expect(await countEvents(warehouse.client, SITE)).toBe(rows.length);
    expect(await storedOffsets(warehouse.client, 'events')).toEqual(new Map([[0, 7n]]));
  });

  it('answers the headline metrics, without engagement pings', async () => {
    const day = await ask({ metrics: ['visitors', 'visits', 'pageviews', 'events'], date_range: 'day' });
    expect(day.results).toEqual([{ dimensions: [], metrics: [3, 3, 5, 6] }]);
    const week = await ask({ metrics: ['visitors', 'visits', 'pageviews', 'events'], date_range: '7d' });
    expect(week.results).toEqual([{ dimensions: [], metrics: [3, 4, 6, 7] }]);
  });

  it('breaks down by dimensions, with Plausible blank labels and ordering', async () => {
    const sources = await ask({ metrics: ['visitors', 'pageviews'], date_range: '7d', dimensions: ['visit:source'] });
    expect(sources.results).toEqual([
      { dimensions: ['Direct / None'], metrics: [2, 3] },
      { dimensions: ['Google'], metrics: [1, 2] },
      { dimensions: ['Twitter'], metrics: [1, 1] },
    ]);
    const countries = await ask({ metrics: ['visitors'], date_range: 'day', dimensions: ['visit:country'] });
    expect(countries.results).toEqual([
      { dimensions: ['(not set)'], metrics: [1] },
      { dimensions: ['DE'], metrics: [1] },
      { dimensions: ['US'], metrics: [1] },
    ]);
    const names = await ask({ metrics: ['events'], date_range: 'day', dimensions: ['event:name'] });
    expect(names.results).toEqual([
      { dimensions: ['pageview'], metrics: [5] },
      { dimensions: ['signup'], metrics: [1] },
    ]);
  });

  it('answers percentage: the visitors of a row out of all visitors under the same filters', async () => {
    const shares = await ask({
      metrics: ['percentage', 'pageviews'],
      date_range: '7d',
      dimensions: ['visit:country'],
      order_by: [['percentage', 'desc']],
    });
    // Equal shares: the dimension breaks the tie.
    expect(shares.results).toEqual([
      { dimensions: ['(not set)'], metrics: [33.3, 1] },
      { dimensions: ['DE'], metrics: [33.3, 2] },
      { dimensions: ['US'], metrics: [33.3, 3] },
    ]);
    const filtered = await ask({
      metrics: ['visitors', 'percentage'],
      date_range: '7d',
      dimensions: ['event:page'],
      filters: [['is', 'visit:country', ['US']]],
    });
    expect(filtered.results).toEqual([
      { dimensions: ['/'], metrics: [1, 100] },
      { dimensions: ['/blog'], metrics: [1, 100] },
    ]);
    await expect(ask({ metrics: ['percentage'], date_range: '7d' })).rejects.toThrow(InvalidStatsQueryError);
  });

  it('buckets by minute for short ranges, from raw events', async () => {
    const minutes = await ask({
      metrics: ['pageviews'],
      date_range: 'day',
      dimensions: ['time:minute'],
      include: { time_labels: true },
    });
    expect(minutes.results).toEqual([
      { dimensions: ['2026-03-10 10:00:00'], metrics: [1] },
      { dimensions: ['2026-03-10 10:01:00'], metrics: [1] },
      { dimensions: ['2026-03-10 11:00:00'], metrics: [2] },
      { dimensions: ['2026-03-10 12:00:00'], metrics: [1] },
    ]);
    expect(minutes.meta.time_labels).toHaveLength(24 * 60);
    await expect(ask({ metrics: ['pageviews'], date_range: '7d', dimensions: ['time:minute'] })).rejects.toThrow(
      InvalidStatsQueryError,
    );
  });

  it('compares with another period: counts by percent, bounce rate by points, absent rows as zero', async () => {
    const custom = await ask({
      metrics: ['visitors', 'pageviews', 'bounce_rate'],
      date_range: ['2026-03-10', '2026-03-10'],
      include: { comparisons: { mode: 'custom', date_range: ['2026-03-07', '2026-03-07'] } },
    });
    expect(custom.results).toEqual([
      {
        dimensions: [],
        metrics: [3, 5, 33],
        comparison: { dimensions: [], metrics: [1, 1, 100], change: [200, 400, -67] },
      },
    ]);
    expect(custom.meta.comparison_date_range).toEqual(['2026-03-07T00:00:00 UTC', '2026-03-07T23:59:59 UTC']);
    const previous = await ask({
      metrics: ['visitors'],
      date_range: 'day',
      dimensions: ['visit:country'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(previous.results.map((r) => r.comparison)).toEqual([
      { dimensions: ['(not set)'], metrics: [0], change: [100] },
      { dimensions: ['DE'], metrics: [0], change: [100] },
      { dimensions: ['US'], metrics: [0], change: [100] },
    ]);
    // Time buckets line up by position: hour 12 of March 7 is compared with hour 12 of March 10.
    const hourly = await ask({
      metrics: ['visitors'],
      date_range: ['2026-03-10', '2026-03-10'],
      dimensions: ['time:hour'],
      include: { comparisons: { mode: 'custom', date_range: ['2026-03-07', '2026-03-07'] } },
    });
    expect(hourly.results).toEqual([
      {
        dimensions: ['2026-03-10 10:00:00'],
        metrics: [1],
        comparison: { dimensions: ['2026-03-10 10:00:00'], metrics: [0], change: [100] },
      },
      {
        dimensions: ['2026-03-10 11:00:00'],
        metrics: [1],
        comparison: { dimensions: ['2026-03-10 11:00:00'], metrics: [0], change: [100] },
      },
      {
        dimensions: ['2026-03-10 12:00:00'],
        metrics: [1],
        comparison: { dimensions: ['2026-03-07 12:00:00'], metrics: [1], change: [0] },
      },
    ]);
    // A series alone also lists buckets where only the other period has data.
    const daily = await ask({
      metrics: ['visitors'],
      date_range: ['2026-03-09', '2026-03-10'],
      dimensions: ['time:day'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(daily.results).toEqual([
      {
        dimensions: ['2026-03-09'],
        metrics: [0],
        comparison: { dimensions: ['2026-03-07'], metrics: [1], change: [-100] },
      },
      {
        dimensions: ['2026-03-10'],
        metrics: [3],
        comparison: { dimensions: ['2026-03-10'], metrics: [0], change: [100] },
      },
    ]);
  });

  it('buckets by hour and day in the site time zone, listing empty buckets in time_labels', async () => {
    const hours = await ask({
      metrics: ['pageviews'],
      date_range: 'day',
      dimensions: ['time:hour'],
      include: { time_labels: true },
    });
    expect(hours.results).toEqual([
      { dimensions: ['2026-03-10 10:00:00'], metrics: [2] },
      { dimensions: ['2026-03-10 11:00:00'], metrics: [2] },
      { dimensions: ['2026-03-10 12:00:00'], metrics: [1] },
    ]);
    expect(hours.meta.time_labels).toHaveLength(24);
    const days = await ask({ metrics: ['visitors'], date_range: '7d', dimensions: ['time:day'] });
    expect(days.results).toEqual([
      { dimensions: ['2026-03-07'], metrics: [1] },
      { dimensions: ['2026-03-10'], metrics: [3] },
    ]);
    const tokyo = await queryStats(
      warehouse.client,
      statsRequestSchema.parse({ site_id: SITE, metrics: ['pageviews'], date_range: ['2026-03-10', '2026-03-10'] }),
      { timezone: 'Asia/Tokyo', now: NOW },
    );
    // 10:00–12:00 UTC is 19:00–21:00 in Tokyo: all of that day's page views still fall on March 10.
    expect(tokyo.results[0]?.metrics).toEqual([5]);
  });

  it('filters with literal matching of hostile values, props and negation', async () => {
    const quoted = await ask({
      metrics: ['pageviews'],
      date_range: 'day',
      filters: [['is', 'event:page', ['/it\'s \\ "quoted"']]],
    });
    expect(quoted.results[0]?.metrics).toEqual([1]);
    const injection = await ask({
      metrics: ['pageviews'],
      date_range: 'day',
      filters: [['is', 'event:page', ["/' OR 1=1 --"]]],
    });
    expect(injection.results[0]?.metrics).toEqual([0]);
    const props = await ask({ metrics: ['events'], date_range: 'day', filters: [['is', 'event:props:plan', ['pro']]] });
    expect(props.results[0]?.metrics).toEqual([1]);
    const notChrome = await ask({
      metrics: ['visitors'],
      date_range: 'day',
      filters: [['is_not', 'visit:browser', ['Chrome']]],
    });
    expect(notChrome.results[0]?.metrics).toEqual([2]);
    const contains = await ask({
      metrics: ['pageviews'],
      date_range: 'day',
      filters: [
        [
          'or',
          [
            ['contains', 'event:page', ['PRIC'], { case_sensitive: false }],
            ['matches', 'event:page', ['^/b']],
          ],
        ],
      ],
    });
    expect(contains.results[0]?.metrics).toEqual([2]);
  });

  it('paginates, orders on request and refuses to order by what was not queried', async () => {
    const page = await ask({
      metrics: ['pageviews'],
      date_range: '7d',
      dimensions: ['event:page'],
      order_by: [['event:page', 'asc']],
      pagination: { limit: 2, offset: 1 },
      include: { total_rows: true },
    });
    expect(page.results.map((r) => r.dimensions[0])).toEqual(['/blog', '/it\'s \\ "quoted"']);
    expect(page.meta.total_rows).toBe(4);
    await expect(
      ask({ metrics: ['pageviews'], date_range: '7d', order_by: [['visitors', 'desc']] }),
    ).rejects.toBeInstanceOf(InvalidStatsQueryError);
  });

  it('derives sessions from events exactly once: bounce rate, visit duration, views per visit', async () => {
    // Test day: session 11 (2 page views, a signup and an engagement ping; 90 s to the last non-ping event),
    // session 21 (2 page views, 1 s apart) and session 31 (one page view): one bounce in three sessions.
    const day = await ask({ metrics: ['bounce_rate', 'visit_duration', 'views_per_visit'], date_range: 'day' });
    expect(day.results).toEqual([{ dimensions: [], metrics: [33, 30, 1.67] }]);
    // Seven days add session 22 (one page view, a bounce): 2 of 4, (90 + 1 + 0 + 0) / 4 s, 6 / 4 views.
    const week = await ask({ metrics: ['bounce_rate', 'visit_duration', 'views_per_visit'], date_range: '7d' });
    expect(week.results).toEqual([{ dimensions: [], metrics: [50, 23, 1.5] }]);
    const google = await ask({
      metrics: ['visitors', 'bounce_rate', 'visit_duration'],
      date_range: 'day',
      filters: [['is', 'visit:source', ['Google']]],
    });
    expect(google.results).toEqual([{ dimensions: [], metrics: [1, 0, 90] }]);
    const nobody = await ask({ metrics: ['bounce_rate'], date_range: ['2020-01-01', '2020-01-02'] });
    expect(nobody.results).toEqual([{ dimensions: [], metrics: [0] }]);
    const bySource = await ask({ metrics: ['bounce_rate'], date_range: 'day', dimensions: ['visit:source'] });
    expect(bySource.results).toEqual([
      { dimensions: ['Direct / None'], metrics: [50] },
      { dimensions: ['Google'], metrics: [0] },
    ]);
  });

  it('applies page filters to sessions: bounce rate by entry page, duration of every session with the page', async () => {
    const home = await ask({
      metrics: ['bounce_rate', 'visit_duration'],
      date_range: 'day',
      filters: [['is', 'event:page', ['/']]],
    });
    // Sessions 11 and 21 entered on / and neither bounced; their durations are 90 s and 1 s.
    expect(home.results).toEqual([{ dimensions: [], metrics: [0, 46] }]);
    const blog = await ask({
      metrics: ['visitors', 'bounce_rate', 'visit_duration'],
      date_range: 'day',
      filters: [['is', 'event:page', ['/blog']]],
    });
    // Session 21 saw /blog but entered on /: no session entered on /blog, so no bounce rate to speak of.
    expect(blog.results).toEqual([{ dimensions: [], metrics: [1, 0, 1] }]);
  });

  it('breaks down by entry and exit page, and session metrics by page as entry page', async () => {
    const entry = await ask({ metrics: ['visitors', 'visits'], date_range: 'day', dimensions: ['visit:entry_page'] });
    expect(entry.results).toEqual([
      { dimensions: ['/'], metrics: [2, 2] },
      { dimensions: ['/it\'s \\ "quoted"'], metrics: [1, 1] },
    ]);
    const exit = await ask({
      metrics: ['visits'],
      date_range: 'day',
      dimensions: ['visit:exit_page'],
      order_by: [['visit:exit_page', 'asc']],
    });
    expect(exit.results.map((r) => r.dimensions[0])).toEqual(['/blog', '/it\'s \\ "quoted"', '/pricing']);
    const pages = await ask({
      metrics: ['pageviews', 'bounce_rate'],
      date_range: 'day',
      dimensions: ['event:page'],
      order_by: [['event:page', 'asc']],
    });
    expect(pages.results).toEqual([
      { dimensions: ['/'], metrics: [2, 0] },
      { dimensions: ['/blog'], metrics: [1, 0] },
      { dimensions: ['/it\'s \\ "quoted"'], metrics: [1, 100] },
      { dimensions: ['/pricing'], metrics: [1, 0] },
    ]);
    await expect(
      ask({ metrics: ['bounce_rate'], date_range: 'day', dimensions: ['event:name'] }),
    ).rejects.toMatchObject({ field: 'dimensions' });
  });
});
