import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { type IngestWorker, startIngestWorker } from '@tern/ingest';
import { KafkaLog, type LogProducer } from '@tern/stream';
import {
  countEvents,
  type MetricValue,
  migrate,
  openWarehouse,
  queryStats,
  type StatsRequest,
  statsRequestSchema,
  type Warehouse,
} from '@tern/warehouse';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { prng, randomId, waitFor } from '../../../test/helpers.ts';
import { WarehouseServerProcess } from '../../../test/warehouse-server.ts';
import { exportHistory, formatHistory } from './export-history.ts';
import { type ImportSummary, importHistory } from './import-history.ts';
import { type NumberedLine, readLines } from './lines.ts';

const SITE = 'history.example';
const TZ = 'Europe/Berlin';
const NOW = new Date('2026-07-01T10:00:00Z');
const DAY = 86_400_000;
const FIRST_DAY = Date.parse('2026-05-01T00:00:00Z');

/** The oracle's view of an event: what the test knows independently of the pipeline. */
interface Truth {
  id: string;
  ts: number;
  visitor: string;
  session: string;
  type: 'pageview' | 'custom';
  name: string;
  page: string;
  source: string;
  campaign: string;
  country: string;
  device: string;
  browser: string;
  props: Record<string, string>;
}

/**
 * 4,000 visitors over 60 days: sessions of 1 to 8 events a few minutes apart, hours between sessions, sources
 * and UTM on a session's first event only (ingest copies them to the session), custom events with props, and
 * timestamps written three ways (UTC, a +05:30 offset, epoch ms). About 55,000 events, sorted by time.
 */
function generate(): { lines: string[]; truth: Truth[] } {
  const random = prng(7);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const truth: Truth[] = [];
  const lines: { ts: number; line: string }[] = [];
  for (let v = 0; v < 4000; v++) {
    const visitor = String(10_000 + v);
    const country = pick(['DE', 'US', 'FR', '', 'JP']);
    const [device, browser] = pick([
      ['desktop', 'Firefox'],
      ['mobile', 'Chrome'],
      ['tablet', 'Safari'],
    ] as const);
    let at = FIRST_DAY + Math.floor(random() * 58 * DAY);
    const sessions = 1 + Math.floor(random() * 5);
    for (let s = 0; s < sessions && at < FIRST_DAY + 60 * DAY; s++) {
      const source = pick(['', 'Google', 'Twitter', 'Newsletter']);
      const campaign = source === 'Newsletter' ? pick(['june', 'july']) : '';
      const count = 1 + Math.floor(random() * 8);
      let session = '';
      for (let e = 0; e < count; e++) {
        const id = randomUUID();
        session ||= id;
        const custom = random() < 0.15;
        const page = pick(['/', '/pricing', '/blog/one', '/blog/two', '/docs']);
        const props: Record<string, string> = custom ? { plan: pick(['free', 'pro']) } : {};
        truth.push({
          id,
          ts: at,
          visitor,
          session,
          type: custom ? 'custom' : 'pageview',
          name: custom ? 'signup' : 'pageview',
          page,
          source,
          campaign,
          country,
          device,
          browser,
          props,
        });
        const first = e === 0;
        const form = Math.floor(random() * 3);
        const timestamp =
          form === 0 ? new Date(at).toISOString() : form === 1 ? withOffset(at, 330) : (at as number | string);
        lines.push({
          ts: at,
          line: JSON.stringify({
            // Half the lines bring their id; the others get one derived from their content.
            ...(random() < 0.5 ? { event_id: id } : {}),
            timestamp,
            type: custom ? 'custom' : 'pageview',
            ...(custom ? { name: 'signup' } : {}),
            visitor_id: visitor,
            hostname: SITE,
            pathname: page,
            ...(first && source ? { source, referrer: `https://${source.toLowerCase()}.example/` } : {}),
            ...(first && campaign ? { utm_campaign: campaign } : {}),
            country,
            device,
            browser,
            props,
          }),
        });
        at += 10_000 + Math.floor(random() * 9 * 60) * 1000;
      }
      at += 2 * 3600_000 + Math.floor(random() * 5 * DAY);
    }
  }
  lines.sort((a, b) => a.ts - b.ts);
  return { lines: lines.map((l) => l.line), truth };
}

