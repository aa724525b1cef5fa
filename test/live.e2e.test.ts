import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BROWSER_UA } from './helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';

interface Feed {
  events: Array<{ at: number; pathname: string; visitorId?: unknown }>;
  ready: Promise<void>;
  close(): void;
}

let pipeline: RunningPipeline;
const SITE = 'feed.example';

/** Reads the live feed in the background, stamping each event with the time it arrived. */
async function openFeed(): Promise<Feed> {
  const controller = new AbortController();
  const response = await fetch(`${pipeline.webUrl}/api/v1/live?site_id=${SITE}`, {
    headers: { authorization: `Bearer ${pipeline.token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Feed['events'] = [];
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  void (async () => {
    let text = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += decoder.decode(value, { stream: true });
      let end = text.indexOf('\n\n');
      while (end >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        if (block.includes('event: ready')) onReady();
        const data = /event: events\ndata: (.*)/.exec(block)?.[1];
        if (data) for (const e of JSON.parse(data)) events.push({ ...e, at: Date.now() });
        end = text.indexOf('\n\n');
      }
    }
  })();
  return { events, ready, close: () => controller.abort() };
}

/** Posts one page view and returns when the collector answered 202. */
async function pageview(path: string): Promise<number> {
  const response = await fetch(`${pipeline.collectorUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
    body: JSON.stringify({ site: SITE, events: [{ type: 'pageview', url: `https://${SITE}${path}` }] }),
  });
  expect(response.status).toBe(202);
  return Date.now();
}

// The feed is a consumer group of its own on the events topic, here on Kafka; the dashboard test sees it work on the
// embedded log of `npm start`.
describe('GET /api/v1/live', () => {
  beforeAll(async () => {
    pipeline = await startPipeline({ kafkaBrokers: inject('kafkaBrokers') });
    await registerSite(pipeline, SITE, 'UTC');
  });
  afterAll(async () => pipeline?.stop());

  it('pushes each accepted event within a second of the 202, without visitor ids, despite a stalled browser', async () => {
    const fast = await openFeed();
    await fast.ready;
    // A second browser that stops reading after the first message.
    const stalled = await fetch(`${pipeline.webUrl}/api/v1/live?site_id=${SITE}`, {
      headers: { authorization: `Bearer ${pipeline.token}` },
    });
    const stalledReader = (stalled.body as ReadableStream<Uint8Array>).getReader();
    await stalledReader.read();

    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const path = `/live-${i}`;
      const accepted = await pageview(path);
      const started = Date.now();
      while (!fast.events.some((e) => e.pathname === path) && Date.now() - started < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const arrived = fast.events.find((e) => e.pathname === path);
      expect(arrived, `event ${path} on the feed`).toBeDefined();
      latencies.push((arrived?.at ?? Number.POSITIVE_INFINITY) - accepted);
    }
    fast.close();
    await stalledReader.cancel();
    console.log(`live feed latency after the 202, ms: ${latencies.join(', ')}`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(fast.events.every((e) => e.visitorId === undefined)).toBe(true);
  });

  it('needs a token, and a site in its scope', async () => {
    expect((await fetch(`${pipeline.webUrl}/api/v1/live?site_id=${SITE}`)).status).toBe(401);
    const unknown = await fetch(`${pipeline.webUrl}/api/v1/live?site_id=nope.example`, {
      headers: { authorization: `Bearer ${pipeline.token}` },
    });
    expect(unknown.status).toBe(404);
  });
});
