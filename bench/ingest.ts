/**
 * `npm run bench:ingest`: fills a topic with N realistic enriched events (BENCH_EVENTS, default 100,000), then
 * measures one ingest worker draining it into ClickHouse, and, in the same run, the ceiling: one bulk insert of the
 * same rows into the same table. Two set-ups, each on a topic of its own:
 *  - embedded: the worker in this process with chDB (as `npm start` runs it);
 *  - server: the worker as its own process (`packages/ingest` main) against ClickHouse's HTTP interface, served by
 *    `apps/warehouse-server` (chDB in another process), or by the server at CLICKHOUSE_URL when set. Its peak RSS is
 *    the worker's alone.
 * KAFKA_BROKERS reuses a broker; otherwise one is started.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { EnrichedEvent } from '../packages/events/src/index.ts';
import { startIngestWorker } from '../packages/ingest/src/index.ts';
import { KafkaLog, partitionFor } from '../packages/stream/src/index.ts';
import {
  countEvents,
  type EventRow,
  insertEvents,
  migrate,
  openWarehouse,
  type Warehouse,
} from '../packages/warehouse/src/index.ts';
import { enrichedEvent } from '../test/fixtures.ts';
import { freePort, randomId, tempDir } from '../test/helpers.ts';
import { benchBroker } from '../test/kafka.ts';
import { ServiceProcess } from '../test/service-process.ts';
import { WarehouseServerProcess } from '../test/warehouse-server.ts';

const total = Number(process.env.BENCH_EVENTS ?? 100_000);
const partitions = 6;
const pages = ['/', '/pricing', '/blog/launch-week', '/docs/getting-started', '/docs/api', '/about', '/changelog'];
const sources = ['', '', 'Google', 'Hacker News', 'Twitter', 'DuckDuckGo'];
const browsers: Array<[string, string, EnrichedEvent['device']]> = [
  ['Chrome', 'Windows', 'desktop'],
  ['Safari', 'macOS', 'desktop'],
  ['Mobile Safari', 'iOS', 'mobile'],
  ['Firefox', 'Linux', 'desktop'],
];

function realistic(site: string, i: number, now: number): EnrichedEvent {
  const [browser, os, device] = browsers[i % browsers.length] as [string, string, EnrichedEvent['device']];
  const visitor = String(1_000_000 + (i % 9_000));
  return enrichedEvent({
    eventId: randomUUID(),
    siteId: site,
    type: i % 10 === 9 ? 'custom' : 'pageview',
    name: i % 10 === 9 ? 'signup' : 'pageview',
    timestamp: now - (total - i) * 10,
    receivedAt: now - (total - i) * 10,
    visitorId: visitor,
    hostname: site,
    pathname: pages[i % pages.length] as string,
    title: 'Tern — real-time analytics',
    source: sources[i % sources.length] as string,
    country: ['US', 'DE', 'FR', 'GB', 'IN'][i % 5] as string,
    browser,
    os,
    device,
    screenWidth: device === 'mobile' ? 390 : 1440,
    language: 'en-US',
    props: i % 10 === 9 ? { plan: 'pro' } : {},
  });
}

function peakRssMb(pid: number | 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

interface Run {
  label: string;
  drainSeconds: number;
  bulkSeconds: number;
  stored: number;
  peakRss: string;
}

/** Fills a fresh topic with the events for `site`, returning the topics and the fill time. */
async function fill(log: KafkaLog, id: string, events: EnrichedEvent[]) {
  const topics = { events: `bench-ingest-${id}`, deadLetter: `bench-ingest-dlq-${id}` };
  await log.ensureTopics([
    { name: topics.events, partitions },
    { name: topics.deadLetter, partitions: 1 },
  ]);
  const producer = await log.producer();
  const started = Date.now();
  for (let i = 0; i < events.length; i += 2000) {
    await producer.send(
      topics.events,
      events.slice(i, i + 2000).map((e) => ({ key: `${e.siteId}:${e.visitorId}`, value: JSON.stringify(e) })),
    );
  }
  await producer.close();
  return { topics, fillSeconds: (Date.now() - started) / 1000 };
}

/** The ceiling: the same rows, one bulk insert, same table and format, as another site. */
async function bulkInsert(warehouse: Warehouse, events: EnrichedEvent[], id: string) {
  const bulkSite = `bulk-${id}.example`;
  const rows: EventRow[] = events.map((event, i) => ({
    event: { ...event, siteId: bulkSite, eventId: randomUUID() },
    visit: {
      sessionId: String(i),
      entryHostname: event.hostname,
      screenWidth: event.screenWidth,
      referrer: '',
      referrerHost: '',
      source: event.source,
      utmSource: '',
      utmMedium: '',
      utmCampaign: '',
      utmTerm: '',
      utmContent: '',
    },
    topic: 'bulk',
    partition: partitionFor(event.visitorId, partitions),
    offset: BigInt(i),
  }));
  const started = Date.now();
  await insertEvents(warehouse.client, rows, `bulk-${id}`);
  const bulkSeconds = (Date.now() - started) / 1000;
  return { bulkSeconds, stored: await countEvents(warehouse.client, bulkSite) };
}

