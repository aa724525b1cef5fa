/**
 * `npm start`: the whole pipeline on one machine. Starts the collector and the web app (which, with the
 * embedded warehouse, also runs the ingest worker, since chDB lets one process own the data). With
 * KAFKA_BROKERS and CLICKHOUSE_URL set, the same processes use them instead; with CLICKHOUSE_URL set, a
 * separate ingest worker process is started too.
 *
 * Builds the tracker and the web app first when their build output is missing (`npm run build` rebuilds).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_BUNDLE, COLLECTOR_ENV, COLLECTOR_NODE_ARGS } from '../apps/collector/src/launch.ts';
import { ensureBuilt } from './ensure-built.ts';
import { loadLauncherConfig } from './launcher-config.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const config = loadLauncherConfig();
const children: ChildProcess[] = [];

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping the pipeline`);
      void stopAll(1);
    }
  });
  children.push(child);
  return child;
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {}
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  await Promise.race([Promise.all(children.map((c) => new Promise((r) => c.once('exit', r)))), sleep(15_000)]);
  process.exit(code);
}
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

ensureBuilt(root);
const env = { DATA_DIR: config.dataDir, NEXT_TELEMETRY_DISABLED: '1' };
// The web app starts first: it creates the topics, migrates the warehouse and publishes the salts.
run(
  'web',
  process.execPath,
  [
    join(root, 'node_modules/next/dist/bin/next'),
    'start',
    'apps/web',
    '-p',
    String(config.webPort),
    '-H',
    config.webHost,
  ],
  env,
);
await waitForHttp(`http://127.0.0.1:${config.webPort}/api/health`, 120_000);
run('collector', process.execPath, [...COLLECTOR_NODE_ARGS, COLLECTOR_BUNDLE], { ...env, ...COLLECTOR_ENV });
if (config.externalWarehouse) run('ingest', 'node', ['--import', 'tsx', 'packages/ingest/src/main.ts'], env);
await waitForHttp(`http://127.0.0.1:${config.collectorPort}/readyz`, 60_000);

const tokenFile = join(config.dataDir, 'admin-token');
const token = config.adminTokenSet ? '(the ADMIN_TOKEN you set)' : readFileSync(tokenFile, 'utf8').trim();
console.log(`
  tern is running
    dashboard   http://localhost:${config.webPort}   (log in with the admin token)
    collector   http://localhost:${config.collectorPort}/v1/events   tracker: http://localhost:${config.collectorPort}/t.js
    event log   ${config.kafka ? `Kafka at ${config.kafka}` : `embedded (${config.dataDir}/log.sqlite)`}
    warehouse   ${config.externalWarehouse ? 'ClickHouse server (CLICKHOUSE_URL)' : `embedded chDB (${config.dataDir}/warehouse)`}
    admin token ${token}
  Ctrl-C stops everything.
`);
