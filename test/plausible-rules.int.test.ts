import type { EnrichedEvent, Goal } from '@tern/events';
import { SessionTracker } from '@tern/ingest';
import {
  type EventRow,
  InvalidStatsQueryError,
  insertEvents,
  migrate,
  openWarehouse,
  queryStats,
  queryStatsBatch,
  type StatsRequest,
  statsRequestSchema,
  type Warehouse,
} from '@tern/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichedEvent } from './fixtures.ts';
import { tempDir } from './helpers.ts';

/**
 * Plausible's rules of shared/SEMANTICS.md that the large oracle data set cannot show (one hostname, one screen per
 * visitor): small sites whose answers are worked out by hand from the rule, several taken from Plausible's own test
 * cases (query_special_metrics_test.exs). Events go through the ingest worker's session logic, in order.
 */

const DAY = '2026-03-10';
const START = Date.parse(`${DAY}T09:00:00Z`);
const minute = 60_000;
let warehouse: Warehouse;
let offset = 0;

type Step = Partial<EnrichedEvent> & { visitor: number; at: number };

async function store(site: string, steps: Step[]): Promise<void> {
  const tracker = new SessionTracker(30);
  const rows: EventRow[] = steps.map(({ visitor, at, ...fields }) => {
    const event = enrichedEvent({
      siteId: site,
      visitorId: String(visitor),
      timestamp: START + at * minute,
      receivedAt: START + at * minute,
      hostname: site,
      ...fields,
    });
    return { event, visit: tracker.assign(event), topic: 'events', partition: 0, offset: BigInt(offset++) };
  });
  await insertEvents(warehouse.client, rows, `rules:${site}`);
}

async function ask(site: string, body: Record<string, unknown>, goals: Goal[] = []) {
  const request = statsRequestSchema.parse({ site_id: site, date_range: [DAY, DAY], ...body });
  return queryStats(warehouse.client, request, { timezone: 'UTC', now: new Date(`${DAY}T18:00:00Z`), goals });
}

const rows = (response: { results: Array<{ dimensions: string[]; metrics: unknown[] }> }) =>
  response.results.map((row) => [...row.dimensions, ...row.metrics]);

const pageview = (visitor: number, at: number, pathname: string, more: Partial<EnrichedEvent> = {}): Step => ({
  visitor,
  at,
  pathname,
  ...more,
});
const custom = (visitor: number, at: number, name: string, more: Partial<EnrichedEvent> = {}): Step => ({
  visitor,
  at,
  type: 'custom',
  name,
  ...more,
});

