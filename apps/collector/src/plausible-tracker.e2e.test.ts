import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test/browser.ts';
import { type StaticSite, serveStatic, waitFor } from '../../../test/helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from '../../../test/pipeline.ts';

/** Plausible's own npm tracker, pointed at our collector: a site running Plausible can switch by changing the endpoint. */
const SITE = 'plausible.test';
// The package's exports map has only its module entry, which is the file to serve.
const trackerSource = readFileSync(createRequire(import.meta.url).resolve('@plausible-analytics/tracker'));
let pipeline: RunningPipeline;
let site: StaticSite;
let browser: Browser;

const page = (endpoint: string, body: string) => `<!doctype html><html><head><title>Plausible test</title>
  <script type="module">
    import { init, track } from '/plausible.js';
    init({ domain: '${SITE}', endpoint: '${endpoint}', outboundLinks: true });
    window.signup = () => track('Signup', { props: { plan: 'pro' } });
  </script></head><body>${body}</body></html>`;

beforeAll(async () => {
  pipeline = await startPipeline();
  const endpoint = `${pipeline.collectorUrl.replace('127.0.0.1', 'collector.test')}/api/event`;
  site = await serveStatic({
    '/plausible.js': ['text/javascript', trackerSource],
    '/': [
      'text/html',
      page(
        endpoint,
        `<a id="pricing" href="/pricing">Pricing</a><button id="signup" onclick="signup()">Sign up</button>
      <button id="spa" onclick="history.pushState({}, '', '/app')">App</button>`,
      ),
    ],
    '/pricing': ['text/html', page(endpoint, '<h1>Pricing</h1>')],
  });
  expect((await registerSite(pipeline, SITE)).status).toBe(201);
  browser = await launchChromium([SITE, 'collector.test']);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await pipeline?.stop();
});

async function query(body: object) {
  const response = await fetch(`${pipeline.webUrl}/api/v2/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ site_id: SITE, date_range: 'day', ...body }),
  });
  return ((await response.json()) as { results: Array<{ dimensions: string[]; metrics: number[] }> }).results;
}

describe('the official Plausible tracker against our collector', () => {
  it('records its page views, custom events with props, SPA navigation and the source', async () => {
    const context = await browser.newContext();
    // Plausible's tracker ignores automated browsers unless the page opts in this way.
    await context.addInitScript(() => {
      (globalThis as unknown as { __plausible: boolean }).__plausible = true;
    });
    const tab = await context.newPage();
    const errors: Error[] = [];
    tab.on('pageerror', (error) => errors.push(error));
    await tab.goto(`http://${SITE}:${site.port}/`, { referer: 'https://news.ycombinator.com/item?id=1' });
    await tab.click('#signup');
    await tab.click('#spa');
    await tab.waitForTimeout(300);
    await Promise.all([tab.waitForURL('**/pricing'), tab.goto(`http://${SITE}:${site.port}/pricing`)]);
    await tab.waitForTimeout(500);
    await context.close();
    expect(errors).toEqual([]);

    const pages = await waitFor(
      async () => {
        const rows = await query({
          metrics: ['pageviews'],
          dimensions: ['event:page'],
          order_by: [['event:page', 'asc']],
        });
        return rows.reduce((n, r) => n + (r.metrics[0] ?? 0), 0) >= 3 ? rows : undefined;
      },
      15_000,
      'three page views',
    );
    expect(pages).toEqual([
      { dimensions: ['/'], metrics: [1] },
      { dimensions: ['/app'], metrics: [1] },
      { dimensions: ['/pricing'], metrics: [1] },
    ]);
    expect(
      await query({
        metrics: ['events'],
        dimensions: ['event:props:plan'],
        filters: [['is', 'event:name', ['Signup']]],
      }),
    ).toEqual([{ dimensions: ['pro'], metrics: [1] }]);
    expect(await query({ metrics: ['visitors'], dimensions: ['visit:source'] })).toEqual([
      { dimensions: ['Hacker News'], metrics: [1] },
    ]);
  });
});
