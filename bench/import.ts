/**
 * `npm run bench:import`: the history import path end to end. Generates N history lines (BENCH_EVENTS, default
 * 100,000: visitors, sessions, pages, sources, custom events), imports them as `POST /api/v1/import` does
 * (validate, derive ids, check stored ids, produce to the import topic), and measures until one ingest worker has
 * them all in ClickHouse (embedded chDB). KAFKA_BROKERS reuses a broker; otherwise one is started.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { importHistory, type NumberedLine } from '../packages/history/src/index.ts';
import { startIngestWorker } from '../packages/ingest/src/index.ts';
import { KafkaLog } from '../packages/stream/src/index.ts';
import { countEvents, migrate, openWarehouse } from '../packages/warehouse/src/index.ts';
import { randomId, tempDir } from '../test/helpers.ts';
import { benchBroker } from '../test/kafka.ts';

const total = Number(process.env.BENCH_EVENTS ?? 100_000);
const site = 'import-bench.example';
const pages = ['/', '/pricing', '/blog/launch-week', '/docs/getting-started', '/docs/api'];

function lines(): string[] {
  const out: string[] = [];
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; out.length < total; i++) {
    const visitor = `v${i % 20_000}`;
    const at = start + Math.floor(i / 20_000) * 3 * 3600_000 + (i % 20_000) * 1000;
    out.push(
      JSON.stringify({
        ...(i % 2 === 0 ? { event_id: randomUUID() } : {}),
        timestamp: new Date(at).toISOString(),
        type: i % 10 === 9 ? 'custom' : 'pageview',
        ...(i % 10 === 9 ? { name: 'signup', props: { plan: 'pro' } } : {}),
        visitor_id: visitor,
        hostname: site,
        pathname: pages[i % pages.length],
        source: ['', 'Google', 'Twitter'][i % 3],
        country: ['US', 'DE', 'FR'][i % 3],
        device: 'desktop',
        browser: 'Firefox',
      }),
    );
  }
  return out;
}

async function* numbered(texts: string[]): AsyncGenerator<NumberedLine> {
  for (const [i, text] of texts.entries()) yield { number: i + 1, text };
}

async function main() {
  const broker = await benchBroker();
  const id = randomId();
  const log = new KafkaLog({ brokers: [broker.brokers], clientId: `bench-import-${id}` });
  const warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('bench-import'), database: 'tern' });
  try {
    await migrate(warehouse.client);
    const topics = { events: `bench-events-${id}`, import: `bench-import-${id}`, deadLetter: `bench-dlq-${id}` };
    await log.ensureTopics([
      { name: topics.events, partitions: 6 },
      { name: topics.import, partitions: 6 },
      { name: topics.deadLetter, partitions: 1 },
    ]);
    const input = lines();
    const worker = await startIngestWorker({
      log,
      warehouse,
      topics,
      groupId: `bench-import-${id}`,
      sessionTimeoutMinutes: 30,
      logger: pino({ level: 'warn' }),
    });
    const producer = await log.producer();
    const started = Date.now();
    const summary = await importHistory(numbered(input), { site, producer, topic: topics.import, warehouse });
    const importedSeconds = (Date.now() - started) / 1000;
    while ((await countEvents(warehouse.client, site)) < summary.imported) await new Promise((r) => setTimeout(r, 200));
    const storedSeconds = (Date.now() - started) / 1000;
    await worker.stop();
    await producer.close();
    const rate = (s: number) => Math.round(total / s).toLocaleString('en-US');
    console.log(`
History import benchmark, ${new Date().toISOString().slice(0, 10)}, ${total.toLocaleString('en-US')} lines, \`npm run bench:import\`

| stage | seconds | events/s |
| --- | ---: | ---: |
| parse, validate, check stored ids, produce to the import topic | ${importedSeconds.toFixed(1)} | ${rate(importedSeconds)} |
| end to end: every event stored by one ingest worker (chDB in-process) | ${storedSeconds.toFixed(1)} | ${rate(storedSeconds)} |

- imported ${summary.imported.toLocaleString('en-US')}, rejected ${summary.rejected}, duplicates ${summary.duplicates}
`);
  } finally {
    await log.close();
    await warehouse.close();
    broker.stop();
  }
}

await main();
