import { enrichedEventSchema } from '@tern/events';
import type { KafkaLog, StreamMessage } from '@tern/stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isolatedCollectorEnv, startIsolatedCollector } from '../../../test/control-plane.ts';
import { randomId, waitFor } from '../../../test/helpers.ts';
import type { RunningCollector } from './collector.ts';

/** How many malformed requests one run sends; bounded so that CI stays fast (FUZZ_RUNS overrides). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const id = randomId();
const site = `fuzz-${id}.example`;
// Malformed input crosses to an intake thread and back as an error answer (COLLECTOR_INTAKE_THREADS=1).
const env = isolatedCollectorEnv(inject('kafkaBrokers'), id, {
  COLLECTOR_INTAKE_THREADS: '1',
  RATE_LIMIT_IP_PER_SECOND: '0',
  RATE_LIMIT_SITE_EVENTS_PER_SECOND: '0',
});
let admin: KafkaLog;
let collector: RunningCollector;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ admin, collector, stop } = await startIsolatedCollector(env, [site]));
});
afterAll(async () => stop?.());

const validEvent = { type: 'pageview', url: `https://${site}/a`, referrer: 'https://www.google.com/', sw: 1280 };
/** A valid event with one field replaced by anything at all. */
const mutatedEvent = fc
  .tuple(fc.constantFrom(...Object.keys(validEvent), 'name', 'props', 'engagedMs', 'scroll', 'extra'), fc.anything())
  .map(([key, value]) => ({ ...validEvent, [key]: value }));
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    "'; DROP TABLE events; --",
    '\u0000\u0001',
    '\ud800',
    '%00',
    '../../etc/passwd',
    '<script>',
    'x'.repeat(5000),
  ),
);
const body = fc.oneof(
  hostileString,
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({ site: fc.oneof(fc.constant(site), hostileString), events: fc.array(mutatedEvent, { maxLength: 60 }) })
    .map((b) => JSON.stringify(b)),
  fc
    .array(fc.oneof(mutatedEvent, fc.constant(validEvent)), { minLength: 1, maxLength: 5 })
    .map((events) => JSON.stringify({ site, events })),
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
);
const request = fc.record({
  path: fc.constantFrom('/v1/events', '/api/event'),
  body,
  contentType: fc.option(
    fc.constantFrom(
      'text/plain',
      'application/json',
      'text/plain; charset=latin1',
      'application/xml',
      'multipart/form-data',
      '',
    ),
    {
      nil: undefined,
    },
  ),
  userAgent: fc.oneof(
    fc.constant(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    ),
    fc.string({ maxLength: 300 }),
  ),
  encoding: fc.option(fc.constantFrom('gzip', 'br', 'identity', 'bogus'), { nil: undefined }),
});

describe('collector fuzzing', () => {
  it(`answers ${RUNS} malformed requests with 202 or 4xx, stays up, and writes only valid events`, async () => {
    const samples = fc.sample(request, { numRuns: RUNS, seed: 20261126 });
    const statuses = new Map<number, number>();
    let accepted = 0;
    for (let i = 0; i < samples.length; i += 20) {
      await Promise.all(
        samples.slice(i, i + 20).map(async (r) => {
          const headers: Record<string, string> = { 'user-agent': r.userAgent.replace(/[^\t\x20-\x7e]/g, '') };
          if (r.contentType !== undefined) headers['content-type'] = r.contentType;
          if (r.encoding !== undefined) headers['content-encoding'] = r.encoding;
          const response = await fetch(`${collector.url}${r.path}`, { method: 'POST', headers, body: r.body });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const text = await response.text();
          if (response.status === 202) accepted += (JSON.parse(text) as { accepted: number }).accepted;
          else
            expect(JSON.parse(text)).toMatchObject({
              error: { code: expect.any(String), message: expect.any(String) },
            });
        }),
      );
    }
    console.log(
      `fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${accepted} events accepted`,
    );
    for (const status of statuses.keys()) expect([202, 400, 413, 415]).toContain(status);
    expect(accepted).toBeGreaterThan(0);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);

    const written: StreamMessage[] = [];
    const consumer = admin.consumer({ groupId: `read-${id}`, topics: [`events-${id}`], fromBeginning: true });
    await consumer.run(async (batch) => {
      written.push(...batch.messages);
    });
    // A message holds a request's events, one JSON line each.
    const lines = () => written.flatMap((message) => (message.value?.toString() ?? '').split('\n'));
    await waitFor(
      async () => (lines().length >= accepted ? true : undefined),
      30_000,
      `${accepted} events on the topic`,
    );
    await consumer.stop();
    expect(lines()).toHaveLength(accepted);
    const strict = enrichedEventSchema.strict();
    for (const line of lines()) strict.parse(JSON.parse(line));
  }, 180_000);
});
