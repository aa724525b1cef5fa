import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.ts';
import { BROWSER_UA, tempDir } from './helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';

let pipeline: RunningPipeline;
let browser: Browser;
const SITE = 'dashboard.example';

beforeAll(async () => {
  pipeline = await startPipeline();
  await registerSite(pipeline, SITE, 'UTC');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
});

async function pageview(agent: string, path: string) {
  const response = await fetch(`${pipeline.collectorUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': agent },
    body: JSON.stringify({ site: SITE, events: [{ type: 'pageview', url: `https://${SITE}${path}` }] }),
  });
  expect(response.status).toBe(202);
}

describe('the dashboard in Chromium', () => {
  it('logs in, shows the headline numbers, and keeps the current visitors live without a reload', async () => {
    await pageview(BROWSER_UA, '/');
    await pageview(BROWSER_UA, '/pricing');
    const page = await browser.newPage();
    await page.goto(`${pipeline.webUrl}/login`);
    await page.fill('#token', pipeline.token);
    await Promise.all([page.waitForURL(`${pipeline.webUrl}/`), page.click('button[type=submit]')]);
    await page.goto(`${pipeline.webUrl}/sites/${SITE}`);

    const live = page.getByTestId('live-visitors');
    await live.filter({ hasText: '1 current visitor' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('kpi-pageviews').filter({ hasText: /^2$/ }).waitFor({ timeout: 20_000 });
    // Nothing in the 7 days before: up 100% against the previous period.
    expect(await page.getByTestId('change-visitors').textContent()).toMatch(/^↑ 100%/);

    // A second visitor arrives while the page is open: the badge follows within a few pushes.
    await pageview(BROWSER_UA.replace('Chrome/130', 'Chrome/129'), '/blog');
    await live.filter({ hasText: '2 current visitors' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${tempDir('dashboard')}/dashboard.png`, fullPage: true });
    await page.close();
  });
});
