import type { ClickHouseClient } from '@clickhouse/client';
import type { Goal } from '@tern/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, tempDir } from '../../../test/helpers.ts';
import { enrich, type SyntheticSession, syntheticSessions, syntheticUuid } from '../../../test/synthetic.ts';
import { openWarehouse, type Warehouse } from './client.ts';
import { MIGRATIONS, migrate } from './migrations/index.ts';
import { type EventRow, insertEvents } from './queries/events/insert-events.ts';
import { queryStats, type StatsResponse } from './queries/stats/query-stats.ts';
import { type StatsRequest, statsRequestSchema } from './queries/stats/request.ts';
import { sessionIdAt } from './sessions/session-id.ts';

/**
 * Upgrades keep data: a data directory as the previous release (schema version 9) wrote it, with its own row
 * format, is opened by this code and migrated. Every answer that did not change meaning is the same afterwards, the
 * columns the new migrations add are backfilled as the raw rows say, and ingest goes on into the upgraded tables.
 */

const SITE = 'upgrade.example';
const OTHER_HOST = 'blog.upgrade.example';
const NOW = new Date('2026-06-20T12:00:00Z');
const CONTEXT = { timezone: 'Europe/Berlin', now: NOW, goals: [{ event: 'Signup' }, { page: '/blog/**' }] as Goal[] };
const PREVIOUS_VERSION = 9;

const random = prng(909);
const sessions: SyntheticSession[] = [
  ...syntheticSessions({
    site: SITE,
    random,
    visitors: 300,
    from: Date.parse('2026-06-01T00:00:00Z'),
    to: Date.parse('2026-06-18T00:00:00Z'),
    sessionsPerVisitor: [1, 3],
  }),
];

/** Rows as ingest made them, with what the previous release did not have: some sessions cross to a second host. */
function rowsOf(list: SyntheticSession[], firstOffset: number): EventRow[] {
  let offset = firstOffset;
  return list.flatMap((session) => {
    const first = session.events[0]?.ts ?? 0;
    const sessionId = sessionIdAt(first, session.index * 1000 + Number(session.visitor.id.slice(-3)));
    const crosses = session.index % 3 === 1;
    return session.events.map((synthetic, i) => {
      const event = enrich(session, synthetic, syntheticUuid(random));
      if (crosses && i > 0) event.hostname = OTHER_HOST;
      return {
        event,
        visit: {
          sessionId,
          entryHostname: SITE,
          screenWidth: session.visitor.screenWidth,
          referrer: session.visit.referrer,
          referrerHost: session.visit.referrerHost,
          source: session.visit.source,
          utmSource: session.visit.utmSource,
          utmMedium: session.visit.utmMedium,
          utmCampaign: session.visit.utmCampaign,
          utmTerm: session.visit.utmTerm,
          utmContent: session.visit.utmContent,
        },
        topic: 'events',
        partition: 0,
        offset: BigInt(offset++),
      };
    });
  });
}

/** The previous release's insert: its columns, as its `insertEvents` sent them. */
async function insertAsVersion9(client: ClickHouseClient, rows: EventRow[], token: string): Promise<void> {
  await client.insert({
    table: 'events',
    format: 'JSONEachRow',
    values: rows.map(({ event: e, visit: v, topic, partition, offset }) => ({
      site_id: e.siteId,
      event_id: e.eventId,
      type: e.type,
      name: e.name,
      timestamp: e.timestamp,
      received_at: e.receivedAt,
      visitor_id: e.visitorId,
      session_id: v.sessionId,
      hostname: e.hostname,
      pathname: e.pathname,
      query: e.query,
      title: e.title,
      referrer: v.referrer,
      referrer_host: v.referrerHost,
      source: v.source,
      utm_source: v.utmSource,
      utm_medium: v.utmMedium,
      utm_campaign: v.utmCampaign,
      utm_term: v.utmTerm,
      utm_content: v.utmContent,
      country: e.country,
      region: e.region,
      city: e.city,
      browser: e.browser,
      browser_version: e.browserVersion,
      os: e.os,
      os_version: e.osVersion,
      device: e.device,
      screen_width: e.screenWidth,
      language: e.language,
      props: e.props,
      engaged_ms: e.engagedMs,
      scroll_depth: e.scrollDepth,
      _topic: topic,
      _partition: partition,
      _offset: offset.toString(),
      _index: 0,
    })),
    clickhouse_settings: {
      insert_deduplication_token: token,
      insert_deduplicate: 1,
      deduplicate_blocks_in_dependent_materialized_views: 1,
    },
  });
}

