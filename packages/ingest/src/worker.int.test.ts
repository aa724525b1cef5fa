import { randomUUID } from 'node:crypto';
import { type DeadLetter, deadLetterSchema, encodeEventMessage } from '@tern/events';
import { KafkaLog, type StreamMessage } from '@tern/stream';
import { countEvents, migrate, openWarehouse, type Warehouse } from '@tern/warehouse';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enrichedEvent } from '../../../test/fixtures.ts';
import { randomId, tempDir, waitFor } from '../../../test/helpers.ts';
import { startIngestWorker } from './worker.ts';

const id = randomId();
const topics = { events: `events-${id}`, deadLetter: `dlq-${id}` };
const site = `ingest-${id}.example`;
const logger = pino({ level: 'silent' });
let log: KafkaLog;
let warehouse: Warehouse;

beforeAll(async () => {
  log = new KafkaLog({ brokers: [inject('kafkaBrokers')], clientId: `ingest-test-${id}` });
  await log.ensureTopics([
    { name: topics.events, partitions: 3 },
    { name: topics.deadLetter, partitions: 1 },
  ]);
  warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('ingest'), database: 'tern' });
  await migrate(warehouse.client);
});
afterAll(async () => {
  await log?.close();
  await warehouse?.close();
});

const events = (count: number, from: number) =>
  Array.from({ length: count }, (_, i) => {
    const event = enrichedEvent({
      siteId: site,
      visitorId: String((from + i) % 17),
      timestamp: Date.now(),
      pathname: `/${from + i}`,
    });
    return { key: `${site}:${event.visitorId}`, value: JSON.stringify(event) };
  });

/** The dead-letter topic read from its start by a group of its own, once `done` holds for what it holds. */
async function deadLetters(groupId: string, done: (all: DeadLetter[]) => boolean, what: string): Promise<DeadLetter[]> {
  const messages: StreamMessage[] = [];
  const reader = log.consumer({ groupId, topics: [topics.deadLetter], fromBeginning: true });
  await reader.run(async (batch) => {
    messages.push(...batch.messages);
  });
  const parsed = () => messages.map((m) => deadLetterSchema.parse(JSON.parse(m.value?.toString() ?? '')));
  try {
    await waitFor(async () => (done(parsed()) ? true : undefined), 20_000, what);
  } finally {
    await reader.stop();
  }
  return parsed();
}

const start = (groupId = `ingest-${id}`) =>
  startIngestWorker({ log, warehouse, topics, groupId, sessionTimeoutMinutes: 30, logger });