beforeAll(async () => {
  warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('plausible-rules'), database: 'rules' });
  await migrate(warehouse.client);

  // query_special_metrics_test.exs: "returns conversion_rate in a goal filtered event:page breakdown".
  await store('group-page.example', [
    pageview(1, 0, '/en/register'),
    custom(2, 0, 'Signup', { pathname: '/en/register' }),
    custom(3, 0, 'Signup', { pathname: '/en/register' }),
    custom(4, 0, 'Signup', { pathname: '/it/register' }),
    custom(4, 1, 'Signup', { pathname: '/it/register' }),
    pageview(5, 0, '/it/register'),
  ]);
  // The same file: "returns conversion_rate in a multi-goal filtered visit:screen_size breakdown".
  const mobile = { screenWidth: 390 };
  const desktop = { screenWidth: 1920 };
  await store('group-device.example', [
    pageview(1, 0, '/', mobile),
    custom(2, 0, 'AddToCart', mobile),
    custom(3, 0, 'AddToCart', mobile),
    custom(4, 0, 'AddToCart', desktop),
    custom(4, 1, 'Purchase', desktop),
    pageview(5, 0, '/', desktop),
  ]);
  // The screen class is the session's first event's: this visitor turned a phone sideways, then opened a laptop
  // window, all in one session; another visitor is a Tablet; a third sent no screen.
  await store('screen.example', [
    pageview(1, 0, '/', { screenWidth: 390, device: 'mobile' }),
    pageview(1, 2, '/pricing', { screenWidth: 800, device: 'mobile' }),
    pageview(1, 4, '/docs', { screenWidth: 1280, device: 'mobile' }),
    pageview(2, 0, '/', { screenWidth: 800, device: 'tablet' }),
    pageview(3, 0, '/', { screenWidth: 0, device: 'desktop' }),
    pageview(4, 0, '/', { screenWidth: 1440, device: 'desktop' }),
  ]);
  // Visitor 1 enters on the blog from Google and goes on to the shop; visitor 2 comes to the shop from Twitter and
  // leaves on the blog; visitor 3 stays on the blog, from Hacker News.
  const blog = 'blog.hosts.example';
  const shop = 'shop.hosts.example';
  await store('hosts.example', [
    pageview(1, 0, '/post', { hostname: blog, source: 'Google', referrer: 'https://google.com/' }),
    pageview(1, 3, '/pricing', { hostname: shop }),
    pageview(2, 0, '/', { hostname: shop, source: 'Twitter', referrer: 'https://t.co/' }),
    pageview(2, 2, '/post', { hostname: blog }),
    pageview(3, 0, '/post', { hostname: blog, source: 'Hacker News', referrer: 'https://news.ycombinator.com/' }),
  ]);
  // query_test.exs "plots total_revenue for a month" and "average_revenue", here in March; then a second revenue goal
  // in euros, a payment in a currency no goal has, and a custom event that is no revenue goal.
  const pay = (visitor: number, day: number, amount: string, currency = 'USD', name = 'Payment') =>
    custom(visitor, day * 24 * 60, name, { revenueAmount: amount, revenueCurrency: currency });
  await store('revenue.example', [
    pay(1, -9, '13.29'),
    pay(2, -9, '50.50'),
    pay(3, -5, '19.90'),
    pay(4, 0, '10.31'),
    pay(5, 0, '20.0'),
    pay(6, 0, '99', 'GBP'),
    pay(7, 0, '7.5', 'EUR', 'Donation'),
    pay(8, 0, '2.5', 'EUR', 'Donation'),
    custom(9, 0, 'Signup', { revenueAmount: '1000', revenueCurrency: 'USD' }),
  ]);
  // Exits: /a ends two sessions, /b one; /a has three page views, /b two.
  await store('exits.example', [
    pageview(1, 0, '/a'),
    pageview(1, 1, '/b'),
    pageview(2, 0, '/a'),
    pageview(3, 0, '/b'),
    pageview(3, 1, '/a'),
  ]);
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
});

describe('group_conversion_rate (special_metrics.ex): row visitors ÷ the row visitors without goal filters', () => {
  it('by page, as Plausible answers its own test case', async () => {
    const got = await ask(
      'group-page.example',
      {
        dimensions: ['event:page'],
        filters: [['is', 'event:goal', ['Signup']]],
        metrics: ['visitors', 'events', 'group_conversion_rate'],
      },
      [{ event: 'Signup' }],
    );
    expect(rows(got)).toEqual([
      ['/en/register', 2, 2, 66.7],
      ['/it/register', 1, 2, 50],
    ]);
  });

  it('by screen class with two goals, and alone', async () => {
    const goals: Goal[] = [{ event: 'Purchase' }, { event: 'AddToCart' }];
    const both = await ask(
      'group-device.example',
      {
        dimensions: ['visit:device'],
        filters: [['is', 'event:goal', ['AddToCart', 'Purchase']]],
        metrics: ['visitors', 'events', 'group_conversion_rate'],
      },
      goals,
    );
    expect(rows(both)).toEqual([
      ['Mobile', 2, 2, 66.7],
      ['Desktop', 1, 2, 50],
    ]);
    const alone = await ask(
      'group-device.example',
      {
        dimensions: ['visit:device'],
        filters: [['is', 'event:goal', ['AddToCart']]],
        metrics: ['group_conversion_rate'],
      },
      goals,
    );
    expect(rows(alone)).toEqual([
      ['Mobile', 66.7],
      ['Desktop', 50],
    ]);
  });

  it('is refused without a goal or without a dimension', async () => {
    await expect(ask('group-page.example', { metrics: ['group_conversion_rate'] })).rejects.toThrow(
      InvalidStatsQueryError,
    );
    await expect(
      ask('group-page.example', {
        metrics: ['group_conversion_rate'],
        filters: [['is', 'event:goal', ['Signup']]],
      }),
    ).rejects.toThrow(/needs at least one dimension/);
  });
});

