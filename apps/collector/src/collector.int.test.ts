import { botEventSchema, decodeEventMessage, type EnrichedEvent, partitionKey } from '@tern/events';
import type { KafkaLog, StreamMessage } from '@tern/stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isolatedCollectorEnv, startIsolatedCollector } from '../../../test/control-plane.ts';
import { BROWSER_UA, randomId, waitFor } from '../../../test/helpers.ts';
import type { RunningCollector } from './collector.ts';
import { OFF_HEAP_MIN_CHARS } from './delivery/group-commit.ts';

const id = randomId();
const site = `site-${id}.example`;
// Through an intake thread: the other collector tests run the default, preparing on the HTTP thread.
const env = isolatedCollectorEnv(inject('kafkaBrokers'), id, {
  EVENTS_PARTITIONS: '3',
  TRUSTED_PROXIES: '127.0.0.1',
  COLLECTOR_INTAKE_THREADS: '1',
});
let admin: KafkaLog;
let collector: RunningCollector;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ admin, collector, stop } = await startIsolatedCollector(env, [site]));
});
afterAll(async () => stop?.());

const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${collector.url}/v1/events`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, ...headers },
  });
const batch = (events: unknown[], forSite = site) => JSON.stringify({ site: forSite, events });
/** A message's events; a line that is not a valid event fails the test. */
const eventsOf = (message: string): EnrichedEvent[] =>
  decodeEventMessage(message).map((line) => {
    if (!line.ok) throw new Error(line.reason);
    return line.value;
  });
const pageview = (path: string) => ({
  type: 'pageview',
  url: `https://${site}${path}`,
  referrer: 'https://news.ycombinator.com/',
});