/** Queries whose meaning this upgrade keeps, from raw rows and from the rollup. */
const KEPT: Array<Partial<StatsRequest>> = [
  { metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'visit_duration', 'views_per_visit'] },
  { metrics: ['visitors', 'pageviews', 'bounce_rate'], dimensions: ['event:page'] },
  { metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'], dimensions: ['visit:source'] },
  { metrics: ['visits', 'bounce_rate'], dimensions: ['visit:entry_page'] },
  { metrics: ['visits'], dimensions: ['visit:exit_page'] },
  { metrics: ['visitors', 'events'], dimensions: ['event:goal'] },
  { metrics: ['visitors', 'pageviews'], dimensions: ['time:day'] },
  { metrics: ['visitors', 'pageviews'], dimensions: ['event:hostname'] },
  { metrics: ['visitors', 'visits'], dimensions: ['visit:device_type'] },
  { metrics: ['visitors'], dimensions: ['visit:country'], filters: [['is', 'event:page', ['/pricing']]] },
];
const RANGE: [string, string] = ['2026-06-01', '2026-06-18'];

async function answers(warehouse: Warehouse): Promise<StatsResponse[]> {
  const all: StatsResponse[] = [];
  for (const body of KEPT) {
    for (const source of ['raw', 'auto'] as const) {
      const request = statsRequestSchema.parse({ site_id: SITE, date_range: RANGE, ...body });
      all.push(await queryStats(warehouse.client, request, { ...CONTEXT, source }));
    }
  }
  return all;
}

let warehouse: Warehouse;
const dataDir = tempDir('upgrade');
const oldRows = rowsOf(sessions.slice(0, Math.floor(sessions.length * 0.8)), 0);
// The previous release kept Plausible's revenue as two props.
const paid = oldRows.filter((row) => row.event.name === 'Signup').slice(0, 40);
for (const [i, row] of paid.entries()) {
  row.event.props = { ...row.event.props, 'revenue.amount': `${10 + i}.25`, 'revenue.currency': 'EUR' };
}
const newRows = rowsOf(sessions.slice(Math.floor(sessions.length * 0.8)), oldRows.length);
let before: StatsResponse[];
let applied: number[];

beforeAll(async () => {
  // The previous release writes its data directory, and stops.
  const previous = await openWarehouse({ kind: 'embedded', dataDir, database: 'tern' });
  expect(await migrate(previous.client, undefined, PREVIOUS_VERSION)).toEqual(
    MIGRATIONS.filter((m) => m.version <= PREVIOUS_VERSION).map((m) => m.version),
  );
  for (let i = 0; i < oldRows.length; i += 2000) {
    await insertAsVersion9(previous.client, oldRows.slice(i, i + 2000), `v9:${i}`);
  }
  before = await answers(previous);
  await previous.close();
  // This release opens it.
  warehouse = await openWarehouse({ kind: 'embedded', dataDir, database: 'tern' });
  applied = await migrate(warehouse.client);
}, 180_000);

afterAll(async () => {
  await warehouse?.close();
});

async function rowsOfQuery<T>(query: string): Promise<T[]> {
  const result = await warehouse.client.query({ query, query_params: { site: SITE }, format: 'JSONEachRow' });
  return result.json<T>();
}

