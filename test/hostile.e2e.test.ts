import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { FIELD_DIMENSIONS, SUPPORTED_METRICS } from '@tern/warehouse';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA, randomId, waitFor } from './helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';

/**
 * Hostile input against the real stack as `npm start` runs it (the web app with its embedded warehouse and ingest,
 * and a collector): each finding of the hostile-input review, then generated input on every path (collector, import,
 * query API). After all of it, a normal event must still reach the query API within seconds, through the same
 * processes (no crash, no stall). FUZZ_SEED replays a run; the seed is printed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const site = `hostile-${randomId()}.example`;
let pipeline: RunningPipeline;

beforeAll(async () => {
  console.log(`hostile input: FUZZ_SEED=${SEED}`);
  // The collector's per-address limit would turn the generated requests into 429s: it is tested elsewhere.
  pipeline = await startPipeline({ env: { RATE_LIMIT_IP_PER_SECOND: '0', RATE_LIMIT_SITE_EVENTS_PER_SECOND: '0' } });
  await registerSite(pipeline, site, 'UTC');
}, 180_000);
afterAll(async () => pipeline?.stop());

interface Answer {
  status: number;
  headers: Headers;
  json: { error?: { code: string; message: string; field?: string } } & Record<string, unknown>;
  text: string;
}

async function call(path: string, init: RequestInit & { base?: string } = {}): Promise<Answer> {
  const response = await fetch(`${init.base ?? pipeline.webUrl}${path}`, {
    ...init,
    redirect: 'manual',
    headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await response.text();
  let json = {};
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, json, text };
}

const post = (path: string, body: unknown, base?: string) =>
  call(path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(base ? { base } : {}),
  });
const collect = (path: string, body: string) =>
  call(path, { method: 'POST', body, base: pipeline.collectorUrl, headers: { 'user-agent': BROWSER_UA } });
const query = (fields: Record<string, unknown>) =>
  post('/api/v2/query', { site_id: site, metrics: ['visitors'], date_range: '7d', ...fields });
const importLines = (lines: string[] | Buffer, siteId = site) =>
  call(`/api/v1/import?site_id=${siteId}`, {
    method: 'POST',
    body: Buffer.isBuffer(lines) ? lines : lines.join('\n'),
    headers: { 'content-type': 'application/x-ndjson' },
  });

/** A refusal in the API's one error shape, naming the field at fault. */
function expectRefusal(answer: Answer, status: number, field?: string | RegExp) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.json.error?.code).toEqual(expect.any(String));
  expect(answer.json.error?.message).toEqual(expect.any(String));
  if (field instanceof RegExp) expect(answer.json.error?.field).toMatch(field);
  else if (field) expect(answer.json.error?.field).toBe(field);
}

/** Rows of a breakdown of today's events, polled until `until` holds. */
async function breakdown(dimension: string, until: (rows: Map<string, number>) => boolean, filters: unknown[] = []) {
  return waitFor(
    async () => {
      const answer = await query({ metrics: ['events'], date_range: '24h', dimensions: [dimension], filters });
      const rows = new Map(
        ((answer.json.results ?? []) as { dimensions: string[]; metrics: number[] }[]).map((r) => [
          r.dimensions[0] ?? '',
          r.metrics[0] ?? 0,
        ]),
      );
      return until(rows) ? rows : undefined;
    },
    30_000,
    `${dimension} rows`,
  );
}

const nowLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ timestamp: Date.now() - 60_000, visitor_id: `v-${randomId()}`, pathname: '/imported', ...fields });