describe("visit:device is the screen class of the session's first event", () => {
  it('for event and session metrics alike, filters included', async () => {
    const got = await ask('screen.example', {
      dimensions: ['visit:device'],
      metrics: ['visitors', 'pageviews', 'bounce_rate'],
      order_by: [['visit:device', 'asc']],
    });
    expect(rows(got)).toEqual([
      ['(not set)', 1, 1, 100],
      ['Desktop', 1, 1, 100],
      ['Mobile', 1, 3, 0],
      ['Tablet', 1, 1, 100],
    ]);
    const laptop = await ask('screen.example', {
      metrics: ['visitors', 'pageviews'],
      filters: [['is', 'visit:device', ['Laptop']]],
    });
    expect(rows(laptop)).toEqual([[0, 0]]);
    const mobile = await ask('screen.example', {
      metrics: ['visitors', 'pageviews', 'visit_duration'],
      filters: [['is', 'visit:device', ['Mobile']]],
    });
    expect(rows(mobile)).toEqual([[1, 3, 240]]);
  });

  it("keeps the user agent's device type under visit:device_type", async () => {
    const got = await ask('screen.example', {
      dimensions: ['visit:device_type'],
      metrics: ['visitors'],
      order_by: [['visit:device_type', 'asc']],
    });
    expect(rows(got)).toEqual([
      ['desktop', 2],
      ['mobile', 1],
      ['tablet', 1],
    ]);
  });
});

describe('an event:hostname filter also holds the entry (or exit) hostname under visit breakdowns', () => {
  const shopOnly = [['is', 'event:hostname', ['shop.hosts.example']]];

  it('sources: only sessions that entered on the hostname', async () => {
    const got = await ask('hosts.example', {
      dimensions: ['visit:source'],
      metrics: ['visitors', 'pageviews', 'bounce_rate'],
      filters: shopOnly,
    });
    // Visitor 1 viewed a shop page but entered on the blog from Google: not a source of the shop.
    expect(rows(got)).toEqual([['Twitter', 1, 1, 0]]);
    const pages = await ask('hosts.example', { dimensions: ['event:page'], metrics: ['visitors'], filters: shopOnly });
    expect(rows(pages)).toEqual([
      ['/', 1],
      ['/pricing', 1],
    ]);
  });

  it('entry pages by the entry hostname, exit pages by the exit hostname', async () => {
    const entry = await ask('hosts.example', {
      dimensions: ['visit:entry_page'],
      metrics: ['visits'],
      filters: shopOnly,
    });
    expect(rows(entry)).toEqual([['/', 1]]);
    const exit = await ask('hosts.example', {
      dimensions: ['visit:exit_page'],
      metrics: ['visits'],
      filters: shopOnly,
    });
    expect(rows(exit)).toEqual([['/pricing', 1]]);
    const blogExits = await ask('hosts.example', {
      dimensions: ['visit:exit_page'],
      metrics: ['visits'],
      filters: [['is', 'event:hostname', ['blog.hosts.example']]],
    });
    expect(rows(blogExits)).toEqual([['/post', 2]]);
  });

  it('answers visit:entry_page_hostname and visit:exit_page_hostname as dimensions and filters', async () => {
    const entered = await ask('hosts.example', {
      dimensions: ['visit:entry_page_hostname'],
      metrics: ['visitors'],
    });
    expect(rows(entered)).toEqual([
      ['blog.hosts.example', 2],
      ['shop.hosts.example', 1],
    ]);
    const left = await ask('hosts.example', {
      dimensions: ['visit:exit_page_hostname'],
      metrics: ['visits'],
      filters: [['is', 'visit:entry_page_hostname', ['blog.hosts.example']]],
    });
    expect(rows(left)).toEqual([
      ['blog.hosts.example', 1],
      ['shop.hosts.example', 1],
    ]);
  });

  it('echoes the filters as asked, and a dashboard batch answers the same', async () => {
    const body = { dimensions: ['visit:source'], metrics: ['visitors'], filters: shopOnly };
    const alone = await ask('hosts.example', body);
    expect(alone.query.filters).toEqual(shopOnly);
    const request = statsRequestSchema.parse({ site_id: 'hosts.example', date_range: [DAY, DAY], ...body });
    const other = { ...request, dimensions: ['event:page'] } as StatsRequest;
    const [batched] = await queryStatsBatch(warehouse.client, [request, other], {
      timezone: 'UTC',
      now: new Date(`${DAY}T18:00:00Z`),
    });
    expect(batched?.ok && batched.response).toEqual(alone);
  });
});

