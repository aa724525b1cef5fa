import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomId, waitFor } from './helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';

const modes: Array<[string, () => { kafkaBrokers?: string }]> = [
  ['embedded log + chDB', () => ({})],
  ['Kafka + chDB', () => ({ kafkaBrokers: inject('kafkaBrokers') })],
];

/** Ten browsers (one user agent each, all from 127.0.0.1): ten visitors for the collector's hash. */
const userAgents = Array.from(
  { length: 10 },
  (_, i) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/13${i}.0.0.0 Safari/537.36`,
);

describe.each(modes)('pipeline end to end: %s', (_mode, options) => {
  let pipeline: RunningPipeline;
  const site = `e2e-${randomId()}.example`;
  const api = (path: string, body?: unknown, token = pipeline.token) =>
    fetch(`${pipeline.webUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const query = async (body: object) => {
    const response = await api('/api/v2/query', { site_id: site, date_range: 'day', ...body });
    return {
      status: response.status,
      body: (await response.json()) as { results: Array<{ metrics: number[]; dimensions: string[] }> },
    };
  };

  beforeAll(async () => {
    pipeline = await startPipeline(options());
  }, 180_000);
  afterAll(async () => pipeline?.stop());

  it('requires the token and registers the site', async () => {
    expect((await api('/api/v1/sites', { domain: site }, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await fetch(`${pipeline.webUrl}/api/v2/query`, { method: 'POST', body: '{}' })).status).toBe(401);
    const created = await registerSite(pipeline, site, 'Europe/Berlin');
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ domain: site, timezone: 'Europe/Berlin' });
  });

  it('counts exactly what the collector accepted, within seconds', async () => {
    const pages = ['/', '/pricing', '/blog/hello'];
    let accepted = 0;
    const started = Date.now();
    for (let request = 0; request < 50; request++) {
      const events: Array<Record<string, string>> = Array.from({ length: 20 }, (_, i) => ({
        type: 'pageview',
        url: `https://${site}${pages[(request * 20 + i) % 3]}`,
        referrer: request % 2 === 0 ? 'https://www.google.com/' : '',
      }));
      if (request < 5) events.push({ type: 'custom', name: 'signup', url: `https://${site}/pricing`, referrer: '' });
      const response = await fetch(`${pipeline.collectorUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': userAgents[request % 10] as string },
        body: JSON.stringify({ site, events }),
      });
      expect(response.status).toBe(202);
      accepted += ((await response.json()) as { accepted: number }).accepted;
    }
    expect(accepted).toBe(1005);
    // Invalid input on the way must change nothing.
    const garbage = await fetch(`${pipeline.collectorUrl}/v1/events`, { method: 'POST', body: 'not json' });
    expect(garbage.status).toBe(400);

    const headline = await waitFor(
      async () => {
        const { body } = await query({ metrics: ['pageviews', 'events', 'visitors', 'visits'] });
        return body.results[0]?.metrics[0] === 1000 ? body.results[0].metrics : undefined;
      },
      15_000,
      '1,000 pageviews in the query API',
    );
    const elapsed = Date.now() - started;
    expect(headline).toEqual([1000, 1005, 10, 10]);
    expect(elapsed).toBeLessThan(15_000);

    const byPage = await query({
      metrics: ['pageviews'],
      dimensions: ['event:page'],
      order_by: [['event:page', 'asc']],
    });
    expect(byPage.body.results).toEqual([
      { dimensions: ['/'], metrics: [334] },
      { dimensions: ['/blog/hello'], metrics: [333] },
      { dimensions: ['/pricing'], metrics: [333] },
    ]);
    // Ten sessions of 100 page views each (five requests, seconds apart): no bounces.
    const sessions = await waitFor(
      async () => {
        const { body } = await query({ metrics: ['visits', 'bounce_rate', 'views_per_visit'] });
        return body.results[0]?.metrics[2] === 100 ? body.results[0].metrics : undefined;
      },
      10_000,
      'session metrics',
    );
    expect(sessions).toEqual([10, 0, 100]);
    const byName = await query({ metrics: ['events'], dimensions: ['event:name'] });
    expect(byName.body.results).toEqual([
      { dimensions: ['pageview'], metrics: [1000] },
      { dimensions: ['signup'], metrics: [5] },
    ]);
    // A visitor's session takes its source from its first request: Google for even user agents (their first
    // request number is even), none for odd ones; later referrers do not change it.
    const bySource = await query({ metrics: ['visitors', 'pageviews'], dimensions: ['visit:source'] });
    expect(bySource.body.results).toEqual([
      { dimensions: ['Direct / None'], metrics: [5, 500] },
      { dimensions: ['Google'], metrics: [5, 500] },
    ]);
  });

  it('logs the dashboard in with the token: relative redirect, signed HTTP-only cookie', async () => {
    const login = (token: string) =>
      fetch(`${pipeline.webUrl}/api/v1/session`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ token, next: `/sites/${site}` }),
      });
    const ok = await login(pipeline.token);
    expect(ok.status).toBe(303);
    // Relative: the server binds 0.0.0.0 in production, and an absolute URL would name that host.
    expect(ok.headers.get('location')).toBe(`/sites/${site}`);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tern_session=\d+\.[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    const page = await fetch(`${pipeline.webUrl}/sites/${site}`, {
      headers: { cookie: cookie.split(';')[0] ?? '' },
      redirect: 'manual',
    });
    expect(page.status).toBe(200);
    const denied = await login('not-the-token-not-the-token');
    expect(denied.headers.get('location')).toMatch(/^\/login\?error=1/);
    expect((await fetch(`${pipeline.webUrl}/sites/${site}`, { redirect: 'manual' })).status).toBe(307);
  });

  it('answers malformed queries with 400 naming the field', async () => {
    const badMetric = await query({ metrics: ['nope'] });
    expect(badMetric.status).toBe(400);
    expect(badMetric.body).toMatchObject({ error: { field: 'metrics.0' } });
    const unknownSite = await api('/api/v2/query', {
      site_id: 'nobody.example',
      metrics: ['visitors'],
      date_range: 'day',
    });
    expect(unknownSite.status).toBe(404);
  });
});
