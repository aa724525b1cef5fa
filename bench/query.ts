/**
 * `npm run bench:query`: the dashboard's queries over HTTP against the production web server (`next start`) on the
 * embedded warehouse, loaded with BENCH_EVENTS (10,000,000) events over 90 days for 50 sites (bench/query-load.ts;
 * kept under bench/.data between runs and topped up to now). For one site it times:
 * - the full dashboard page (every query of `dashboardQueries`, issued at once as the browser does) for 30 days,
 *   one day and 12 months, and each of its queries alone;
 * - an event-history page with a filter, and the next page by cursor;
 * - the realtime endpoint.
 * BENCH_RUNS (20) timed runs each, after one warm-up run. BENCH_SITES picks the sites (default `1,10`: the largest,
 * with 22% of the traffic, and the tenth, with 2.2%).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DashboardView,
  DEFAULT_VIEW,
  dashboardQueries,
  dashboardRequests,
} from '../apps/web/src/lib/dashboard-state.ts';
import { freePort, waitFor } from '../test/helpers.ts';
import { type LoadedData, SITE_COUNT, siteName } from './query-load.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? join(root, 'bench/.data/query'));
const runs = Number(process.env.BENCH_RUNS ?? 20);
const sites = (process.env.BENCH_SITES ?? '1,10').split(',').map((k) => siteName(Number(k)));
const token = 'bench-admin-token-0123456789';

function load(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/query-load.ts'), ...args], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`loading failed (${result.status})`);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

async function main() {
  mkdirSync(dataDir, { recursive: true });
  const manifest = join(dataDir, 'loaded.json');
  if (!existsSync(manifest)) load([]);
  else if (JSON.parse(readFileSync(manifest, 'utf8')).to < Date.now() - 5 * 60_000) load(['--top-up']);
  const data = JSON.parse(readFileSync(manifest, 'utf8')) as LoadedData;

  const port = await freePort();
  const web = spawn(
    process.execPath,
    [join(root, 'node_modules/next/dist/bin/next'), 'start', 'apps/web', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, KAFKA_BROKERS: '', ADMIN_TOKEN: token, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => ((await fetch(`${url}/api/health`)).ok ? true : undefined), 120_000, 'the web app');
    const api = async (path: string, body?: object) => {
      const response = await fetch(`${url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text}`);
      return text;
    };
    for (let k = 1; k <= SITE_COUNT; k++) {
      await api('/api/v1/sites', {
        domain: siteName(k),
        timezone: 'UTC',
        goals: [{ event: 'Signup' }, { page: '/blog/**' }],
      });
    }

    async function measure(site: string) {
      const storedEvents = Number(
        JSON.parse(await api('/api/v2/query', { site_id: site, metrics: ['events'], date_range: 'all' })).results[0]
          .metrics[0],
      );

      const timed = async (what: () => Promise<unknown>) => {
        await what();
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const started = performance.now();
          await what();
          times.push(performance.now() - started);
        }
        return times;
      };
      const rows: Array<[string, number[]]> = [];
      const views: Array<[string, DashboardView]> = [
        ['30 days', { ...DEFAULT_VIEW, period: '30d' }],
        ['1 day', { ...DEFAULT_VIEW, period: 'day' }],
        ['12 months', { ...DEFAULT_VIEW, period: '12mo' }],
      ];
      for (const [label, view] of views) {
        const queries = dashboardQueries(site, view, true);
        const requests = dashboardRequests(queries);
        rows.push([
          `dashboard, ${label}: all ${Object.keys(queries).length} queries, as the page sends them (${requests.length} requests at once)`,
          await timed(() => Promise.all(requests.map((call) => api(call.path, call.body)))),
        ]);
        if (label === '30 days' || process.env.BENCH_DETAIL) {
          for (const call of requests) {
            const name = `batch of ${call.parts.join(', ')}`;
            rows.push([`  ${label}: ${name} alone`, await timed(() => api(call.path, call.body))]);
          }
          for (const [name, query] of Object.entries(queries)) {
            rows.push([`  ${label}: ${name} alone, unbatched`, await timed(() => api('/api/v2/query', query))]);
          }
        }
      }
      const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
      const filters = encodeURIComponent(JSON.stringify([['is', 'visit:country', ['DE']]]));
      const history = `/api/v1/events?site_id=${site}&from=${from}&filters=${filters}&limit=100`;
      rows.push(['event history: 100 events, filter country = DE', await timed(() => api(history))]);
      const cursor = JSON.parse(await api(history)).next_cursor as string;
      rows.push([
        'event history: the next 100 by cursor',
        await timed(() => api(`${history}&cursor=${encodeURIComponent(cursor)}`)),
      ]);
      rows.push(['realtime endpoint', await timed(() => api(`/api/v1/realtime?site_id=${site}`))]);

      console.log(
        `\n${data.events.toLocaleString('en-US')} events in the warehouse (${data.sessions.toLocaleString('en-US')} sessions, ` +
          `${SITE_COUNT} sites, loaded in ${data.seconds.toFixed(0)} s); ${site} holds ${storedEvents.toLocaleString('en-US')} of them, engagement pings not counted. ` +
          `${runs} runs each after a warm-up, over HTTP to next start.\n`,
      );
      console.log('| what | p50 ms | p95 ms | max ms |');
      console.log('| --- | ---: | ---: | ---: |');
      for (const [what, times] of rows) {
        console.log(
          `| ${what} | ${percentile(times, 50).toFixed(0)} | ${percentile(times, 95).toFixed(0)} | ${Math.max(...times).toFixed(0)} |`,
        );
      }
    }
    for (const site of sites) await measure(site);
  } finally {
    web.kill('SIGTERM');
    await new Promise((done) => web.once('exit', done));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