/** `2026-05-01T05:30:00+05:30` for an instant: the same moment, written in another zone. */
function withOffset(ms: number, minutes: number): string {
  const local = new Date(ms + minutes * 60_000).toISOString().slice(0, 19);
  return `${local}+${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

async function* numbered(lines: string[]): AsyncGenerator<NumberedLine> {
  for (const [i, text] of lines.entries()) yield { number: i + 1, text };
}

interface Side {
  warehouse: Warehouse;
  worker: IngestWorker;
  topics: { events: string; deadLetter: string; import: string };
}

const id = randomId();
const generated = generate();
let server: WarehouseServerProcess;
let log: KafkaLog;
let producer: LogProducer;
let original: Side;
let copy: Side;
let firstImport: ImportSummary;
let exported: string[];

async function side(name: string): Promise<Side> {
  const topics = { events: `events-${name}-${id}`, deadLetter: `dlq-${name}-${id}`, import: `import-${name}-${id}` };
  await log.ensureTopics([
    { name: topics.events, partitions: 3 },
    { name: topics.import, partitions: 3 },
    { name: topics.deadLetter, partitions: 1 },
  ]);
  const warehouse = await openWarehouse({ kind: 'server', url: server.url, database: `history_${name}_${id}` });
  await migrate(warehouse.client);
  const worker = await startIngestWorker({
    log,
    warehouse,
    topics,
    groupId: `ingest-${name}-${id}`,
    sessionTimeoutMinutes: 30,
    logger: pino({ level: 'warn' }),
  });
  return { warehouse, worker, topics };
}

async function ingested(target: Side, count: number): Promise<void> {
  let last = 0;
  await waitFor(
    async () => {
      last = await countEvents(target.warehouse.client, SITE);
      return last === count ? true : undefined;
    },
    180_000,
    `${count} events in ClickHouse`,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; ${last} stored`);
  });
}

beforeAll(async () => {
  server = await WarehouseServerProcess.start();
  log = new KafkaLog({ brokers: [inject('kafkaBrokers')], clientId: `history-${id}` });
  producer = await log.producer();
  original = await side('a');
  copy = await side('b');

  firstImport = await importHistory(numbered(generated.lines), {
    site: SITE,
    producer,
    topic: original.topics.import,
    warehouse: original.warehouse,
  });
  await ingested(original, generated.truth.length);

  // Export the whole history as NDJSON, then import that into a second, empty warehouse.
  const range = { siteId: SITE, from: 0, to: NOW.getTime(), filters: [] };
  exported = [];
  for await (const chunk of formatHistory(exportHistory(original.warehouse, range), 'ndjson')) {
    exported.push(chunk.trimEnd());
  }
  const text = Buffer.from(exported.map((l) => `${l}\n`).join(''));
  await importHistory(readLines(Readable.from([text])), {
    site: SITE,
    producer,
    topic: copy.topics.import,
    warehouse: copy.warehouse,
  });
  await ingested(copy, generated.truth.length);
}, 600_000);

afterAll(async () => {
  for (const s of [original, copy]) {
    await s?.worker.stop();
    await s?.warehouse.close();
  }
  await producer?.close();
  await log?.close();
  await server?.stop();
});

