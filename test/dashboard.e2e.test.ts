import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';
import { BROWSER_UA, prng, tempDir, waitFor } from './helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';
import { repoRoot } from './service-process.ts';
import { historyLine, syntheticSessions, syntheticUuid } from './synthetic.ts';

/**
 * The dashboard in headless Chromium, against the running app (`next start`, embedded warehouse) holding 30 days
 * of imported history: every number checked on screen is compared with what the query API answers for the same
 * view. Screenshots of the main views go to apps/web/screenshots/.
 */

let pipeline: RunningPipeline;
let browser: Browser;
const SITE = 'shop.example';
const NEW_SITE = 'fresh.example';
const SCREENSHOTS = join(repoRoot, 'apps/web/screenshots');
const DAY = 86_400_000;

const random = prng(7);
const now = Date.now();
const sessions = [
  ...syntheticSessions({
    site: SITE,
    random,
    visitors: 300,
    from: now - 29 * DAY,
    to: now - 10 * 60_000,
    sessionsPerVisitor: [1, 3],
  }),
];
const lines = sessions
  .flatMap((session) => session.events.map((event) => ({ session, event })))
  .filter(({ event }) => event.ts < now)
  .sort((a, b) => a.event.ts - b.event.ts)
  .map(({ session, event }) => historyLine(session, event, syntheticUuid(random)));

const api = async <T>(path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${pipeline.webUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
};
type Result = { results: Array<{ dimensions: string[]; metrics: number[] }> };
const kpis = (dateRange: unknown, filters: unknown[] = []) =>
  api<Result>('/api/v2/query', {
    site_id: SITE,
    metrics: ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'],
    date_range: dateRange,
    filters,
  }).then((r) => r.results[0]?.metrics ?? []);

beforeAll(async () => {
  pipeline = await startPipeline();
  await registerSite(pipeline, SITE, 'UTC');
  const patched = await fetch(`${pipeline.webUrl}/api/v1/sites/${SITE}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ goals: [{ event: 'Signup' }, { page: '/blog/**' }] }),
  });
  expect(patched.status).toBe(200);
  const imported = await fetch(`${pipeline.webUrl}/api/v1/import?site_id=${SITE}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  });
  expect(imported.status).toBe(200);
  await waitFor(
    async () => {
      const all = await api<Result>('/api/v2/query', { site_id: SITE, metrics: ['events'], date_range: 'all' });
      const stored = all.results[0]?.metrics[0] ?? 0;
      return stored === lines.filter((l) => !l.includes('"type":"engagement"')).length ? true : undefined;
    },
    90_000,
    'the imported history in the warehouse',
  );
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
});