async function waitForRows(warehouse: Warehouse, site: string): Promise<void> {
  while ((await countEvents(warehouse.client, site)) < total) await new Promise((r) => setTimeout(r, 200));
}

async function embeddedRun(log: KafkaLog): Promise<Run & { fillSeconds: number }> {
  const id = randomId();
  const site = `ingest-${id}.example`;
  const now = Date.now();
  const events = Array.from({ length: total }, (_, i) => realistic(site, i, now));
  const { topics, fillSeconds } = await fill(log, id, events);
  const warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('bench-ingest'), database: 'tern' });
  try {
    await migrate(warehouse.client);
    const started = Date.now();
    const worker = await startIngestWorker({
      log,
      warehouse,
      topics,
      groupId: `bench-ingest-${id}`,
      sessionTimeoutMinutes: 30,
      logger: pino({ level: 'warn' }),
    });
    await waitForRows(warehouse, site);
    const drainSeconds = (Date.now() - started) / 1000;
    await worker.stop();
    const { bulkSeconds, stored } = await bulkInsert(warehouse, events, id);
    return {
      label: 'chDB in the worker process',
      fillSeconds,
      drainSeconds,
      bulkSeconds,
      stored,
      peakRss: `${peakRssMb('self')} MB (this process: worker, chDB, the generated events)`,
    };
  } finally {
    await warehouse.close();
  }
}

async function serverRun(log: KafkaLog, brokers: string): Promise<Run> {
  const id = randomId();
  const site = `ingest-${id}.example`;
  const now = Date.now();
  const events = Array.from({ length: total }, (_, i) => realistic(site, i, now));
  const { topics } = await fill(log, id, events);
  const external = process.env.CLICKHOUSE_URL;
  const server = external ? undefined : await WarehouseServerProcess.start();
  const url = external ?? server?.url ?? '';
  const warehouse = await openWarehouse({ kind: 'server', url, database: 'tern' });
  const port = await freePort();
  const worker = new ServiceProcess({
    name: 'bench-ingest-worker',
    args: ['--import', 'tsx', 'packages/ingest/src/main.ts'],
    env: {
      KAFKA_BROKERS: brokers,
      TOPIC_EVENTS: topics.events,
      TOPIC_IMPORT: `bench-ingest-import-${id}`,
      TOPIC_SITES: `bench-ingest-sites-${id}`,
      TOPIC_SALTS: `bench-ingest-salts-${id}`,
      TOPIC_DEAD_LETTER: topics.deadLetter,
      TOPIC_BOTS: `bench-ingest-bots-${id}`,
      CLICKHOUSE_URL: url,
      CLICKHOUSE_DATABASE: 'tern',
      INGEST_GROUP_ID: `bench-ingest-${id}`,
      INGEST_HOST: '127.0.0.1',
      INGEST_PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    logDir: tempDir('bench-ingest-worker'),
  });
  try {
    await migrate(warehouse.client);
    const started = Date.now();
    await worker.start();
    await waitForRows(warehouse, site);
    const drainSeconds = (Date.now() - started) / 1000;
    const workerRss = peakRssMb(worker.pid ?? 0);
    await worker.stop();
    const { bulkSeconds, stored } = await bulkInsert(warehouse, events, id);
    return {
      label: external ? `ClickHouse server at CLICKHOUSE_URL` : 'apps/warehouse-server (chDB over HTTP)',
      drainSeconds,
      bulkSeconds,
      stored,
      peakRss: `${workerRss} MB (the worker process alone; start-up included in its time)`,
    };
  } finally {
    await worker.stop();
    await warehouse.close();
    await server?.stop();
  }
}

async function main() {
  const broker = await benchBroker();
  const log = new KafkaLog({ brokers: [broker.brokers], clientId: `bench-ingest-${randomId()}` });
  try {
    const embedded = await embeddedRun(log);
    const server = await serverRun(log, broker.brokers);
    const rate = (s: number) => Math.round(total / s).toLocaleString('en-US');
    const rows = [embedded, server].flatMap((run) => [
      `| ${run.label}: one ingest worker drains the topic | ${run.drainSeconds.toFixed(1)} | ${rate(run.drainSeconds)} |`,
      `| ${run.label}: ceiling, one bulk insert of the same rows (${run.stored.toLocaleString('en-US')} stored) | ${run.bulkSeconds.toFixed(1)} | ${rate(run.bulkSeconds)} |`,
    ]);
    console.log(`
Ingest benchmark, ${new Date().toISOString().slice(0, 10)}, ${total.toLocaleString('en-US')} events, ${partitions} partitions, \`npm run bench:ingest\`

| run | seconds | events/s |
| --- | ---: | ---: |
| fill the topic (kafkajs, 2,000 per send) | ${embedded.fillSeconds.toFixed(1)} | ${rate(embedded.fillSeconds)} |
${rows.join('\n')}

- worker / ceiling: ${((embedded.bulkSeconds / embedded.drainSeconds) * 100).toFixed(0)}% embedded, ${((server.bulkSeconds / server.drainSeconds) * 100).toFixed(0)}% server (target ≥ 50%); worker events/s target ≥ 100,000
- peak RSS, embedded: ${embedded.peakRss}
- peak RSS, server: ${server.peakRss} (target < 500 MB)
`);
  } finally {
    await log.close();
    broker.stop();
  }
}

await main();
