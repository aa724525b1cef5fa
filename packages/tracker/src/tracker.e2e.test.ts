import { join } from 'node:path';
import { decodeEventMessage, type EnrichedEvent } from '@tern/events';
import { EmbeddedLog } from '@tern/stream';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_CHROME_UA, launchChromium } from '../../../test/browser.ts';
import { waitFor } from '../../../test/helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from '../../../test/pipeline.ts';
import { startTestSite, type TestSite } from '../test/site-server.ts';

const SITE = 'site.test';
let pipeline: RunningPipeline;
let site: TestSite;
let browser: Browser;
let collector: string;
const pageErrors: Error[] = [];

beforeAll(async () => {
  pipeline = await startPipeline();
  collector = pipeline.collectorUrl.replace('127.0.0.1', 'collector.test');
  site = await startTestSite(collector, SITE);
  expect((await registerSite(pipeline, SITE)).status).toBe(201);
  browser = await launchChromium(['site.test', 'collector.test', 'elsewhere.test', 'collector-down.test']);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await pipeline?.stop();
});

async function newContext(init?: () => void): Promise<BrowserContext> {
  const context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA, locale: 'en-US' });
  if (init) await context.addInitScript(init);
  return context;
}

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error));
  return page;
}

/** Event requests a page sent to any collector host (loading t.js itself is not one). */
function collectorRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (/collector(-down)?\.test.*\/v1\/events/.test(request.url())) seen.push(request.url());
  });
  return seen;
}

/** What the collector wrote to the events topic of the embedded log, for this site. */
function receivedEvents(): EnrichedEvent[] {
  const log = new EmbeddedLog({ path: join(pipeline.dataDir, 'log.sqlite') });
  try {
    const topic = 'tern.events.v1';
    const events: EnrichedEvent[] = [];
    for (let p = 0; p < log.partitionCount(topic); p++) {
      for (const m of log.read(topic, p, 0n, 100_000))
        for (const line of decodeEventMessage(m.value?.toString() ?? '')) {
          if (!line.ok) throw new Error(`an invalid event on the topic: ${line.reason}`);
          events.push(line.value);
        }
    }
    return events.filter((e) => e.siteId === SITE);
  } finally {
    void log.close();
  }
}

const settle = (page: Page, ms = 600) => page.waitForTimeout(ms);