// ---- the independent oracle -------------------------------------------------------------------------------------

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const hourFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, hour: '2-digit', hourCycle: 'h23' });
const dayOf = (ms: number) => dayFormat.format(ms);
const hourOf = (ms: number) => `${dayOf(ms)} ${hourFormat.format(ms).padStart(2, '0')}:00:00`;
const maxDay = (a: string, b: string) => (a < b ? b : a);
const firstDay = () => ALL[0];
const mondayOf = (ms: number) => {
  const day = new Date(`${dayOf(ms)}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
};

type Field = (e: Truth) => string;
const FIELDS: Record<string, Field> = {
  'event:page': (e) => e.page,
  'event:name': (e) => e.name,
  'visit:source': (e) => e.source || 'Direct / None',
  'visit:utm_campaign': (e) => e.campaign || '(not set)',
  'visit:country': (e) => e.country || '(not set)',
  'visit:device_type': (e) => e.device,
  'visit:browser': (e) => e.browser,
  'event:props:plan': (e) => e.props.plan ?? '(none)',
  'time:day': (e) => dayOf(e.ts),
  'time:hour': (e) => hourOf(e.ts),
  // Week and month labels are clamped to the range's first day; every query of those dimensions asks for ALL.
  'time:week': (e) => maxDay(mondayOf(e.ts), firstDay()),
  'time:month': (e) => maxDay(`${dayOf(e.ts).slice(0, 7)}-01`, firstDay()),
};

type Row = { dimensions: string[]; metrics: MetricValue[] };

function matches(e: Truth, filters: StatsRequest['filters']): boolean {
  return filters.every((filter) => {
    const [operator, dimension, values] = filter as [string, string, string[]];
    const value = (FIELDS[dimension] as Field)(e);
    if (operator === 'is') return values.includes(value);
    if (operator === 'contains') return values.some((v) => value.includes(v));
    throw new Error(`oracle has no ${operator}`);
  });
}

/** Event metrics (and, without dimensions, session metrics) computed from the generated events. */
function oracle(request: StatsRequest): Row[] {
  const [from, to] = request.date_range as [string, string];
  const inRange = generated.truth.filter((e) => dayOf(e.ts) >= from && dayOf(e.ts) <= to);
  const chosen = inRange.filter((e) => matches(e, request.filters));
  const groups = new Map<string, Truth[]>();
  for (const e of chosen) {
    const key = JSON.stringify(request.dimensions.map((d) => (FIELDS[d] as Field)(e)));
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return [...groups].map(([key, events]) => ({
    dimensions: JSON.parse(key) as string[],
    metrics: request.metrics.map((metric) => {
      switch (metric) {
        case 'visitors':
          return new Set(events.map((e) => e.visitor)).size;
        case 'visits':
          return new Set(events.map((e) => e.session)).size;
        case 'pageviews':
          return events.filter((e) => e.type === 'pageview').length;
        case 'events':
          return events.length;
        default:
          return sessionMetric(metric, from, to, request.filters);
      }
    }),
  }));
}

const sessionsOfTruth = new Map<string, Truth[]>();
for (const e of generated.truth) {
  const session = sessionsOfTruth.get(e.session);
  if (session) session.push(e);
  else sessionsOfTruth.set(e.session, [e]);
}

function sessionMetric(metric: string, from: string, to: string, filters: StatsRequest['filters']): number {
  const chosen = [...sessionsOfTruth.values()].filter((events) => {
    const first = events[0] as Truth;
    const last = events[events.length - 1] as Truth;
    return dayOf(first.ts) <= to && dayOf(last.ts) >= from && matches(first, filters);
  });
  if (chosen.length === 0) return 0;
  if (metric === 'bounce_rate') return (chosen.filter((s) => s.length === 1).length / chosen.length) * 100;
  if (metric === 'visit_duration') {
    return (
      chosen.reduce((sum, s) => sum + ((s[s.length - 1] as Truth).ts - (s[0] as Truth).ts) / 1000, 0) / chosen.length
    );
  }
  return chosen.reduce((sum, s) => sum + s.filter((e) => e.type === 'pageview').length, 0) / chosen.length;
}

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a.dimensions).localeCompare(JSON.stringify(b.dimensions)));

// ---- the queries ---------------------------------------------------------------------------------------------------

const ALL: [string, string] = ['2026-05-01', '2026-06-30'];
const JUNE: [string, string] = ['2026-06-01', '2026-06-30'];
const QUERIES: object[] = [
  { metrics: ['visitors', 'visits', 'pageviews', 'events'], date_range: ALL },
  { metrics: ['bounce_rate', 'visit_duration', 'views_per_visit'], date_range: ALL },
  { metrics: ['visitors', 'visits', 'bounce_rate', 'visit_duration'], date_range: JUNE },
  { metrics: ['bounce_rate', 'views_per_visit'], date_range: ALL, filters: [['is', 'visit:source', ['Google']]] },
  { metrics: ['visitors', 'pageviews'], date_range: ALL, dimensions: ['event:page'] },
  { metrics: ['visitors', 'visits'], date_range: ALL, dimensions: ['visit:source'] },
  { metrics: ['visitors', 'events'], date_range: ALL, dimensions: ['visit:country'] },
  { metrics: ['events'], date_range: ALL, dimensions: ['event:name'] },
  { metrics: ['visitors'], date_range: JUNE, dimensions: ['visit:device_type'] },
  { metrics: ['visitors'], date_range: JUNE, dimensions: ['visit:browser'] },
  { metrics: ['visits'], date_range: ALL, dimensions: ['visit:utm_campaign'] },
  {
    metrics: ['events'],
    date_range: ALL,
    dimensions: ['event:props:plan'],
    filters: [['is', 'event:name', ['signup']]],
  },
  { metrics: ['visitors', 'pageviews'], date_range: ALL, filters: [['is', 'visit:country', ['DE']]] },
  { metrics: ['visitors', 'pageviews'], date_range: ALL, filters: [['contains', 'event:page', ['/blog']]] },
  {
    metrics: ['visitors', 'events'],
    date_range: ALL,
    dimensions: ['visit:source'],
    filters: [['is', 'visit:country', ['US']]],
  },
  { metrics: ['visitors', 'pageviews'], date_range: ALL, dimensions: ['time:day'] },
  { metrics: ['visitors', 'visits'], date_range: ['2026-06-10', '2026-06-10'], dimensions: ['time:hour'] },
  { metrics: ['pageviews'], date_range: ALL, dimensions: ['time:week'] },
  { metrics: ['visitors', 'events'], date_range: ALL, dimensions: ['time:month'] },
  {
    metrics: ['visitors'],
    date_range: JUNE,
    dimensions: ['time:day'],
    filters: [['is', 'visit:device_type', ['mobile']]],
  },
  { metrics: ['pageviews'], date_range: ALL, dimensions: ['time:day', 'event:page'] },
  { metrics: ['visits', 'events'], date_range: ['2026-05-15', '2026-05-21'], dimensions: ['visit:country'] },
];

const ask = (target: Side, body: object) =>
  queryStats(target.warehouse.client, statsRequestSchema.parse({ site_id: SITE, ...body }), { timezone: TZ, now: NOW });

describe('history import and export', () => {
  it('imports every generated event once and exports all of them', () => {
    expect(generated.truth.length).toBeGreaterThanOrEqual(50_000);
    expect(firstImport).toMatchObject({ imported: generated.truth.length, rejected: 0, duplicates: 0 });
    expect(exported).toHaveLength(generated.truth.length);
  });

  it.each(QUERIES.map((q, i) => [i + 1, q] as const))(
    'query %i answers the same on the original, on the re-imported export, and as computed from the events',
    async (_, body) => {
      const [a, b] = await Promise.all([ask(original, body), ask(copy, body)]);
      expect(b.results).toEqual(a.results);
      const request = statsRequestSchema.parse({ site_id: SITE, ...body });
      const expected = sortRows(oracle(request));
      const actual = sortRows(a.results);
      expect(actual.map((r) => r.dimensions)).toEqual(expected.map((r) => r.dimensions));
      const sessionMetric = (m: string) => ['bounce_rate', 'visit_duration', 'views_per_visit'].includes(m);
      for (const [i, row] of actual.entries()) {
        request.metrics.forEach((metric, j) => {
          const want = Number(expected[i]?.metrics[j] ?? Number.NaN);
          // Session metrics are rounded by ClickHouse (whole numbers, or two decimals for views per visit).
          if (sessionMetric(metric)) expect(row.metrics[j]).toBeCloseTo(want, metric === 'views_per_visit' ? 1 : -0.5);
          else expect(row.metrics[j], `${metric} of ${row.dimensions.join('/')}`).toBe(want);
        });
      }
    },
  );

  it('adds nothing when the same file is imported again, whether the importer or ingest finds the duplicates', async () => {
    const again = await importHistory(numbered(generated.lines), {
      site: SITE,
      producer,
      topic: original.topics.import,
      warehouse: original.warehouse,
    });
    expect(again).toMatchObject({ imported: 0, duplicates: generated.truth.length });
    // Without the importer's check every line reaches the topic; ingest finds them stored and drops them.
    const duplicates = async () => (await original.worker.metrics.duplicates.get()).values[0]?.value ?? 0;
    const before = await duplicates();
    const blind = await importHistory(numbered(generated.lines), {
      site: SITE,
      producer,
      topic: original.topics.import,
    });
    expect(blind.imported).toBe(generated.truth.length);
    await waitFor(
      async () => ((await duplicates()) - before >= generated.truth.length ? true : undefined),
      180_000,
      'ingest to drop the re-imported events',
    );
    expect(await countEvents(original.warehouse.client, SITE)).toBe(generated.truth.length);
  });

  it('keeps the good lines of a file with bad ones and reports the bad ones by line number', async () => {
    const at = Date.parse('2026-06-15T12:00:00Z');
    const lines = [
      JSON.stringify({ timestamp: at, visitor_id: 'someone@other-tool', pathname: '/a' }),
      '{not json',
      JSON.stringify({ timestamp: 'yesterday', visitor_id: '1', pathname: '/b' }),
      JSON.stringify({ timestamp: at, pathname: '/c' }),
      '',
      JSON.stringify({
        timestamp: '2026-06-15T14:00:00+02:00',
        visitor_id: 42,
        type: 'custom',
        name: 'x',
        pathname: '/d',
      }),
    ];
    const summary = await importHistory(numbered(lines), {
      site: SITE,
      producer,
      topic: original.topics.import,
      warehouse: original.warehouse,
    });
    expect(summary).toMatchObject({ linesRead: 6, imported: 2, rejected: 3, duplicates: 0 });
    expect(summary.errors.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(summary.errors[1]?.reason).toMatch(/^timestamp/);
    expect(summary.errors[2]?.reason).toMatch(/^visitor_id/);
    await ingested(original, generated.truth.length + 2);
  });
});

describe('sessions of imported history, whatever the order of the file', () => {
  // A quarter of the visitors, in four orders, each into a warehouse of its own, in small batches and sorted runs.
  const subset = generated.lines.filter(
    (line) => Number((JSON.parse(line) as { visitor_id: string }).visitor_id) < 11_000,
  );
  const visitorOf = (line: string) => (JSON.parse(line) as { visitor_id: string }).visitor_id;
  const shuffle = prng(99);
  const ORDERS: Record<string, string[]> = {
    time: subset,
    visitor: [...subset].sort((a, b) => visitorOf(b).localeCompare(visitorOf(a))),
    'newest first': [...subset].reverse(),
    shuffled: subset
      .map((line) => ({ line, key: shuffle() }))
      .sort((a, b) => a.key - b.key)
      .map((entry) => entry.line),
  };
  const ids = new Set(subset.map((line) => visitorOf(line)));
  const truthSessions = new Set(generated.truth.filter((t) => ids.has(t.visitor)).map((t) => t.session)).size;
  const QUERIES: object[] = [
    { metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration', 'views_per_visit'] },
    { metrics: ['visits', 'bounce_rate', 'visit_duration'], dimensions: ['visit:source'] },
    { metrics: ['visits', 'bounce_rate'], dimensions: ['visit:entry_page'] },
    { metrics: ['visits'], dimensions: ['visit:exit_page'] },
    { metrics: ['visits'], dimensions: ['time:day'] },
  ];
  const answers = new Map<string, unknown[]>();

  beforeAll(async () => {
    for (const [name, lines] of Object.entries(ORDERS)) {
      const target = await side(`order${answers.size}${name.replace(/\W/g, '')}`);
      const summary = await importHistory(numbered(lines), {
        site: SITE,
        producer,
        topic: target.topics.import,
        warehouse: target.warehouse,
        batchSize: 500,
        runSize: 3_000,
      });
      expect(summary).toMatchObject({ imported: subset.length, rejected: 0 });
      await ingested(target, subset.length);
      const all: unknown[] = [];
      for (const body of QUERIES) all.push((await ask(target, { date_range: ALL, ...body })).results);
      answers.set(name, all);
      await target.worker.stop();
      await target.warehouse.close();
    }
  }, 600_000);

  it('has the sessions the generator made', () => {
    expect(subset.length).toBeGreaterThan(10_000);
    const [totals] = answers.get('time') as Array<Array<{ metrics: number[] }>>;
    expect(totals?.[0]?.metrics[1]).toBe(truthSessions);
  });

  it.each(['visitor', 'newest first', 'shuffled'])('answers the same for a file in %s order', (name) => {
    expect(answers.get(name)).toEqual(answers.get('time'));
  });
});