describe('findings of the hostile-input review, each through the running app', () => {
  it('1: refuses a query that would build millions of time buckets, naming the field and the limit', async () => {
    const everything = { dimensions: ['time:hour'], include: { time_labels: true } };
    expectRefusal(await query({ ...everything, date_range: ['0001-01-01', '9999-12-29'] }), 400, 'date_range.0');
    const decades = await query({ ...everything, date_range: ['1970-01-01', '2099-12-31'] });
    expectRefusal(decades, 400, 'dimensions');
    expect(decades.json.error?.message).toMatch(/at most 10,000/);
    const batch = await post('/api/v2/query/batch', {
      queries: [{ site_id: site, metrics: ['visitors'], date_range: ['1970-01-01', '2099-12-31'], ...everything }],
    });
    expect(batch.status).toBeLessThan(500);
    expect(JSON.stringify(batch.json)).toMatch(/at most 10,000/);
    const weeks = await query({
      dimensions: ['time:week'],
      include: { time_labels: true },
      date_range: ['2000-01-01', '2099-12-31'],
    });
    expect(weeks.status).toBe(200);
    expect((weeks.json.meta as { time_labels: string[] }).time_labels.length).toBeLessThanOrEqual(10_000);
    expect(pipeline.alive()).toBe(true);
  });

  it('2: stores lone surrogates as U+FFFD and cuts long names without splitting a character, on every path', async () => {
    // JSON escapes, as a browser's JSON.stringify writes a lone surrogate.
    const live = `{"site":"${site}","events":[{"type":"custom","name":"lone\\ud800","url":"https://${site}/s","props":{"k\\udfff":"v\\ud800"}}]}`;
    expect((await collect('/v1/events', live)).status).toBe(202);
    const longName = `${'p'.repeat(119)}\u{1F600}tail`;
    const plausible = JSON.stringify({ n: longName, u: `https://${site}/p`, d: site });
    expect((await collect('/api/event', plausible)).status).toBe(202);
    const imported = await importLines([
      nowLine({ type: 'custom', name: 'imported\ud800', title: 't\udc00', props: { 'k\ud800': 'v' } }),
    ]);
    expect(imported.status).toBe(200);
    expect(imported.json).toMatchObject({ imported: 1, rejected: 0 });
    const rows = await breakdown(
      'event:name',
      (r) => r.has('lone\ufffd') && r.has('p'.repeat(119)) && r.has('imported\ufffd'),
    );
    expect([...rows.keys()].every((name) => name.isWellFormed())).toBe(true);
    // A filter value with a lone surrogate is a value like any other.
    expect((await query({ filters: [['is', 'event:name', ['x\ud800']]] })).status).toBe(200);
  });

  it('3: refuses numbers and times that storage cannot hold, naming the field, on every path', async () => {
    const wide = JSON.stringify({ site, events: [{ type: 'pageview', url: `https://${site}/w`, sw: 70_000 }] });
    expectRefusal(await collect('/v1/events', wide), 400, 'sw');
    const lines = await importLines([
      nowLine({ timestamp: 9_007_199_254_740_991 }),
      nowLine({ engaged_ms: 2 ** 40, type: 'engagement' }),
      nowLine({ screen_width: 70_000 }),
    ]);
    expect(lines.status).toBe(200);
    const reasons = (lines.json.errors as { reason: string }[]).map((e) => e.reason.split(':')[0]);
    expect(reasons).toEqual(['timestamp', 'engaged_ms', 'screen_width']);
    // Session metrics with a time dimension over all time still answer.
    expect((await query({ metrics: ['visit_duration'], date_range: 'all', dimensions: ['time:day'] })).status).toBe(
      200,
    );
    for (const bad of [
      ['2026-13-01', '2026-12-31'],
      ['0000-01-01', '2026-01-01'],
      ['2026-01-01', '9999-12-30'],
    ]) {
      const field = bad[0] === '2026-01-01' ? 'date_range.1' : 'date_range.0';
      expectRefusal(await query({ date_range: bad }), 400, field);
      expectRefusal(
        await post('/api/v2/query/batch', { queries: [{ site_id: site, metrics: ['visitors'], date_range: bad }] }),
        400,
        `queries.0.${field}`,
      );
      const funnel = { site_id: site, date_range: bad, steps: [{ page: '/a' }, { page: '/b' }] };
      expectRefusal(await post('/api/v1/funnels', funnel), 400, field);
      expectRefusal(await call(`/api/v1/props?site_id=${site}&date_range=${bad.join(',')}`), 400, field);
      expectRefusal(await call(`/api/v1/events?site_id=${site}&date_range=${bad.join(',')}`), 400, field);
    }
    expectRefusal(await call(`/api/v1/events?site_id=${site}&from=2026-13-01`), 400, 'from');
    const far = await query({ dimensions: ['event:page'], pagination: { limit: 10, offset: 2 ** 32 } });
    expect(far.status).toBe(200);
    expect(far.json.results).toEqual([]);
  });

  it('3b: imports a line at the last storable time twice and stores it once (the stored-id check wrapped after 2149)', async () => {
    const line = JSON.stringify({ timestamp: '2099-12-31T23:59:59.999Z', visitor_id: 'late', pathname: '/last-day' });
    const first = await importLines([line]);
    expect(first.json).toMatchObject({ imported: 1, rejected: 0 });
    const day = ['2099-12-31', '2099-12-31'];
    const stored = async () => {
      const answer = await query({
        metrics: ['events'],
        date_range: day,
        filters: [['is', 'event:page', ['/last-day']]],
      });
      return ((answer.json.results ?? []) as { metrics: number[] }[])[0]?.metrics[0] ?? 0;
    };
    await waitFor(async () => ((await stored()) === 1 ? true : undefined), 30_000, 'the line stored');
    const again = await importLines([line]);
    expect(again.json).toMatchObject({ imported: 0, duplicates: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await stored()).toBe(1);
  });

  it('4: holds imported props to the live limits', async () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v']));
    const answer = await importLines([nowLine({ props: many }), nowLine({ props: { '': 'empty key' } })]);
    expect(answer.json).toMatchObject({ imported: 0, rejected: 2 });
    expect((answer.json.errors as { reason: string }[]).map((e) => e.reason.split(':')[0])).toEqual([
      'props',
      'props.',
    ]);
  });

  it('5: counts a Plausible event once per site, however often its domain list names it', async () => {
    const path = `/amplified-${randomId()}`;
    // As many times as a body within the collector's 64 KB limit holds (2,974 for the review's site name).
    const domains = Array.from({ length: Math.floor(60_000 / (site.length + 1)) }, () => site).join(',');
    const answer = await collect(
      '/api/event',
      JSON.stringify({ n: 'pageview', u: `https://${site}${path}`, d: domains }),
    );
    expect(answer.status).toBe(202);
    const many = Array.from({ length: 4000 }, (_, i) => `u${i}.example`).join(',');
    expectRefusal(
      await collect('/api/event', JSON.stringify({ n: 'pageview', u: `https://${site}/`, d: many })),
      400,
      'domain',
    );
    const rows = await breakdown('event:page', (r) => r.has(path), [['is', 'event:page', [path]]]);
    expect(rows.get(path)).toBe(1);
  });

  it('6: judges bodies before reading them, on the log-in form and the API, with and without Content-Length', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const login = await call('/api/v1/session', {
      method: 'POST',
      body: `token=${big}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectRefusal(login, 413, 'body');
    expectRefusal(await post('/api/v2/query', `{"pad":"${'y'.repeat(300 * 1024)}"}`), 413, 'body');
    // Chunked: no Content-Length to judge, so reading stops at the limit.
    const chunked = await call('/api/v2/query', {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 64; i++) controller.enqueue(new TextEncoder().encode('z'.repeat(16 * 1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expectRefusal(chunked, 413, 'body');
  });

  it('7: answers a corrupt or truncated gzip with 400 and what was stored, and a giant line as one rejected line', async () => {
    const lines = Array.from({ length: 6000 }, (_, i) => nowLine({ pathname: `/gz/${i}` }));
    const gz = gzipSync(lines.join('\n'));
    const cut = await importLines(gz.subarray(0, Math.floor(gz.length * 0.7)));
    expectRefusal(cut, 400, 'body');
    expect(cut.json.linesRead).toBeGreaterThan(0);
    expect(cut.json.imported).toBeGreaterThan(0);
    // The whole file afterwards adds exactly what was missing.
    const whole = await importLines(gz);
    expect(whole.status).toBe(200);
    expect(whole.json.linesRead).toBe(6000);
    const stored = async () => {
      const answer = await query({
        metrics: ['events'],
        date_range: '24h',
        filters: [['contains', 'event:page', ['/gz/']]],
      });
      return ((answer.json.results ?? []) as { metrics: number[] }[])[0]?.metrics[0] ?? 0;
    };
    await waitFor(async () => ((await stored()) === 6000 ? true : undefined), 30_000, 'all 6,000 lines stored');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await stored()).toBe(6000);
    const giant = await importLines([nowLine({}), `{"pathname":"${'g'.repeat(4 * 1024 * 1024)}"}`, nowLine({})]);
    expect(giant.json).toMatchObject({ linesRead: 3, imported: 2, rejected: 1 });
    expect((giant.json.errors as { line: number; reason: string }[])[0]).toEqual({
      line: 2,
      reason: expect.stringMatching(/^line: longer than/),
    });
  });

  it('8: answers malformed paths and deep filter trees with 4xx', async () => {
    for (const bad of ['%25', '%ff', '%C0%AE', '%', 'a%2', '..%2F..%2F']) {
      for (const path of [`/api/v1/sites/${bad}`, `/api/v1/sites/${bad}/shares`]) {
        const answer = await call(path);
        expect(answer.status, `${path}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, path).toBeLessThan(500);
      }
      // A page: its 404, or the log-in it sends a visitor without a session to.
      expect((await call(`/sites/${bad}`)).status, bad).toBeLessThan(500);
    }
    let deep: unknown = ['is', 'event:page', ['/']];
    for (let i = 0; i < 1000; i++) deep = ['not', deep];
    expectRefusal(await query({ filters: [deep] }), 400, 'body');
    let nested: unknown = ['is', 'event:page', ['/']];
    for (let i = 0; i < 12; i++) nested = ['and', [nested]];
    expectRefusal(await query({ filters: [nested] }), 400, 'filters');
  });

  it('9: redirects only within the origin after log-in, and limits log-in attempts with Retry-After', async () => {
    const form = (token: string, next: string) =>
      call('/api/v1/session', {
        method: 'POST',
        body: new URLSearchParams({ token, next }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.9' },
      });
    const good = await form(pipeline.token, '/%5Cevil.example/');
    expect(good.status).toBe(303);
    const location = good.headers.get('location') ?? '';
    expect(new URL(location, pipeline.webUrl).origin).toBe(pipeline.webUrl);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 30; i++) {
      const answer = await form('wrong-token-wrong-token', '/');
      statuses.push(answer.status);
      retryAfter ??= answer.headers.get('retry-after');
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(15);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('10: logs a client that aborts its request as info, not as an error', async () => {
    const before = pipeline.output().length;
    const { hostname, port } = new URL(pipeline.webUrl);
    await new Promise<void>((done) => {
      const request = httpRequest({
        hostname,
        port,
        path: '/api/v2/query',
        method: 'POST',
        headers: {
          authorization: `Bearer ${pipeline.token}`,
          'content-type': 'application/json',
          'content-length': 100_000,
        },
      });
      request.on('error', () => done());
      request.write('{"site_id":"');
      setTimeout(() => {
        request.destroy();
        done();
      }, 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const since = pipeline.output().slice(before);
    expect(since).not.toMatch(/"level":50/);
    expect(since).not.toMatch(/ResponseAborted|api request failed/);
  });
});

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '\ud800',
    'x\udfff',
    "'; DROP TABLE events; --",
    '\u0000',
    '%ff',
    '../../etc',
    'x'.repeat(5000),
    '2026-13-01',
    '0000-01-01',
    '9999-12-31',
    '1969-12-31',
  ),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 32, 2 ** 40, 2 ** 53 - 1, -1, 70_000, 1e308, -0),
);
const anyValue = fc.oneof(hostileString, hostileNumber, fc.jsonValue({ maxDepth: 3 }), fc.constant(null));

const validWire = { type: 'custom', name: 'fuzz', url: `https://${site}/f`, sw: 1280, props: { a: 'b' } };
const collectorBody = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...Object.keys(validWire), 'ts', 'engagedMs', 'scroll', 'lang', 'title', 'referrer'),
      anyValue,
    )
    .map(([key, value]) => JSON.stringify({ site, events: [{ ...validWire, [key]: value }] })),
  fc
    .record({ n: hostileString, u: hostileString, d: fc.oneof(fc.constant(site), hostileString), p: anyValue })
    .map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  hostileString,
);