describe('collector on Kafka', () => {
  it('refuses what is not JSON, has wrong types or is too big, with a JSON reason', async () => {
    const notJson = await post('{"site": ');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'invalid_json' } });

    const wrongTypes = await post(JSON.stringify({ site: 42, events: 'many' }));
    expect(wrongTypes.status).toBe(400);
    expect(await wrongTypes.json()).toMatchObject({ error: { code: 'invalid_batch', field: 'site' } });

    const allInvalid = await post(batch([{ type: 'pageview', url: 7 }]));
    expect(allInvalid.status).toBe(400);
    expect(await allInvalid.json()).toMatchObject({ error: { code: 'invalid_events', field: 'url' } });

    const huge = await post(batch([{ ...pageview('/'), title: 'x'.repeat(2 * 1024 * 1024) }]));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'body_too_large' } });
    // Without a length up front (chunked), the body is cut off once it passes the limit.
    const chunks = async function* () {
      for (let i = 0; i < 40; i++) yield new TextEncoder().encode('x'.repeat(64 * 1024));
    };
    const streamed = await fetch(`${collector.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'body_too_large' } });

    const wrongType = await post('{}', { 'content-type': 'application/xml' });
    expect(wrongType.status).toBe(415);
  });

  it('answers 202 but keeps nothing for unknown sites and bots', async () => {
    const unknown = await post(batch([pageview('/')], 'not-registered.example'));
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual({ accepted: 0, rejected: [], dropped: { count: 1, reason: 'unknown_site' } });
    const bot = await post(batch([pageview('/')]), { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' });
    expect(await bot.json()).toMatchObject({ accepted: 0, dropped: { reason: 'bot' } });
  });

  it('keeps the valid events of a mixed batch, reports the rest by index, and answers CORS', async () => {
    const preflight = await fetch(`${collector.url}/v1/events`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');

    const response = await post(
      batch([
        pageview('/a'),
        { type: 'pageview', url: 'javascript:alert(1)' },
        { type: 'custom', url: `https://${site}/b` },
        pageview('/c'),
      ]),
      { 'content-type': 'application/json' },
    );
    expect(response.status).toBe(202);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.json()).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, field: 'url', reason: 'not an absolute http(s) URL' },
        { index: 2, field: 'name', reason: 'custom events need a name' },
      ],
    });
  });

  it('writes exactly the accepted events, enriched and without the IP, to the events topic', async () => {
    const custom = {
      type: 'custom',
      name: 'signup',
      url: `https://${site}/join?utm_source=newsletter`,
      props: { plan: 'pro', seats: 3 },
    };
    expect((await post(batch([custom]))).status).toBe(202);

    const seen: StreamMessage[] = [];
    const consumer = admin.consumer({ groupId: `read-${id}`, topics: [env.TOPIC_EVENTS], fromBeginning: true });
    await consumer.run(async (b) => {
      seen.push(...b.messages);
    });
    // A request's events travel as one message: /a and /c (the mixed batch above), then /join.
    await waitFor(async () => (seen.length >= 2 ? true : undefined), 20_000, 'two messages on the topic');
    await consumer.stop();
    expect(seen).toHaveLength(2);
    const events = seen.flatMap((m) => eventsOf(m.value?.toString() ?? ''));
    expect(events.map((e) => e.pathname)).toEqual(['/a', '/c', '/join']);
    const signup = events.find((e) => e.name === 'signup');
    expect(signup).toMatchObject({
      type: 'custom',
      utmSource: 'newsletter',
      source: 'newsletter',
      props: { plan: 'pro', seats: '3' },
    });
    expect(events.find((e) => e.pathname === '/a')).toMatchObject({
      source: 'Hacker News',
      browser: 'Chrome',
      os: 'macOS',
      device: 'desktop',
    });
    for (const message of seen) {
      expect(message.key).toBe(partitionKey(events[0] as EnrichedEvent));
      expect(message.value?.toString()).not.toContain('127.0.0.1');
      expect(message.value?.toString()).not.toContain(BROWSER_UA);
    }
  });

  it('serves the tracker, health, readiness and Prometheus metrics', async () => {
    const script = await fetch(`${collector.url}/t.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    const full = await script.text();
    expect(full).toContain('Outbound Link: Click');
    const core = await (await fetch(`${collector.url}/t.core.js`)).text();
    expect(core.length).toBeGreaterThan(100);
    expect(core.length).toBeLessThan(full.length);
    const gzipped = await fetch(`${collector.url}/t.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${collector.url}/readyz`)).json()).toEqual({ ready: true, sites: 1, log: 'kafka' });
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/tern_collector_events_accepted_total 3/);
    expect(metrics).toMatch(/tern_collector_events_dropped_total\{reason="unknown_site"\} 1/);
    // Every answered request is timed once, by route.
    expect(metrics).toMatch(/tern_collector_request_seconds_count\{route="GET \/t\.js"\} 2$/m);
    const answered = [
      ...metrics.matchAll(/^tern_collector_requests_total\{route="POST \/v1\/events",status="\d+"\} (\d+)$/gm),
    ];
    const timed = /^tern_collector_request_seconds_count\{route="POST \/v1\/events"\} (\d+)$/m.exec(metrics);
    expect(answered.length).toBeGreaterThan(1);
    expect(Number(timed?.[1])).toBe(answered.reduce((sum, [, count]) => sum + Number(count), 0));
  });

  it('writes a batch too long to merge, which leaves the intake thread as bytes, whole and in order', async () => {
    const title = 'Grüße — 📈 launch week';
    const events = Array.from({ length: 20 }, (_, i) => ({ ...pageview(`/long/${i}`), title }));
    expect((await post(batch(events))).status).toBe(202);

    const messages: EnrichedEvent[][] = [];
    const consumer = admin.consumer({ groupId: `read-long-${id}`, topics: [env.TOPIC_EVENTS], fromBeginning: true });
    await consumer.run(async (b) => {
      for (const message of b.messages) {
        const text = message.value?.toString('utf8') ?? '';
        if (!text.includes('/long/')) continue;
        // Past the committer's bound for merging, and so sent as bytes by the intake thread.
        expect(text.length).toBeGreaterThan(OFF_HEAP_MIN_CHARS);
        messages.push(eventsOf(text));
      }
    });
    await waitFor(async () => (messages.length > 0 ? true : undefined), 20_000, 'the long batch on the topic');
    await consumer.stop();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.map((e) => e.pathname)).toEqual(events.map((_, i) => `/long/${i}`));
    expect(new Set(messages[0]?.map((e) => e.title))).toEqual(new Set([title]));
  });
});

describe("collector: Plausible's Events API and bots", () => {
  it('accepts the official tracker payload and the long form on /api/event', async () => {
    const short = await fetch(`${collector.url}/api/event`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
      body: JSON.stringify({
        n: 'Plausible Signup',
        v: 36,
        u: `https://${site}/compat`,
        d: site,
        r: null,
        p: { plan: 'pro' },
      }),
    });
    expect(short.status).toBe(202);
    expect(await short.json()).toEqual({ accepted: 1 });
    const long = await fetch(`${collector.url}/api/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
      body: JSON.stringify({
        name: 'pageview',
        url: `https://${site}/compat-long`,
        domain: site,
        referrer: 'https://duckduckgo.com/',
      }),
    });
    expect(long.status).toBe(202);
    const broken = await fetch(`${collector.url}/api/event`, {
      method: 'POST',
      body: JSON.stringify({ n: 'pageview', d: site }),
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { field: 'url' } });
  });

  it('sends bots to the bots topic with the reason, and counts them by reason', async () => {
    const headless =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36';
    const response = await post(batch([pageview('/bot-page'), pageview('/bot-page-2')]), { 'user-agent': headless });
    expect(await response.json()).toMatchObject({ accepted: 0, dropped: { count: 2, reason: 'bot' } });
    // A browser's user agent from a Hetzner address (behind the trusted proxy): a server, not a visitor.
    const fromServer = await post(batch([pageview('/from-a-server')]), { 'x-forwarded-for': '2.28.1.1' });
    expect(await fromServer.json()).toMatchObject({ accepted: 0, dropped: { count: 1, reason: 'bot' } });
    const fromHome = await post(batch([pageview('/from-home')]), { 'x-forwarded-for': '2.58.100.20' });
    expect(await fromHome.json()).toMatchObject({ accepted: 1 });
    const seen: StreamMessage[] = [];
    const consumer = admin.consumer({ groupId: `bots-${id}`, topics: [`bots-${id}`], fromBeginning: true });
    await consumer.run(async (b) => {
      seen.push(...b.messages);
    });
    await waitFor(async () => (seen.length >= 3 ? true : undefined), 20_000, 'three bot records');
    await consumer.stop();
    const bots = seen.map((m) => botEventSchema.parse(JSON.parse(m.value?.toString() ?? '')));
    expect(bots.map((b) => b.reason).sort()).toEqual(['datacenter', 'headless', 'user_agent']);
    expect(bots.find((b) => b.reason === 'datacenter')).toMatchObject({ pathname: '/from-a-server', events: 1 });
    expect(JSON.stringify(bots)).not.toContain('2.28.1.1');
    expect(bots.find((b) => b.reason === 'headless')).toMatchObject({ siteId: site, pathname: '/bot-page', events: 2 });
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/tern_collector_events_dropped_total\{reason="bot_headless"\} 2/);
    expect(metrics).toMatch(/tern_collector_events_dropped_total\{reason="bot_user_agent"\} 1/);
    expect(metrics).toMatch(/tern_collector_events_dropped_total\{reason="bot_datacenter"\} 1/);
  });
});
