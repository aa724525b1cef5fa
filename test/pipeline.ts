import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_BUNDLE, COLLECTOR_ENV, COLLECTOR_NODE_ARGS } from '../apps/collector/src/launch.ts';
import { freePort, randomId, tempDir, waitFor } from './helpers.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');

export interface RunningPipeline {
  webUrl: string;
  collectorUrl: string;
  token: string;
  dataDir: string;
  /** Whether every process started is still the one started (none exited or crashed). */
  alive(): boolean;
  /** What the processes wrote to stdout and stderr so far (they print it too). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real processes, as `npm start` does: the web app (Next.js production server; with the
 * embedded warehouse it runs ingest too) and a collector. With `kafkaBrokers`, both use Kafka, on topics of
 * their own.
 */
export async function startPipeline(
  options: { kafkaBrokers?: string; env?: Record<string, string> } = {},
): Promise<RunningPipeline> {
  const dataDir = tempDir('pipeline');
  const [webPort, collectorPort] = [await freePort(), await freePort()];
  const id = randomId();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    COLLECTOR_PORT: String(collectorPort),
    COLLECTOR_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    ...(options.kafkaBrokers
      ? {
          KAFKA_BROKERS: options.kafkaBrokers,
          TOPIC_EVENTS: `events-${id}`,
          TOPIC_IMPORT: `import-${id}`,
          TOPIC_DEAD_LETTER: `dlq-${id}`,
          TOPIC_SITES: `sites-${id}`,
          TOPIC_SALTS: `salts-${id}`,
          TOPIC_TOKENS: `tokens-${id}`,
          INGEST_GROUP_ID: `ingest-${id}`,
        }
      : { KAFKA_BROKERS: '' }),
    ...options.env,
  };
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const start = (args: string[], extraEnv: Record<string, string> = {}) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const [stream, sink] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      stream?.on('data', (chunk: Buffer) => {
        logs.push(chunk.toString('utf8'));
        sink.write(chunk);
      });
    }
    children.push(child);
    return child;
  };
  const alive = () => children.every((child) => child.exitCode === null && child.signalCode === null);
  const output = () => logs.join('');
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
  };
  try {
    start([
      join(root, 'node_modules/next/dist/bin/next'),
      'start',
      'apps/web',
      '-p',
      String(webPort),
      '-H',
      '127.0.0.1',
    ]);
    const webUrl = `http://127.0.0.1:${webPort}`;
    await waitFor(async () => ((await fetch(`${webUrl}/api/health`)).ok ? true : undefined), 90_000, 'the web app');
    start([...COLLECTOR_NODE_ARGS, COLLECTOR_BUNDLE], COLLECTOR_ENV);
    const collectorUrl = `http://127.0.0.1:${collectorPort}`;
    await waitFor(async () => ((await fetch(`${collectorUrl}/readyz`)).ok ? true : undefined), 60_000, 'the collector');
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    return { webUrl, collectorUrl, token, dataDir, alive, output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Registers a site through the API and waits until the collector has read it from the sites topic. */
export async function registerSite(pipeline: RunningPipeline, domain: string, timezone?: string): Promise<Response> {
  const response = await fetch(`${pipeline.webUrl}/api/v1/sites`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pipeline.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ domain, ...(timezone ? { timezone } : {}) }),
  });
  await waitFor(
    async () => {
      const ready = (await (await fetch(`${pipeline.collectorUrl}/readyz`)).json()) as { sites: number };
      return ready.sites >= 1 ? true : undefined;
    },
    10_000,
    'the collector to know the site',
  );
  return response;
}