const stringOrAny = fc.oneof(fc.constantFrom(...FIELD_DIMENSIONS, 'event:props:plan'), hostileString);
const filter: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(
      fc.constantFrom('is', 'is_not', 'contains', 'matches', 'matches_not', 'bogus'),
      stringOrAny,
      fc.array(hostileString, { maxLength: 3 }),
    ),
    fc.tuple(fc.constantFrom('and', 'or'), fc.array(tie('node'), { maxLength: 3 })),
    fc.tuple(fc.constant('not'), tie('node')),
    anyValue,
  ),
})).node;
const dateRange = fc.oneof(
  fc.constantFrom('day', '7d', '30d', 'month', '12mo', 'all', 'bogus'),
  fc.tuple(hostileString, hostileString),
  fc
    .tuple(fc.date({ noInvalidDate: true }), fc.date({ noInvalidDate: true }))
    .map(([a, b]) => [a.toISOString().slice(0, 10), b.toISOString().slice(0, 10)]),
  anyValue,
);
const statsQuery = fc.record(
  {
    site_id: fc.oneof(fc.constant(site), hostileString),
    metrics: fc.oneof(
      fc.array(fc.oneof(fc.constantFrom(...SUPPORTED_METRICS), hostileString), { maxLength: 4 }),
      anyValue,
    ),
    date_range: dateRange,
    dimensions: fc.array(
      fc.oneof(fc.constantFrom('time', 'time:hour', 'time:week', 'time:minute', ...FIELD_DIMENSIONS), hostileString),
      { maxLength: 3 },
    ),
    filters: fc.array(filter, { maxLength: 3 }),
    pagination: fc.record({ limit: hostileNumber, offset: hostileNumber }, { requiredKeys: [] }),
    include: fc.record(
      { time_labels: fc.boolean(), total_rows: fc.boolean(), comparisons: anyValue },
      { requiredKeys: [] },
    ),
    order_by: anyValue,
  },
  { requiredKeys: ['site_id', 'metrics', 'date_range'] },
);
const historyLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'timestamp',
        'type',
        'name',
        'visitor_id',
        'pathname',
        'title',
        'props',
        'screen_width',
        'engaged_ms',
        'country',
        'device',
      ),
      anyValue,
    )
    .map(([key, value]) => nowLine({ [key]: value })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  hostileString.filter((s) => !s.includes('\n')),
);