describe('exit_rate (special_metrics.ex): exits of a page ÷ its page views', () => {
  it('per exit page, one decimal', async () => {
    const got = await ask('exits.example', {
      dimensions: ['visit:exit_page'],
      metrics: ['visits', 'exit_rate'],
    });
    expect(rows(got)).toEqual([
      ['/a', 2, 66.7],
      ['/b', 1, 50],
    ]);
  });

  it('is refused without the exit page dimension', async () => {
    await expect(ask('exits.example', { metrics: ['exit_rate'], dimensions: ['event:page'] })).rejects.toThrow(
      /exit_rate needs the visit:exit_page dimension/,
    );
  });
});

describe('revenue (goal/revenue.ex): the amounts of revenue goals, in their currency', () => {
  const GOALS: Goal[] = [
    { event: 'Payment', currency: 'USD' },
    { event: 'Donation', currency: 'EUR' },
    { event: 'Signup' },
  ];
  const MARCH: [string, string] = ['2026-03-01', '2026-03-31'];
  const usd = (value: number, short: string, long: string) => ({ value, currency: 'USD', short, long });

  it('by day for one goal, total and average, as Plausible plots them', async () => {
    const got = await ask(
      'revenue.example',
      {
        date_range: MARCH,
        dimensions: ['time:day'],
        metrics: ['total_revenue', 'average_revenue', 'events'],
        filters: [['is', 'event:goal', ['Payment']]],
      },
      GOALS,
    );
    expect(rows(got)).toEqual([
      ['2026-03-01', usd(63.79, '$63.8', '$63.79'), usd(31.895, '$31.9', '$31.90'), 2],
      ['2026-03-05', usd(19.9, '$19.9', '$19.90'), usd(19.9, '$19.9', '$19.90'), 1],
      // The GBP payment is an event of the goal, but not revenue in its currency.
      ['2026-03-10', usd(30.31, '$30.3', '$30.31'), usd(15.155, '$15.2', '$15.16'), 3],
    ]);
  });

  it('by goal, each in its own currency; goals without one have none', async () => {
    const got = await ask(
      'revenue.example',
      { date_range: MARCH, dimensions: ['event:goal'], metrics: ['visitors', 'total_revenue'] },
      GOALS,
    );
    expect(rows(got)).toEqual([
      ['Payment', 6, usd(114, '$114.0', '$114.00')],
      ['Donation', 2, { value: 10, currency: 'EUR', short: '€10.0', long: '€10.00' }],
      ['Signup', 1, null],
    ]);
  });

  it('is null where goals of two currencies would be added up, or no revenue goal is selected', async () => {
    const mixed = await ask('revenue.example', { date_range: MARCH, metrics: ['total_revenue'] }, GOALS);
    expect(rows(mixed)).toEqual([[null]]);
    const signup = await ask(
      'revenue.example',
      { date_range: MARCH, metrics: ['total_revenue'], filters: [['is', 'event:goal', ['Signup']]] },
      GOALS,
    );
    expect(rows(signup)).toEqual([[null]]);
    const oneCurrency = await ask(
      'revenue.example',
      { date_range: MARCH, metrics: ['total_revenue', 'average_revenue'] },
      GOALS.filter((goal) => !('currency' in goal && goal.currency === 'EUR')),
    );
    expect(rows(oneCurrency)).toEqual([[usd(114, '$114.0', '$114.00'), usd(22.8, '$22.8', '$22.80')]]);
  });
});
