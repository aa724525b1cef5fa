import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA, waitFor } from './helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';

interface Realtime {
  current_visitors: number;
  minutes: { minute: string; visitors: number; pageviews: number; events: number }[];
}

let pipeline: RunningPipeline;
const SITE = 'live.example';

beforeAll(async () => {
  pipeline = await startPipeline();
  await registerSite(pipeline, SITE, 'UTC');
});
afterAll(async () => pipeline?.stop());

/** Two visitors (two browsers on one address), three page views between them. */
async function visit() {
  const agents = [BROWSER_UA, BROWSER_UA.replace('Chrome/130', 'Chrome/131')];
  for (const [i, agent] of [0, 0, 1].map((a) => agents[a] as string).entries()) {
    const response = await fetch(`${pipeline.collectorUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': agent },
      body: JSON.stringify({ site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/p${i}` }] }),
    });
    expect(response.status).toBe(202);
  }
}

const headers = () => ({ authorization: `Bearer ${pipeline.token}` });

describe('GET /api/v1/realtime', () => {
  it('counts current visitors and page views per minute, zero-filling quiet minutes', async () => {
    await visit();
    const live = await waitFor(
      async () => {
        const response = await fetch(`${pipeline.webUrl}/api/v1/realtime?site_id=${SITE}`, { headers: headers() });
        const body = (await response.json()) as Realtime;
        // Each visitor's events may sit on a partition of its own, so the visitors can show before all page views do.
        const pageviews = body.minutes.reduce((sum, m) => sum + m.pageviews, 0);
        return body.current_visitors === 2 && pageviews >= 3 ? body : undefined;
      },
      30_000,
      'two current visitors and their three page views',
    );
    expect(live.minutes.length).toBeGreaterThanOrEqual(30);
    expect(live.minutes.reduce((sum, m) => sum + m.pageviews, 0)).toBe(3);
    expect(live.minutes.filter((m) => m.pageviews === 0).length).toBeGreaterThanOrEqual(28);
  });

  it('streams an update at least every 5 seconds over Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${pipeline.webUrl}/api/v1/realtime?site_id=${SITE}`, {
      headers: { ...headers(), accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const updates: { at: number; data: Realtime }[] = [];
    let text = '';
    const started = Date.now();
    while (updates.length < 2 && Date.now() - started < 15_000) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      for (const match of text.matchAll(/event: realtime\ndata: (.*)\n\n/g)) {
        updates.push({ at: Date.now(), data: JSON.parse(match[1] as string) as Realtime });
      }
      text = text.slice(text.lastIndexOf('\n\n') + 2);
    }
    controller.abort();
    expect(updates).toHaveLength(2);
    expect(updates[0]?.data.current_visitors).toBe(2);
    expect((updates[1]?.at ?? 0) - (updates[0]?.at ?? 0)).toBeLessThan(7_000);
  });

  it('needs a token', async () => {
    const response = await fetch(`${pipeline.webUrl}/api/v1/realtime?site_id=${SITE}`);
    expect(response.status).toBe(401);
  });
});
