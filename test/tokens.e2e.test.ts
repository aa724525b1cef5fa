import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';

let pipeline: RunningPipeline;

beforeAll(async () => {
  pipeline = await startPipeline();
  await registerSite(pipeline, 'mine.example', 'UTC');
  await registerSite(pipeline, 'theirs.example', 'UTC');
});
afterAll(async () => pipeline?.stop());

const call = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${pipeline.webUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
const query = (token: string, site: string) =>
  call('/api/v2/query', token, {
    method: 'POST',
    body: JSON.stringify({ site_id: site, metrics: ['visitors'], date_range: '7d' }),
  });

describe('API tokens', () => {
  it('are created by the admin, scoped to sites, rate limited, listed without secrets, and revoked', async () => {
    const created = await call('/api/v1/tokens', pipeline.token, {
      method: 'POST',
      body: JSON.stringify({ name: 'reporting', sites: ['mine.example'], rate_limit_per_minute: 5 }),
    });
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: string; token: string; sites: string[] };
    expect(token.token).toMatch(/^tern_/);
    expect(token.sites).toEqual(['mine.example']);

    expect((await query(token.token, 'mine.example')).status).toBe(200);
    const other = await query(token.token, 'theirs.example');
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { field: string } }).error.field).toBe('site_id');
    const sites = (await (await call('/api/v1/sites', token.token)).json()) as { sites: { domain: string }[] };
    expect(sites.sites.map((s) => s.domain)).toEqual(['mine.example']);
    // Admin-only routes refuse it.
    expect((await call('/api/v1/tokens', token.token)).status).toBe(403);

    // 5 a minute, every request counted (refused ones too): four used above, one more passes, then 429.
    expect((await query(token.token, 'mine.example')).status).toBe(200);
    const limited = await query(token.token, 'mine.example');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const listed = (await (await call('/api/v1/tokens', pipeline.token)).json()) as { tokens: object[] };
    expect(JSON.stringify(listed)).not.toContain(token.token);
    expect(listed.tokens).toContainEqual(expect.objectContaining({ id: token.id, name: 'reporting' }));

    expect((await call(`/api/v1/tokens/${token.id}`, pipeline.token, { method: 'DELETE' })).status).toBe(204);
    expect((await query(token.token, 'mine.example')).status).toBe(401);
  });

  it('refuses a made-up token and a token for an unknown site', async () => {
    expect((await query('tern_not-a-token', 'mine.example')).status).toBe(401);
    const bad = await call('/api/v1/tokens', pipeline.token, {
      method: 'POST',
      body: JSON.stringify({ name: 'x', sites: ['nowhere.example'] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('sites');
  });

  it('count each query of a batch against the limit; a batch answers in order, a bad query in its place', async () => {
    const created = await call('/api/v1/tokens', pipeline.token, {
      method: 'POST',
      body: JSON.stringify({ name: 'batches', sites: ['mine.example'], rate_limit_per_minute: 5 }),
    });
    const { token } = (await created.json()) as { token: string };
    const batch = (bearer: string, queries: object[]) =>
      call('/api/v2/query/batch', bearer, { method: 'POST', body: JSON.stringify({ queries }) });
    const breakdown = (dimension: string) => ({
      site_id: 'mine.example',
      metrics: ['visitors'],
      date_range: '7d',
      dimensions: [dimension],
    });

    const answered = await batch(token, [
      breakdown('visit:source'),
      breakdown('event:page'),
      { site_id: 'mine.example', metrics: ['percentage'], date_range: '7d' },
    ]);
    expect(answered.status).toBe(200);
    const { results } = (await answered.json()) as { results: Array<{ results?: unknown[]; error?: object }> };
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ results: [], query: { dimensions: ['visit:source'] } });
    expect(results[1]).toMatchObject({ results: [], query: { dimensions: ['event:page'] } });
    expect(results[2]).toMatchObject({ error: { code: 'invalid_query', field: 'queries.2.metrics' } });
    // Three of five used: a batch of three more is refused.
    expect((await batch(token, [breakdown('visit:os'), breakdown('visit:os'), breakdown('visit:os')])).status).toBe(
      429,
    );

    const mixed = await batch(pipeline.token, [
      breakdown('visit:os'),
      { ...breakdown('visit:os'), site_id: 'theirs.example' },
    ]);
    expect(mixed.status).toBe(400);
    expect(((await mixed.json()) as { error: { field: string } }).error.field).toBe('queries');
    const malformed = await batch(pipeline.token, [{ ...breakdown('visit:os'), metrics: ['nonsense'] }]);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { field: string } }).error.field).toBe('queries.0.metrics.0');
    expect((await batch('tern_not-a-token', [breakdown('visit:os')])).status).toBe(401);
  });
});