describe('tracker in headless Chromium', () => {
  it('tracks page views, links, downloads, forms and queued calls on a multi-page site', async () => {
    const context = await newContext();
    const page = await open(context);
    await page.goto(`${site.origin}/`);
    await page.click('#about');
    await page.waitForURL('**/about');
    await page.goto(`${site.origin}/`);
    await page.click('#download');
    await settle(page);
    await page.goto(`${site.origin}/`);
    await Promise.all([page.waitForURL('**/landing'), page.click('#outbound')]);
    await page.goto(`${site.origin}/`);
    await Promise.all([page.waitForURL('**/thanks?q=hi'), page.click('#send')]);
    await settle(page);
    await context.close();
  });

  it('counts single-page navigations once each and custom events with props', async () => {
    const context = await newContext();
    const page = await open(context);
    await page.goto(`${site.origin}/spa`);
    await page.click('#step2');
    await page.click('#same');
    await page.click('#signup');
    await page.goBack();
    await page.waitForURL('**/spa');
    await settle(page);
    await context.close();
  });

  it('reports visible time and scroll depth when the page is hidden', async () => {
    const context = await newContext();
    const page = await open(context);
    await page.goto(`${site.origin}/long`);
    await page.mouse.wheel(0, 2500);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(1200);
    // Headless Chromium has no tab strip: hide the page the way the browser reports it.
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await settle(page);
    await page.goto(`${site.origin}/about`);
    await settle(page);
    await context.close();
  });

  it('handles 404 pages, manual mode, hash routing and the npm module', async () => {
    const context = await newContext();
    const page = await open(context);
    await page.goto(`${site.origin}/missing`);
    await settle(page, 400);
    await page.goto(`${site.origin}/manual`);
    await settle(page, 400);
    await page.goto(`${site.origin}/hash`);
    await page.click('#route');
    await settle(page, 400);
    await page.goto(`${site.origin}/npm`);
    await settle(page);
    await context.close();
  });

  it('retries a refused send until the collector takes it', async () => {
    const context = await newContext(() => {
      Object.defineProperty(Navigator.prototype, 'sendBeacon', { value: () => false });
    });
    let attempts = 0;
    await context.route(`${collector}/v1/events`, (route) => {
      attempts++;
      return attempts === 1 ? route.fulfill({ status: 503, body: '{}' }) : route.continue();
    });
    const page = await open(context);
    await page.goto(`${site.origin}/about`);
    await waitFor(async () => (attempts >= 2 ? true : undefined), 10_000, 'a retry');
    await settle(page, 800);
    await context.close();
    expect(attempts).toBe(2);
  });

  it('sends nothing and throws nothing with DNT, an opt-out, on localhost, or when the collector is down', async () => {
    const dnt = await newContext(() => {
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
    });
    const dntPage = await open(dnt);
    const dntRequests = collectorRequests(dntPage);
    await dntPage.goto(`${site.origin}/dnt`);
    await dntPage.click('#custom');
    await settle(dntPage);
    expect(dntRequests).toEqual([]);
    await dnt.close();

    const gpc = await newContext(() => {
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
    });
    const gpcPage = await open(gpc);
    const gpcRequests = collectorRequests(gpcPage);
    await gpcPage.goto(`${site.origin}/dnt`);
    await settle(gpcPage);
    expect(gpcRequests).toEqual([]);
    await gpc.close();

    const optedOut = await newContext(() => localStorage.setItem('tern_ignore', 'true'));
    const optedOutPage = await open(optedOut);
    const optedOutRequests = collectorRequests(optedOutPage);
    await optedOutPage.goto(`${site.origin}/about`);
    await settle(optedOutPage);
    expect(optedOutRequests).toEqual([]);
    await optedOut.close();

    const local = await newContext();
    const localPage = await open(local);
    const localRequests = collectorRequests(localPage);
    await localPage.goto(`http://localhost:${site.port}/local`);
    await settle(localPage);
    expect(localRequests).toEqual([]);
    await localPage.goto(`http://localhost:${site.port}/local-allowed`);
    await settle(localPage);
    expect(localRequests).toHaveLength(1);
    await local.close();

    const down = await newContext();
    const downPage = await open(down);
    await downPage.goto(`${site.origin}/down`);
    await downPage.click('#custom');
    await settle(downPage, 1000);
    expect(await downPage.evaluate(() => typeof (window as unknown as { tern: unknown }).tern)).toBe('function');
    await down.close();
  });

  it('the collector received exactly the expected events, with their fields', async () => {
    const expected = {
      pageview: {
        '/': 4,
        '/about': 3,
        '/thanks': 1,
        '/spa': 2,
        '/spa/step2': 1,
        '/long': 1,
        '/missing': 1,
        '/user/:id': 1,
        '/hash': 1,
        '/hash#/settings': 1,
        '/npm': 1,
        '/local-allowed': 1,
      },
      custom: {
        early: 4,
        'File Download': 1,
        'Outbound Link: Click': 1,
        'Form: Submission': 1,
        signup: 1,
        '404': 1,
        'npm-event': 1,
      },
    };
    const events = await waitFor(
      async () => {
        const got = receivedEvents().filter((e) => e.type !== 'engagement');
        return got.length >= 28 ? got : undefined;
      },
      15_000,
      'the tracked events in the log',
    ).catch((error: unknown) => {
      const got = receivedEvents().map((e) => `${e.type}:${e.name}:${e.pathname}`);
      throw new Error(`${String(error)}; received: ${got.join(', ')}`);
    });
    const count = (type: string, key: (e: EnrichedEvent) => string) =>
      events
        .filter((e) => e.type === type)
        .reduce<Record<string, number>>((acc, e) => {
          acc[key(e)] = (acc[key(e)] ?? 0) + 1;
          return acc;
        }, {});
    expect(count('pageview', (e) => e.pathname)).toEqual(expected.pageview);
    expect(count('custom', (e) => e.name)).toEqual(expected.custom);

    const byName = (name: string) => events.find((e) => e.name === name);
    expect(byName('early')?.props).toEqual({ queued: 'yes' });
    expect(byName('signup')).toMatchObject({ pathname: '/spa/step2', props: { plan: 'pro', seats: '3' } });
    expect(byName('File Download')?.props).toEqual({ url: `${site.origin}/files/report.pdf` });
    expect(byName('Outbound Link: Click')?.props).toEqual({ url: `http://elsewhere.test:${site.port}/landing` });
    expect(byName('Form: Submission')?.props).toEqual({ form: 'contact' });
    expect(byName('404')?.props).toEqual({ path: '/missing' });
    expect(byName('npm-event')?.props).toEqual({ via: 'esm' });
    const thanks = events.find((e) => e.pathname === '/thanks');
    expect(thanks).toMatchObject({
      query: '?q=hi',
      title: 'Thanks',
      browser: 'Chrome',
      os: 'Linux',
      device: 'desktop',
      language: 'en-US',
    });
    // One browser, one IP: one visitor for the day's salt.
    expect(new Set(events.filter((e) => e.hostname === 'site.test').map((e) => e.visitorId)).size).toBe(1);

    const long = receivedEvents().filter((e) => e.type === 'engagement' && e.pathname === '/long');
    expect(long).toHaveLength(1);
    expect(long[0]?.scrollDepth).toBe(100);
    expect(long[0]?.engagedMs).toBeGreaterThanOrEqual(1000);
    expect(pageErrors).toEqual([]);
  });

  it('the same counts reach ClickHouse and the query API', async () => {
    const query = async (body: object) => {
      const response = await fetch(`${pipeline.webUrl}/api/v2/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ site_id: SITE, date_range: 'day', ...body }),
      });
      return ((await response.json()) as { results: Array<{ dimensions: string[]; metrics: number[] }> }).results;
    };
    await waitFor(
      async () => ((await query({ metrics: ['events'] }))[0]?.metrics[0] === 28 ? true : undefined),
      15_000,
      '28 events',
    );
    const names = await query({ metrics: ['events'], dimensions: ['event:name'], order_by: [['event:name', 'asc']] });
    expect(Object.fromEntries(names.map((r) => [r.dimensions[0], r.metrics[0]]))).toEqual({
      '404': 1,
      'File Download': 1,
      'Form: Submission': 1,
      'Outbound Link: Click': 1,
      early: 4,
      'npm-event': 1,
      pageview: 18,
      signup: 1,
    });
    const pages = await query({
      metrics: ['pageviews'],
      dimensions: ['event:page'],
      filters: [['contains', 'event:page', ['/spa']]],
    });
    expect(pages).toEqual([
      { dimensions: ['/spa'], metrics: [2] },
      { dimensions: ['/spa/step2'], metrics: [1] },
    ]);
  });
});
