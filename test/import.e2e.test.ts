import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.ts';
import { type RunningPipeline, registerSite, startPipeline } from './pipeline.ts';
import { repoRoot } from './service-process.ts';

const example = join(repoRoot, 'examples/events.ndjson');
const exampleLines = readFileSync(example, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { type: string });
let pipeline: RunningPipeline;

beforeAll(async () => {
  pipeline = await startPipeline();
  await registerSite(pipeline, 'example.com', 'UTC');
});
afterAll(async () => pipeline?.stop());

const importCli = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/import.ts', '--url', pipeline.webUrl, '--token', pipeline.token, ...args],
    { cwd: repoRoot },
  );

const api = (path: string) =>
  fetch(`${pipeline.webUrl}${path}`, { headers: { authorization: `Bearer ${pipeline.token}` } });

describe('npm run import and GET /api/v1/events, through the running app', () => {
  it('imports the example file, which the query API and the event history then show', async () => {
    const { stdout } = await importCli('--site', 'example.com', '--file', example);
    expect(stdout).toContain(`imported ${exampleLines.length}, rejected 0, duplicates skipped 0`);
    const pageviews = exampleLines.filter((l) => l.type === 'pageview').length;
    await waitFor(
      async () => {
        const response = await fetch(`${pipeline.webUrl}/api/v2/query`, {
          method: 'POST',
          headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            site_id: 'example.com',
            metrics: ['pageviews', 'events'],
            date_range: ['2026-10-01', '2026-10-31'],
          }),
        });
        const body = (await response.json()) as { results: { metrics: number[] }[] };
        const [views, events] = body.results[0]?.metrics ?? [];
        return views === pageviews && events === exampleLines.length ? true : undefined;
      },
      60_000,
      'the imported events in the query API',
    );

    const ndjson = await (
      await api('/api/v1/events?site_id=example.com&from=2026-10-01&to=2026-10-31&format=ndjson')
    ).text();
    expect(ndjson.trim().split('\n')).toHaveLength(exampleLines.length);
    const csv = await (await api('/api/v1/events?site_id=example.com&from=2026-10-01&to=2026-10-31&format=csv')).text();
    expect(csv.split('\r\n')[0]).toMatch(/^event_id,timestamp,type,name,visitor_id/);

    // JSON pages with a cursor cover every event once.
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const response = await api(
        `/api/v1/events?site_id=example.com&from=2026-10-01&to=2026-10-31&limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const body = (await response.json()) as { events: { event_id: string }[]; next_cursor: string | null };
      seen.push(...body.events.map((e) => e.event_id));
      if (!body.next_cursor) break;
      cursor = body.next_cursor;
    }
    expect(new Set(seen).size).toBe(exampleLines.length);
    expect(seen).toHaveLength(exampleLines.length);
  });

  it('imports nothing the second time, and refuses bad input with the field at fault', async () => {
    const { stdout } = await importCli('--site', 'example.com', '--file', example);
    expect(stdout).toContain(`imported 0, rejected 0, duplicates skipped ${exampleLines.length}`);
    await expect(importCli('--file', example)).rejects.toMatchObject({
      stderr: expect.stringMatching(/--site: required/),
    });
    const unknown = await importCli('--site', 'nowhere.example', '--file', example).catch((e: { stderr: string }) => e);
    expect((unknown as { stderr: string }).stderr).toMatch(/404: site nowhere.example is not registered/);
    const badFilter = await api('/api/v1/events?site_id=example.com&filters=[[1]]');
    expect(badFilter.status).toBe(400);
    expect(((await badFilter.json()) as { error: { field: string } }).error.field).toMatch(/^0/);
  });
});