async function logIn(page: Page) {
  page.on('pageerror', (error) => console.error(`page error on ${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`console error on ${page.url()}: ${message.text().slice(0, 300)}`);
  });
  await page.goto(`${pipeline.webUrl}/login`);
  await page.fill('#token', pipeline.token);
  await Promise.all([page.waitForURL(`${pipeline.webUrl}/`), page.click('button[type=submit]')]);
}

/** The six headline numbers as the page shows them, once they have loaded. */
async function shownKpis(page: Page): Promise<string[]> {
  const ids = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];
  await page.getByTestId('kpi-visitors').locator('.skeleton').waitFor({ state: 'detached', timeout: 20_000 });
  return Promise.all(ids.map(async (id) => (await page.getByTestId(`kpi-${id}`).textContent()) ?? ''));
}

/** The page's text for API figures, formatted as the dashboard formats them. */
function formatted(metrics: number[]): string[] {
  const [visitors = 0, visits = 0, pageviews = 0, perVisit = 0, bounce = 0, duration = 0] = metrics;
  const d = Math.round(duration);
  const time =
    d < 60
      ? `${d}s`
      : d < 3600
        ? `${Math.floor(d / 60)}m ${d % 60}s`
        : `${Math.floor(d / 3600)}h ${Math.floor((d % 3600) / 60)}m`;
  return [
    visitors.toLocaleString('en-US'),
    visits.toLocaleString('en-US'),
    pageviews.toLocaleString('en-US'),
    perVisit.toFixed(2),
    `${bounce}%`,
    time,
  ];
}

async function waitForKpis(page: Page, want: string[]) {
  await waitFor(
    async () => (JSON.stringify(await shownKpis(page)) === JSON.stringify(want) ? true : undefined),
    45_000,
    `the numbers ${want.join(' / ')} on screen`,
  ).catch(async (error: unknown) => {
    await page.screenshot({ path: join(tempDir('dashboard-failure'), 'page.png'), fullPage: true });
    const text =
      (await page
        .locator('main')
        .textContent({ timeout: 5_000 })
        .catch(() => '')) ?? '';
    throw new Error(`${String(error)}; at ${page.url()} the page reads: ${text.slice(0, 600)}`);
  });
}

describe('the dashboard in Chromium', () => {
  it('logs in, adds a site, shows its snippet and notices its first event', async () => {
    const page = await browser.newPage();
    await logIn(page);
    await page.fill('input[name=domain]', NEW_SITE);
    await page.click('text=Add site');
    await expect.poll(() => page.getByTestId('snippet').textContent()).toContain(`data-site="${NEW_SITE}"`);
    await page.getByTestId('installation-status').filter({ hasText: 'Waiting for the first event' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'add-site.png'), fullPage: true });

    await waitFor(
      async () => {
        const ready = (await (await fetch(`${pipeline.collectorUrl}/readyz`)).json()) as { sites: number };
        return ready.sites >= 2 ? true : undefined;
      },
      10_000,
      'the collector to know the new site',
    );
    const response = await fetch(`${pipeline.collectorUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
      body: JSON.stringify({ site: NEW_SITE, events: [{ type: 'pageview', url: `https://${NEW_SITE}/` }] }),
    });
    expect(response.status).toBe(202);
    await page
      .getByTestId('installation-status')
      .filter({ hasText: 'We received your first event' })
      .waitFor({ timeout: 30_000 });
    await page.goto(`${pipeline.webUrl}/`);
    await page.screenshot({ path: join(SCREENSHOTS, 'sites.png'), fullPage: true });
    await page.close();
  });

  it('shows the numbers the API gives, filters by a clicked source, and changes the date range', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page);
    await page.goto(`${pipeline.webUrl}/sites/${SITE}`);
    await waitForKpis(page, formatted(await kpis('30d')));
    await page.getByTestId('top-countries').locator('svg.world-map').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    // Click the Google row of the sources panel: the whole dashboard filters, and the URL says so.
    await page.getByTestId('top-sources').getByRole('button', { name: 'Google', exact: true }).click();
    await page.waitForURL(/f=is%7Cvisit%3Asource%7CGoogle/);
    const google = [['is', 'visit:source', ['Google']]];
    await waitForKpis(page, formatted(await kpis('30d', google)));
    await page.getByTestId('filters').filter({ hasText: 'Source is Google' }).waitFor();
    const filteredUrl = page.url();

    // Seven days, with the comparison line.
    await page.selectOption('select[aria-label="Date range"]', '7d');
    await page.waitForURL(/period=7d/);
    await page.getByLabel('Compare').click();
    await page.waitForURL(/compare=1/);
    await waitForKpis(page, formatted(await kpis('7d', google)));
    await page.getByText('Previous period').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-filtered.png'), fullPage: true });

    // A custom range, typed into the date picker.
    const from = new Date(now - 20 * DAY).toISOString().slice(0, 10);
    const to = new Date(now - 10 * DAY).toISOString().slice(0, 10);
    await page.selectOption('select[aria-label="Date range"]', 'custom');
    await page.fill('input[aria-label=From]', from);
    await page.fill('input[aria-label=To]', to);
    await page.click('text=Apply');
    await waitForKpis(page, formatted(await kpis([from, to], google)));

    // The filtered link, opened afresh, shows the same filtered view.
    const again = await browser.newPage();
    await logIn(again);
    await again.goto(filteredUrl);
    await waitForKpis(again, formatted(await kpis('30d', google)));
    await again.close();
    await page.close();
  }, 240_000);

  it('opens the event explorer with the dashboard filters and exports them as CSV', async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await logIn(page);
    await page.goto(`${pipeline.webUrl}/sites/${SITE}?period=7d&f=is|visit%3Acountry|DE`);
    await page.getByRole('link', { name: 'Events' }).click();
    await page.waitForURL(/\/events\?/);
    await page.getByTestId('event-row').first().waitFor({ timeout: 20_000 });
    const firstPage = await page.getByTestId('event-row').count();
    expect(firstPage).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'event-explorer.png') });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const csv = readFileSync((await download.path()) as string, 'utf8')
      .trim()
      .split('\n');
    const filters = [['is', 'visit:country', ['DE']]];
    // The export holds every matching event, engagement pings included; the API counts them without.
    const since = Date.parse(new Date().toISOString().slice(0, 10)) - 6 * DAY;
    const pings = lines.filter((l) => {
      const e = JSON.parse(l) as { type: string; country: string; timestamp: string };
      return e.type === 'engagement' && e.country === 'DE' && Date.parse(e.timestamp) >= since;
    }).length;
    const counted = (
      await api<Result>('/api/v2/query', { site_id: SITE, metrics: ['events'], date_range: '7d', filters })
    ).results[0]?.metrics[0];
    expect(csv[0]).toContain('event_id');
    expect(csv.length - 1).toBe((counted ?? 0) + pings);
    await context.close();
  });

  it('shows funnels, the realtime view, settings, and a public link with a password', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page);
    await page.goto(
      `${pipeline.webUrl}/sites/${SITE}/funnels?step=page:/&step=page:/blog/**&step=event:Signup&period=30d`,
    );
    await page.getByTestId('funnel-step').first().waitFor({ timeout: 20_000 });
    const funnel = await api<{ steps: Array<{ visitors: number }> }>('/api/v1/funnels', {
      site_id: SITE,
      date_range: '30d',
      steps: [{ page: '/' }, { page: '/blog/**' }, { event: 'Signup' }],
      window_minutes: 60,
    });
    const shown = await page.getByTestId('funnel-step').locator('.num').first().textContent();
    expect(shown).toBe((funnel.steps[0]?.visitors ?? 0).toLocaleString('en-US'));
    await page.screenshot({ path: join(SCREENSHOTS, 'funnel.png') });

    await page.goto(`${pipeline.webUrl}/sites/${SITE}?period=realtime`);
    await page.getByTestId('realtime-current').locator('.skeleton').waitFor({ state: 'detached', timeout: 20_000 });
    // An event arriving now shows in the live feed without a reload.
    await page.getByTestId('live-feed').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const live = await fetch(`${pipeline.collectorUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
      body: JSON.stringify({ site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/live-check` }] }),
    });
    expect(live.status).toBe(202);
    await page.getByTestId('live-feed').getByText('/live-check').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'realtime.png') });

    await page.goto(`${pipeline.webUrl}/sites/${SITE}/settings`);
    await page.fill('input[aria-label="Link password"]', 'open sesame');
    await page.click('text=Create link');
    const link = page.getByTestId('share-link').first();
    await link.waitFor();
    const sharePath = new URL((await link.getAttribute('href')) ?? '', pipeline.webUrl).pathname;
    await page.screenshot({ path: join(SCREENSHOTS, 'settings.png'), fullPage: true });

    // A stranger (no session): the password first, then the read-only dashboard with the same numbers.
    const stranger = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const shared = await stranger.newPage();
    await shared.goto(`${pipeline.webUrl}${sharePath}`);
    await shared.screenshot({ path: join(SCREENSHOTS, 'share-password.png') });
    expect(await shared.getByTestId('kpis').count()).toBe(0);
    await shared.fill('#password', 'wrong password');
    await shared.click('text=View dashboard');
    await shared.getByText('That password is not right').waitFor();
    await shared.fill('#password', 'open sesame');
    await shared.click('text=View dashboard');
    await waitForKpis(shared, formatted(await kpis('30d')));
    // The link reads stats only: the admin API stays closed to it.
    const tokens = await shared.evaluate(async () => (await fetch('/api/v1/tokens')).status);
    expect(tokens).toBe(401);
    await stranger.close();
    await page.close();
  });

  it('reads on a phone, in dark mode', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
      deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    await logIn(page);
    await page.goto(`${pipeline.webUrl}/sites/${SITE}`);
    await waitForKpis(page, formatted(await kpis('30d')));
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'phone-dark.png') });
    await context.close();
  });
});
