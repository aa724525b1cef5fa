import type { EnrichedEvent } from '@tern/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichedEvent } from '../../../test/fixtures.ts';
import { prng, tempDir } from '../../../test/helpers.ts';
import { openWarehouse, type Warehouse } from './client.ts';
import { migrate } from './migrations/index.ts';
import { type EventRow, insertEvents } from './queries/events/insert-events.ts';
import { storedOffsets } from './queries/ingest/stored-offsets.ts';
import { InvalidStatsQueryError, queryStats } from './queries/stats/query-stats.ts';
import { statsRequestSchema } from './queries/stats/request.ts';
import { ROLLUP_DIMENSIONS } from './queries/stats/rollup-plan.ts';

const SITE = 'rollup.example';
const NOW = new Date('2026-04-20T15:30:00Z');
const DAY = 86_400_000;

/** ~6,000 events of 400 visitors over 45 days: sessions with sources, pages, places, devices and custom events. */
function generate(): EventRow[] {
  const random = prng(42);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const rows: EventRow[] = [];
  let offset = 0;
  for (let visitor = 1; visitor <= 400; visitor++) {
    const sessions = 1 + Math.floor(random() * 4);
    for (let s = 0; s < sessions; s++) {
      const sessionId = `${visitor}${s}`;
      let at = NOW.getTime() - Math.floor(random() * 45 * DAY);
      const source = pick(['', 'Google', 'Twitter', 'Newsletter', 'Hacker News']);
      const visit = {
        sessionId,
        entryHostname: pick(['example.com', 'blog.example.com']),
        screenWidth: pick([0, 390, 800, 1280, 1920]),
        referrer: source ? `https://${source.toLowerCase().replace(' ', '')}.com/` : '',
        referrerHost: '',
        source,
        utmSource: pick(['', 'spring', 'mail']),
        utmMedium: pick(['', 'cpc', 'email']),
        utmCampaign: pick(['', 'launch']),
        utmTerm: '',
        utmContent: '',
      };
      const place = pick([
        ['DE', 'Berlin', 'Berlin'],
        ['US', 'California', 'San Francisco'],
        ['', '', ''],
        ['JP', 'Tokyo', 'Tokyo'],
      ] as const);
      const device = pick([
        ['desktop', 'Firefox', 'Linux'],
        ['mobile', 'Chrome', 'Android'],
        ['tablet', 'Safari', 'iOS'],
        ['', '', ''],
      ] as const);
      const events = 1 + Math.floor(random() * 6);
      for (let e = 0; e < events; e++) {
        at += Math.floor(random() * 5 * 60_000);
        const type = pick(['pageview', 'pageview', 'pageview', 'custom', 'engagement'] as const);
        const overrides: Partial<EnrichedEvent> = {
          siteId: SITE,
          visitorId: String(visitor),
          type,
          name: type === 'custom' ? pick(['signup', 'download']) : type,
          timestamp: at,
          receivedAt: at,
          hostname: pick(['rollup.example', 'www.rollup.example']),
          pathname: pick(['/', '/pricing', '/blog', "/it's", '/docs/a b']),
          country: place[0],
          region: place[1],
          city: place[2],
          device: device[0],
          browser: device[1],
          os: device[2],
        };
        rows.push({
          event: enrichedEvent(overrides),
          visit,
          topic: 'events',
          partition: visitor % 3,
          offset: BigInt(offset++),
        });
      }
    }
  }
  return rows;
}

let warehouse: Warehouse;
const rows = generate();
const BATCH = 500;

beforeAll(async () => {
  warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('rollups'), database: 'tern_rollups' });
  await migrate(warehouse.client);
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const token = `events:x:${i}-${i + batch.length - 1}`;
    await insertEvents(warehouse.client, batch, token);
    // A re-delivered batch (a retry after a lost acknowledgement): the rollup must drop it as events does.
    if ((i / BATCH) % 3 === 0) await insertEvents(warehouse.client, batch, token);
  }
});
afterAll(async () => warehouse?.close());

async function both(body: object, timezone = 'UTC') {
  const request = statsRequestSchema.parse({ site_id: SITE, ...body });
  const context = { timezone, now: NOW };
  const [raw, rollup] = await Promise.all([
    queryStats(warehouse.client, request, { ...context, source: 'raw' }),
    queryStats(warehouse.client, request, { ...context, source: 'rollup' }),
  ]);
  return { raw, rollup };
}