describe('a data directory of schema 9, opened and migrated by this release', () => {
  it('applies the new migrations only', () => {
    expect(applied).toEqual(MIGRATIONS.filter((m) => m.version > PREVIOUS_VERSION).map((m) => m.version));
  });

  it('answers every query whose meaning it kept as before, from raw rows and rollups alike', async () => {
    expect(before.flatMap((r) => r.results).length).toBeGreaterThan(50);
    expect(await answers(warehouse)).toEqual(before);
  });

  it("backfills each stored session's entry and exit hostname and screen from its events", async () => {
    const [mismatch] = await rowsOfQuery<{ sessions: string; wrong: string }>(`
      SELECT count() AS sessions, countIf(s.entry != e.entry OR s.exit != e.exit OR s.screen != e.screen) AS wrong
      FROM (
        SELECT session_id, max(entry_hostname) AS entry, argMaxMerge(exit_hostname) AS exit,
               max(screen_width) AS screen
        FROM sessions WHERE site_id = {site:String} GROUP BY session_id
      ) AS s
      INNER JOIN (
        SELECT session_id, toString(argMin(hostname, (_offset, _index))) AS entry,
               toString(argMaxIf(hostname, (_offset, _index), type = 'pageview')) AS exit,
               argMin(screen_width, (_offset, _index)) AS screen
        FROM events WHERE site_id = {site:String} GROUP BY session_id
      ) AS e USING (session_id)`);
    expect(Number(mismatch?.sessions)).toBeGreaterThan(300);
    expect(Number(mismatch?.wrong)).toBe(0);
    const [crossing] = await rowsOfQuery<{ n: string }>(`
      SELECT count() AS n FROM (
        SELECT session_id, argMaxMerge(exit_hostname) AS exit FROM sessions
        WHERE site_id = {site:String} GROUP BY session_id HAVING exit = '${OTHER_HOST}'
      )`);
    expect(Number(crossing?.n)).toBeGreaterThan(10);
  });

  it('reads the revenue the previous release kept as props', async () => {
    const request = statsRequestSchema.parse({
      site_id: SITE,
      date_range: RANGE,
      metrics: ['total_revenue'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    const got = await queryStats(warehouse.client, request, {
      ...CONTEXT,
      goals: [{ event: 'Signup', currency: 'EUR' }],
    });
    const expected = paid.reduce((sum, _, i) => sum + 10 + i + 0.25, 0);
    expect(paid.length).toBe(40);
    expect(got.results[0]?.metrics[0]).toMatchObject({ value: expected, currency: 'EUR' });
  });

  it('rebuilds the rollup of visit:device as screen classes, as raw rows answer them', async () => {
    const request = statsRequestSchema.parse({
      site_id: SITE,
      date_range: RANGE,
      metrics: ['visitors', 'visits', 'pageviews', 'events'],
      dimensions: ['visit:device'],
    });
    const raw = await queryStats(warehouse.client, request, { ...CONTEXT, source: 'raw' });
    const rollup = await queryStats(warehouse.client, request, { ...CONTEXT, source: 'rollup' });
    expect(raw.results.map((row) => row.dimensions[0]).sort()).toEqual(['Desktop', 'Laptop', 'Mobile', 'Tablet']);
    expect(rollup.results).toEqual(raw.results);
  });

  it('takes new events into the upgraded tables, sessions and rollups included', async () => {
    await insertEvents(warehouse.client, newRows, 'after-upgrade');
    const request = statsRequestSchema.parse({
      site_id: SITE,
      date_range: RANGE,
      metrics: ['visitors', 'visits', 'pageviews', 'events'],
    });
    const raw = await queryStats(warehouse.client, request, { ...CONTEXT, source: 'raw' });
    const rollup = await queryStats(warehouse.client, request, { ...CONTEXT, source: 'rollup' });
    expect(rollup.results).toEqual(raw.results);
    const all = [...oldRows, ...newRows].filter((row) => row.event.type !== 'engagement');
    const pageviews = all.filter((row) => row.event.type === 'pageview').length;
    expect(raw.results[0]?.metrics[2]).toBe(pageviews);
    expect(raw.results[0]?.metrics[3]).toBe(all.length);
    const sessionsAfter = await queryStats(
      warehouse.client,
      statsRequestSchema.parse({ site_id: SITE, date_range: RANGE, metrics: ['visits'], dimensions: ['visit:device'] }),
      CONTEXT,
    );
    const visits = sessionsAfter.results.reduce((sum, row) => sum + Number(row.metrics[0]), 0);
    expect(visits).toBe(new Set(all.map((row) => row.visit.sessionId)).size);
  });
});