describe('ingest worker on Kafka and chDB', () => {
  it('stores every event once, dead-letters poison with its reason, and resumes without duplicates', async () => {
    const producer = await log.producer();
    await producer.send(topics.events, [
      ...events(300, 0),
      { key: `${site}:poison`, value: '{"v":1,"eventId":"nope"}' },
    ]);
    const first = await start();
    await waitFor(
      async () => ((await countEvents(warehouse.client, site)) === 300 ? true : undefined),
      30_000,
      '300 rows',
    );
    await first.stop();

    await producer.send(topics.events, events(200, 300));
    const second = await start();
    await waitFor(
      async () => ((await countEvents(warehouse.client, site)) === 500 ? true : undefined),
      30_000,
      '500 rows',
    );
    // Give a duplicate time to show up if the worker re-read what it had stored.
    await new Promise((r) => setTimeout(r, 1500));
    await second.stop();
    expect(await countEvents(warehouse.client, site)).toBe(500);

    const distinct = await warehouse.client.query({
      query: 'SELECT uniqExact(event_id) AS n, uniqExact(pathname) AS pages FROM events WHERE site_id = {site:String}',
      query_params: { site },
      format: 'JSONEachRow',
    });
    expect(await distinct.json()).toEqual([{ n: 500, pages: 500 }]);

    const letters = await deadLetters(`dlq-${id}`, (all) => all.length > 0, 'the dead letter');
    expect(letters).toHaveLength(1);
    const letter = letters[0] as DeadLetter;
    expect(letter).toMatchObject({
      stage: 'ingest',
      payload: '{"v":1,"eventId":"nope"}',
      source: { topic: topics.events },
    });
    expect(letter.reason).toMatch(/eventId/);
  });

  it('skips offsets ClickHouse already has when offsets were not committed (crash after the write)', async () => {
    // A fresh group starts from the beginning of the topic, as a worker does whose commit was lost.
    const again = await start(`other-${id}`);
    const value = async (counter: typeof again.metrics.skipped) => (await counter.get()).values[0]?.value ?? 0;
    // 501 messages are on the topic: 500 stored rows and the poison message. The poison is skipped too when a
    // later message of its partition is stored, else dead-lettered again; either way nothing is inserted.
    const handled = async () => (await value(again.metrics.skipped)) + (await value(again.metrics.deadLettered));
    await waitFor(async () => ((await handled()) >= 501 ? true : undefined), 30_000, 'all 501 messages to be handled');
    await again.stop();
    expect(await handled()).toBe(501);
    expect(await value(again.metrics.skipped)).toBeGreaterThanOrEqual(500);
    expect(await value(again.metrics.rows)).toBe(0);
    expect(await countEvents(warehouse.client, site)).toBe(500);
  });

  it('drops an event written twice by a producer retry (same id, two offsets)', async () => {
    const twice = enrichedEvent({ siteId: `dup-${site}`, visitorId: '7', timestamp: Date.now(), pathname: '/twice' });
    const message = { key: `dup-${site}:7`, value: JSON.stringify(twice) };
    const producer = await log.producer();
    await producer.send(topics.events, [message]);
    await producer.send(topics.events, [
      message,
      { ...message, value: JSON.stringify({ ...twice, eventId: randomUUID() }) },
    ]);
    const worker = await start();
    await waitFor(
      async () => ((await countEvents(warehouse.client, `dup-${site}`)) >= 2 ? true : undefined),
      30_000,
      'two rows',
    );
    const duplicates = async () => (await worker.metrics.duplicates.get()).values[0]?.value ?? 0;
    await waitFor(async () => ((await duplicates()) >= 1 ? true : undefined), 10_000, 'the duplicate to be seen');
    await worker.stop();
    expect(await countEvents(warehouse.client, `dup-${site}`)).toBe(2);
    expect(await duplicates()).toBe(1);
  });

  it('writes a batch that spans two months as one insert per month, so no insert splits into parts', async () => {
    const monthSite = `months-${site}`;
    const at = (iso: string) => Date.parse(iso);
    const stamps = [
      '2026-01-31T23:59:58Z',
      '2026-01-31T23:59:59Z',
      '2026-02-01T00:00:01Z',
      '2026-02-01T00:00:02Z',
      '2026-01-31T23:59:57Z',
    ];
    const producer = await log.producer();
    // One key, one partition: the five arrive in one fetch, in this order.
    await producer.send(
      topics.events,
      stamps.map((iso, i) => ({
        key: `${monthSite}:5`,
        value: JSON.stringify(
          enrichedEvent({ siteId: monthSite, visitorId: '5', timestamp: at(iso), pathname: `/m${i}` }),
        ),
      })),
    );
    const worker = await start(`months-${id}`);
    await waitFor(
      async () => ((await countEvents(warehouse.client, monthSite)) === 5 ? true : undefined),
      30_000,
      'five rows',
    );
    const inserts =
      (await worker.metrics.insertSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    // Every cut batch left messages behind; once the worker has handled everything, each partition's lag reads 0.
    const lagValues = async () => (await worker.metrics.lag.get()).values.map((v) => v.value);
    await waitFor(
      async () => ((await lagValues()).length > 0 && (await lagValues()).every((v) => v === 0) ? true : undefined),
      30_000,
      'partition lag of zero',
    );
    await worker.stop();
    // January, February, January again: at least three inserts, never one that mixes months.
    expect(inserts).toBeGreaterThanOrEqual(3);
    const perMonth = await warehouse.client.query({
      query: `SELECT toYYYYMM(timestamp) AS month, count() AS n FROM events WHERE site_id = {site:String} GROUP BY month ORDER BY month`,
      query_params: { site: monthSite },
      format: 'JSONEachRow',
    });
    expect(await perMonth.json()).toEqual([
      { month: 202601, n: 3 },
      { month: 202602, n: 2 },
    ]);
  });

  it('keeps the events of one message in their order, and dead-letters a bad line of it alone', async () => {
    const packedSite = `packed-${site}`;
    const now = Date.now();
    // One timestamp for all: only the order within the message can tell entry from exit.
    const visit = (pathname: string) => enrichedEvent({ siteId: packedSite, visitorId: '9', timestamp: now, pathname });
    const lines = encodeEventMessage([visit('/entry'), visit('/middle'), visit('/exit')]).split('\n');
    lines.splice(1, 0, '{"v":1,"eventId":"bad"}');
    const producer = await log.producer();
    await producer.send(topics.events, [{ key: `${packedSite}:9`, value: lines.join('\n') }]);
    const worker = await start(`packed-${id}`);
    await waitFor(
      async () => ((await countEvents(warehouse.client, packedSite)) === 3 ? true : undefined),
      30_000,
      'three rows',
    );
    await worker.stop();
    const rows = await warehouse.client.query({
      query: `SELECT pathname, _index AS index FROM events WHERE site_id = {site:String} ORDER BY _index`,
      query_params: { site: packedSite },
      format: 'JSONEachRow',
    });
    expect(await rows.json()).toEqual([
      { pathname: '/entry', index: 0 },
      { pathname: '/middle', index: 2 },
      { pathname: '/exit', index: 3 },
    ]);
    const sessions = await warehouse.client.query({
      query: `SELECT argMinMerge(entry_page) AS entry, argMaxMerge(exit_page) AS exit, sum(pageviews) AS pageviews
              FROM sessions WHERE site_id = {site:String}`,
      query_params: { site: packedSite },
      format: 'JSONEachRow',
    });
    expect(await sessions.json()).toEqual([{ entry: '/entry', exit: '/exit', pageviews: 3 }]);

    const badLine = (all: DeadLetter[]) => all.find((l) => l.payload === '{"v":1,"eventId":"bad"}');
    const letters = await deadLetters(`dlq-packed-${id}`, (all) => !!badLine(all), 'the dead letter of the bad line');
    const letter = badLine(letters);
    expect(letter?.source).toMatchObject({ topic: topics.events, index: 1 });
  });

  it('dead-letters rows the warehouse refuses with its message, stores the rest, and the partition moves on', async () => {
    const refusedSite = `refused-${site}`;
    // A constraint makes ClickHouse itself refuse some rows (VIOLATED_CONSTRAINT), as it refuses unparsable ones.
    await warehouse.client.command({
      query: `ALTER TABLE events ADD CONSTRAINT no_poison_${id} CHECK pathname != '/poison-${id}'`,
    });
    try {
      const visit = (pathname: string, visitorId = '3') =>
        enrichedEvent({ siteId: refusedSite, visitorId, timestamp: Date.now(), pathname });
      const producer = await log.producer();
      // One visitor, one partition: a message of four events with a refused one inside, then single events.
      await producer.send(topics.events, [
        {
          key: `${refusedSite}:3`,
          value: encodeEventMessage([visit('/a'), visit(`/poison-${id}`), visit('/b'), visit('/c')]),
        },
        ...Array.from({ length: 20 }, (_, i) => ({
          key: `${refusedSite}:3`,
          value: JSON.stringify(visit(i === 7 ? `/poison-${id}` : `/after-${i}`)),
        })),
      ]);
      const worker = await start(`refused-${id}`);
      await waitFor(
        async () => ((await countEvents(warehouse.client, refusedSite)) === 22 ? true : undefined),
        30_000,
        '22 stored rows',
      );
      const refused = async () => (await worker.metrics.refused.get()).values[0]?.value ?? 0;
      await waitFor(async () => ((await refused()) === 2 ? true : undefined), 10_000, 'two refused rows');
      // The partition moved on: events sent afterwards are stored too.
      await producer.send(topics.events, [{ key: `${refusedSite}:3`, value: JSON.stringify(visit('/later')) }]);
      await waitFor(
        async () => ((await countEvents(warehouse.client, refusedSite)) === 23 ? true : undefined),
        30_000,
        'the later event',
      );
      expect(worker.health().status).toBe('ok');
      await worker.stop();

      const ofPoison = (all: DeadLetter[]) => all.filter((l) => l.payload.includes(`/poison-${id}`));
      const letters = ofPoison(
        await deadLetters(`dlq-refused-${id}`, (all) => ofPoison(all).length === 2, 'two dead letters'),
      );
      for (const letter of letters) {
        expect(letter.stage).toBe('ingest');
        expect(letter.reason).toMatch(/^refused by the warehouse \(code 469\): .*no_poison/);
      }
      expect(letters.map((l) => l.source?.index ?? 0).sort()).toEqual([0, 1]);
    } finally {
      await warehouse.client.command({ query: `ALTER TABLE events DROP CONSTRAINT no_poison_${id}` });
    }
  });

  it('reports a partition that cannot store as stalled, for as long as it cannot, then catches up', async () => {
    const stallSite = `stall-${site}`;
    // ClickHouse's own backpressure: over parts_to_throw_insert an insert fails with TOO_MANY_PARTS, a retriable error.
    await warehouse.client.command({ query: 'ALTER TABLE events MODIFY SETTING parts_to_throw_insert = 1' });
    const worker = await startIngestWorker({
      log,
      warehouse,
      topics,
      groupId: `stall-${id}`,
      sessionTimeoutMinutes: 30,
      logger,
      stallAfterMs: 1500,
    });
    try {
      const producer = await log.producer();
      await producer.send(
        topics.events,
        events(5, 0).map((m) => ({ ...m, value: m.value.replaceAll(site, stallSite) })),
      );
      const stalled = await waitFor(
        async () => {
          const health = worker.health();
          return health.status === 'stalled' ? health : undefined;
        },
        30_000,
        'health to report the stall',
      );
      expect(stalled.stalled[0]).toMatchObject({ topic: expect.any(String), stalledMs: expect.any(Number) });
      expect(await countEvents(warehouse.client, stallSite)).toBe(0);
    } finally {
      await warehouse.client.command({ query: 'ALTER TABLE events RESET SETTING parts_to_throw_insert' });
    }
    await waitFor(
      async () => ((await countEvents(warehouse.client, stallSite)) === 5 ? true : undefined),
      60_000,
      'the five rows once inserts pass again',
    );
    await waitFor(async () => (worker.health().status === 'ok' ? true : undefined), 20_000, 'health back to ok');
    await worker.stop();
  });
});