describe('hourly rollups', () => {
  it('hold every event once, re-delivered batches included', async () => {
    const { raw, rollup } = await both({ metrics: ['visitors', 'visits', 'pageviews', 'events'], date_range: 'all' });
    const counted = rows.filter((r) => r.event.type !== 'engagement');
    expect(raw.results[0]?.metrics).toEqual([
      new Set(counted.map((r) => r.event.visitorId)).size,
      new Set(counted.map((r) => r.visit.sessionId)).size,
      counted.filter((r) => r.event.type === 'pageview').length,
      counted.length,
    ]);
    expect(rollup.results).toEqual(raw.results);
  });

  it.each(ROLLUP_DIMENSIONS)('answer %s breakdowns as raw events do', async (dimension) => {
    const { raw, rollup } = await both({
      metrics: ['visitors', 'visits', 'pageviews', 'events'],
      date_range: '30d',
      dimensions: [dimension],
      include: { total_rows: true },
    });
    expect(raw.results.length).toBeGreaterThan(1);
    expect(rollup).toEqual(raw);
  });

  it.each([
    ['time:day', 'UTC'],
    ['time:hour', 'Europe/Berlin'],
    ['time:week', 'America/New_York'],
    ['time:month', 'Europe/Berlin'],
  ])('answer %s series in %s as raw events do', async (interval, timezone) => {
    const range = interval === 'time:hour' ? 'day' : 'all';
    const { raw, rollup } = await both(
      { metrics: ['visitors', 'pageviews'], date_range: range, dimensions: [interval] },
      timezone,
    );
    expect(raw.results.length).toBeGreaterThan(0);
    expect(rollup).toEqual(raw);
  });

  it('answer filtered queries on the rolled-up dimension, with a series, as raw events do', async () => {
    const filters = [
      [['is', 'visit:source', ['Google', 'Direct / None']]],
      [['contains', 'event:page', ["'s"]]],
      [['is_not', 'visit:country', ['(not set)']]],
      [['matches', 'visit:browser', ['^(Fire|Saf)']]],
      [['not', ['is', 'visit:device', ['Mobile']]]],
      [
        [
          'or',
          [
            ['is', 'event:name', ['signup']],
            ['contains', 'event:name', ['load'], { case_sensitive: false }],
          ],
        ],
      ],
    ];
    for (const filter of filters) {
      const { raw, rollup } = await both(
        {
          metrics: ['visitors', 'events'],
          date_range: ['2026-03-25', '2026-04-20'],
          dimensions: ['time:day'],
          filters: filter,
        },
        'Europe/Berlin',
      );
      expect(raw.results.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(rollup, JSON.stringify(filter)).toEqual(raw);
    }
  });

  it('are not used where they would not be exact', async () => {
    const refuse = async (body: object, timezone = 'UTC') => {
      const request = statsRequestSchema.parse({ site_id: SITE, ...body });
      await expect(queryStats(warehouse.client, request, { timezone, now: NOW, source: 'rollup' })).rejects.toThrow(
        InvalidStatsQueryError,
      );
    };
    // Half-hour offsets cut UTC hours; two dimensions need a row per combination; ranges of instants; props.
    await refuse({ metrics: ['visitors'], date_range: '7d' }, 'Asia/Kolkata');
    await refuse({ metrics: ['visitors'], date_range: '7d', dimensions: ['visit:source', 'visit:country'] });
    await refuse({
      metrics: ['visitors'],
      date_range: '7d',
      dimensions: ['visit:source'],
      filters: [['is', 'visit:country', ['DE']]],
    });
    await refuse({ metrics: ['visitors'], date_range: '24h' });
    await refuse({ metrics: ['visitors'], date_range: '7d', dimensions: ['event:props:plan'] });
    // And the automatic choice still answers them, from raw events.
    const request = statsRequestSchema.parse({ site_id: SITE, metrics: ['visitors'], date_range: '7d' });
    const kolkata = await queryStats(warehouse.client, request, { timezone: 'Asia/Kolkata', now: NOW });
    expect(kolkata.results[0]?.metrics[0]).toBeGreaterThan(0);
  });

  it('get an insert that missed them when the same insert is sent again with its token', async () => {
    // A crash can leave an insert in events but not in a view (each table commits its own part). The same insert,
    // same token, must then be dropped by events and still reach the view: the ingest worker relies on it.
    const site = 'partial.example';
    const batch = rows.slice(0, 300).map((row) => ({ ...row, event: { ...row.event, siteId: site } }));
    const token = 'events:partial:0-299';
    await warehouse.client.command({ query: 'DETACH TABLE events_hourly_mv' });
    try {
      await insertEvents(warehouse.client, batch, token);
    } finally {
      await warehouse.client.command({ query: 'ATTACH TABLE events_hourly_mv' });
    }
    const totals = async (source: 'raw' | 'rollup') =>
      (
        await queryStats(
          warehouse.client,
          statsRequestSchema.parse({ site_id: site, metrics: ['visitors', 'pageviews', 'events'], date_range: 'all' }),
          { timezone: 'UTC', now: NOW, source },
        )
      ).results[0]?.metrics;
    const counted = batch.filter((r) => r.event.type !== 'engagement');
    const expected = [
      new Set(counted.map((r) => r.event.visitorId)).size,
      counted.filter((r) => r.event.type === 'pageview').length,
      counted.length,
    ];
    expect(await totals('raw')).toEqual(expected);
    expect(await totals('rollup')).toEqual([0, 0, 0]);
    await insertEvents(warehouse.client, batch, token);
    expect(await totals('raw')).toEqual(expected);
    expect(await totals('rollup')).toEqual(expected);
  });

  it('keep a per-partition progress record equal to the highest stored offset', async () => {
    const expected = new Map<number, bigint>();
    for (const row of rows) {
      if ((expected.get(row.partition) ?? -1n) < row.offset) expected.set(row.partition, row.offset);
    }
    expect(await storedOffsets(warehouse.client, 'events')).toEqual(expected);
  });
});