/** Whatever the input, never a 5xx; every refusal in the one error shape, a 400 naming its field. */
function expectHandled(answer: Answer, input: unknown) {
  const context = `${JSON.stringify(input).slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, context).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(answer.json.error?.code, context).toEqual(expect.any(String));
    expect(answer.json.error?.message, context).toEqual(expect.any(String));
    if (answer.status === 400) expect(answer.json.error?.field, context).toEqual(expect.any(String));
  }
}

describe(`generated hostile input on every path (FUZZ_SEED=${SEED})`, () => {
  it('the collector answers every request with 202 or a 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/v1/events', '/api/event'), collectorBody, async (path, body) => {
        expectHandled(await collect(path, body), { path, body });
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('the Stats API answers every query with 200 or a 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(statsQuery, async (request) => {
        expectHandled(await post('/api/v2/query', request), request);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('the history import reports every line, and the query API, funnels and events take any range', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(historyLine, { minLength: 1, maxLength: 12 }), dateRange, async (lines, range) => {
        const answer = await importLines(lines);
        expectHandled(answer, lines);
        // A newline ends a line: text after the last one is a line, nothing after it is not.
        const body = lines.join('\n');
        expect(answer.json.linesRead).toBe(body === '' ? 0 : body.split('\n').length - (body.endsWith('\n') ? 1 : 0));
        const text = Array.isArray(range) ? range.map(String).join(',') : String(range);
        const search = new URLSearchParams({ site_id: site, date_range: text });
        expectHandled(await call(`/api/v1/events?${search}`), range);
        expectHandled(
          await post('/api/v1/funnels', { site_id: site, date_range: range, steps: [{ page: '/a' }, { event: 'x' }] }),
          range,
        );
      }),
      { numRuns: 80, seed: SEED },
    );
  });

  it('afterwards a normal event reaches the query API within seconds, through the same processes', async () => {
    const path = `/after-${randomId()}`;
    const body = JSON.stringify({ site, events: [{ type: 'pageview', url: `https://${site}${path}` }] });
    const sent = Date.now();
    expect((await collect('/v1/events', body)).status).toBe(202);
    await breakdown('event:page', (rows) => rows.has(path), [['is', 'event:page', [path]]]);
    console.log(`hostile input: a normal event was queryable ${Date.now() - sent} ms after its 202`);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(pipeline.alive()).toBe(true);
    expect(pipeline.output()).not.toMatch(/"level":(50|60)/);
  });
});
