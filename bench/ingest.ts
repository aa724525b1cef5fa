/**
 * `npm run bench:ingest`: fills a topic with N realistic enriched events (BENCH_EVENTS, default 100,000), then
 * measures one ingest worker draining it into ClickHouse (embedded chDB), and, in the same run, the ceiling: one
 * bulk insert of the same rows into the same table. KAFKA_BROKERS reuses a broker; otherwise one is started.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { EnrichedEvent } from '../packages/events/src/index.ts';
import { startIngestWorker } from '../packages/ingest/src/index.ts';
import { KafkaLog, partitionFor } from '../packages/stream/src/index.ts';
import { countEvents, type EventRow, insertEvents, migrate, openWarehouse } from '../packages/warehouse/src/index.ts';
import { enrichedEvent } from '../test/fixtures.ts';
import { randomId, tempDir } from '../test/helpers.ts';
import { benchBroker } from '../test/kafka.ts';

const total = Number(process.env.BENCH_EVENTS ?? 100_000);
const partitions = 6;
const id = randomId();
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

function rssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function main() {
  const broker = await benchBroker();
  const brokers = broker.brokers;
  const log = new KafkaLog({ brokers: [brokers], clientId: `bench-ingest-${id}` });
  const warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('bench-ingest'), database: 'tern' });
  try {
    await migrate(warehouse.client);
    const topics = { events: `bench-ingest-${id}`, deadLetter: `bench-ingest-dlq-${id}` };
    await log.ensureTopics([
      { name: topics.events, partitions },
      { name: topics.deadLetter, partitions: 1 },
    ]);
    const now = Date.now();
    const site = `ingest-${id}.example`;
    const events = Array.from({ length: total }, (_, i) => realistic(site, i, now));
    const producer = await log.producer();
    const filled = Date.now();
    for (let i = 0; i < total; i += 2000) {
      await producer.send(
        topics.events,
        events.slice(i, i + 2000).map((e) => ({ key: `${e.siteId}:${e.visitorId}`, value: JSON.stringify(e) })),
      );
    }
    const fillSeconds = (Date.now() - filled) / 1000;

    const started = Date.now();
    const worker = await startIngestWorker({
      log,
      warehouse,
      topics,
      groupId: `bench-ingest-${id}`,
      sessionTimeoutMinutes: 30,
      logger: pino({ level: 'warn' }),
    });
    while ((await countEvents(warehouse.client, site)) < total) await new Promise((r) => setTimeout(r, 200));
    const drainSeconds = (Date.now() - started) / 1000;
    await worker.stop();

    // The ceiling: the same rows, one bulk insert, same table and format, as another site.
    const bulkSite = `bulk-${site}`;
    const rows: EventRow[] = events.map((event, i) => ({
      event: { ...event, siteId: bulkSite, eventId: randomUUID() },
      visit: {
        sessionId: String(i),
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
    const bulkStarted = Date.now();
    await insertEvents(warehouse.client, rows, `bulk-${id}`);
    const bulkSeconds = (Date.now() - bulkStarted) / 1000;
    const stored = await countEvents(warehouse.client, bulkSite);

    const rate = (s: number) => Math.round(total / s).toLocaleString('en-US');
    console.log(`
Ingest benchmark, ${new Date().toISOString().slice(0, 10)}, ${total.toLocaleString('en-US')} events, ${partitions} partitions, chDB, \`npm run bench:ingest\`

| run | seconds | events/s |
| --- | ---: | ---: |
| fill the topic (kafkajs, 2,000 per send) | ${fillSeconds.toFixed(1)} | ${rate(fillSeconds)} |
| one ingest worker drains the topic into ClickHouse | ${drainSeconds.toFixed(1)} | ${rate(drainSeconds)} |
| ceiling: one bulk insert of the same rows (${stored.toLocaleString('en-US')} stored) | ${bulkSeconds.toFixed(1)} | ${rate(bulkSeconds)} |

- worker / ceiling: ${((bulkSeconds / drainSeconds) * 100).toFixed(0)}% (target ≥ 50%); worker events/s target ≥ 100,000
- peak RSS of this process (worker, chDB, the generated events): ${rssMb()} MB (target < 500 MB for the worker)
`);
  } finally {
    await log.close();
    await warehouse.close();
    broker.stop();
  }
}

await main();
