/**
 * `npm run bench:collector`: the collector against a real Kafka broker, driven by autocannon on this machine, with
 * realistic payloads (user agents from the `user-agents` package, varied URLs and referrers), compared in the same
 * run with a bare node:http server that answers 202 (the ceiling). Prints a markdown table.
 *
 * KAFKA_BROKERS reuses a running broker; otherwise one is started from infra/kafka. BENCH_SECONDS sets each run's
 * length (default 10). BENCH_PROCESSES lists the collector's process counts to measure, one collector after the
 * other (default `1,2`: the default, then COLLECTOR_PROCESSES=2, one per core here); the bare server is measured
 * with each count too, so a share can be read against a ceiling of the same shape. BENCH_INTAKE_THREADS lists
 * intake-thread counts to measure with each (default `0`). BENCH_THREADS lists COLLECTOR_THREADS counts above 1 to
 * measure after them, in one process (default `2`). Throughput comes from autocannon's closed loop; the
 * latency target's run at 80% of the maximum is an open loop of evenly spaced requests (./paced-load.ts says why),
 * run against the bare server too at the same rate, as the floor of what this machine and generator can show.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { COLLECTOR_BUNDLE, COLLECTOR_ENV, COLLECTOR_NODE_ARGS } from '../apps/collector/src/launch.ts';
import { ensureBuilt } from '../scripts/ensure-built.ts';
import { isolatedCollectorEnv, prepareControlPlane } from '../test/control-plane.ts';
import { freePort, randomId, waitFor } from '../test/helpers.ts';
import { benchBroker } from '../test/kafka.ts';
import { eventRequestSource } from './event-requests.ts';
import { pacedLoad } from './paced-load.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
// A closed loop: throughput = connections ÷ latency. An edge collector has many clients each waiting on a Kafka
// acknowledgement, so the default models that (BENCH_CONNECTIONS overrides; both servers get the same load).
const connections = Number(process.env.BENCH_CONNECTIONS ?? 200);
const id = randomId();
const site = `bench-${id}.example`;

const requestSource = (perRequest: number) => eventRequestSource(site, perRequest);

function requests(perRequest: number): autocannon.Request[] {
  const next = requestSource(perRequest);
  return [
    {
      method: 'POST' as const,
      path: '/v1/events',
      setupRequest: (request: autocannon.Request) => {
        const { body, headers } = next();
        return { ...request, body, headers };
      },
    },
  ];
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** A closed loop at full concurrency: the most the server answers. */
async function load(url: string, perRequest: number): Promise<Run> {
  const result = await autocannon({ url, connections, duration: seconds, requests: requests(perRequest) });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

interface Memory {
  /** RSS of the process, or summed over a cluster's processes (primary included). */
  now: number;
  /** Peak RSS (VmHWM), summed over a cluster's processes: at least their peak together. */
  peak: number;
  /** The largest single process, now and at its peak. */
  largest: { now: number; peak: number };
}

function rssMb(pid: number): Memory {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  const each = [String(pid), ...children].map((p) => {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  });
  const sum = (pick: (m: { now: number; peak: number }) => number) => Math.round(each.reduce((t, m) => t + pick(m), 0));
  return {
    now: sum((m) => m.now),
    peak: sum((m) => m.peak),
    largest: {
      now: Math.round(Math.max(...each.map((m) => m.now))),
      peak: Math.round(Math.max(...each.map((m) => m.peak))),
    },
  };
}

/** The collector's metrics text: its histograms are read before and after a run. */
async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** A histogram's cumulative counts per upper bound (in ms), of the series with `labels` (e.g. `route="…"`). */
function bucketsOf(text: string, histogram: string, labels = ''): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [, inner, count] of text.matchAll(new RegExp(`^${histogram}_bucket\\{([^}]*)\\} (\\d+)$`, 'gm'))) {
    const le = /le="([^"]+)"/.exec(inner ?? '')?.[1];
    if (!le || !inner?.includes(labels)) continue;
    buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le) * 1000, Number(count));
  }
  return buckets;
}

/** p50 and p99 of what was observed between two readings: the smallest bucket bound holding that share. */
function quantiles(before: Map<number, number>, after: Map<number, number>): { p50: number; p99: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = delta(Number.POSITIVE_INFINITY);
  const at = (share: number) => bounds.find((le) => delta(le) >= share * total) ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/** V8's share of the collector's memory, from its own /metrics. */
async function heapMb(url: string): Promise<{ used: number; total: number; external: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) =>
    Math.round(Number(new RegExp(`^tern_collector_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 1024 / 1024);
  return {
    used: value('nodejs_heap_size_used_bytes'),
    total: value('nodejs_heap_size_total_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
}

interface Mode {
  processes: number;
  /** Whole collectors in threads of each process (COLLECTOR_THREADS). */
  threads: number;
  intakeThreads: number;
}

interface CollectorRuns extends Mode {
  single: Run;
  batch: Run;
  paced: Run;
  produce: { p50: number; p99: number };
  /** The collector's own time per request, from reading it to writing the answer. */
  served: { p50: number; p99: number };
  lag: { p99: number; max: number };
  memory: Memory;
  heap: { used: number; total: number; external: number };
}

/** One collector (`processes` processes with `threads` intake threads each): single events, 20-event batches, then
 * 80% of the max single-event rate. */
async function measureCollector(brokers: string, { processes, threads, intakeThreads }: Mode): Promise<CollectorRuns> {
  const collectorPort = await freePort();
  const env = isolatedCollectorEnv(brokers, `bench-${id}`, {
    COLLECTOR_PORT: String(collectorPort),
    COLLECTOR_INTAKE_THREADS: String(intakeThreads),
    COLLECTOR_PROCESSES: String(processes),
    COLLECTOR_THREADS: String(threads),
    TRUSTED_PROXIES: '127.0.0.1',
    RATE_LIMIT_IP_PER_SECOND: '0',
    RATE_LIMIT_SITE_EVENTS_PER_SECOND: '0',
    LOG_LEVEL: 'warn',
  });
  const profileArgs = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const collector = spawn(process.execPath, [...profileArgs, ...COLLECTOR_NODE_ARGS, join(root, COLLECTOR_BUNDLE)], {
    cwd: root,
    env: { ...process.env, ...env, ...COLLECTOR_ENV },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const collectorUrl = `http://127.0.0.1:${collectorPort}`;
    await waitFor(async () => ((await fetch(`${collectorUrl}/readyz`)).ok ? true : undefined), 30_000, 'the collector');
    // Warm-up: JIT, user-agent cache, Kafka connections.
    await autocannon({ url: collectorUrl, connections, duration: 3, requests: requests(1) });
    const single = await load(collectorUrl, 1);
    const batch = await load(collectorUrl, 20);
    const beforeText = await metricsText(collectorUrl);
    const paced = await pacedLoad(collectorUrl, {
      rate: Math.round(single.rps * 0.8),
      seconds,
      warmUpSeconds: 2,
      connections,
      next: requestSource(1),
    });
    const afterText = await metricsText(collectorUrl);
    const pacedQuantiles = (histogram: string, labels = '') =>
      quantiles(bucketsOf(beforeText, histogram, labels), bucketsOf(afterText, histogram, labels));
    // prom-client resets its event-loop delay histogram at each scrape: this one covers the paced run.
    const lag = (name: string) =>
      Math.round(
        Number(new RegExp(`^tern_collector_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(afterText)?.[1]) *
          1000,
      );
    return {
      processes,
      threads,
      intakeThreads,
      single,
      batch,
      paced,
      produce: pacedQuantiles('tern_collector_produce_seconds'),
      served: pacedQuantiles('tern_collector_request_seconds', 'route="POST /v1/events"'),
      lag: { p99: lag('p99'), max: lag('max') },
      memory: rssMb(collector.pid as number),
      heap: await heapMb(collectorUrl),
    };
  } finally {
    collector.kill('SIGTERM');
    await new Promise((resolve) => collector.once('exit', resolve));
  }
}

/** The bare server with `processes` processes, under `run` (by default the closed loop of single events). */
async function measureBare(processes: number, run = (url: string) => load(url, 1)): Promise<Run> {
  const port = await freePort();
  const bare: ChildProcess = fork(join(root, 'bench/bare-server.mjs'), {
    env: { ...process.env, PORT: String(port), PROCESSES: String(processes) },
    stdio: 'ignore',
  });
  try {
    await new Promise((ready) => bare.once('message', ready));
    return await run(`http://127.0.0.1:${port}`);
  } finally {
    bare.kill('SIGTERM');
    await new Promise((resolve) => bare.once('exit', resolve));
  }
}

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number);

async function main() {
  ensureBuilt(root);
  const broker = await benchBroker();
  try {
    await (await prepareControlPlane(isolatedCollectorEnv(broker.brokers, `bench-${id}`), [site])).close();
    const processCounts = list('BENCH_PROCESSES', '1,2');
    const modes: Mode[] = [
      ...processCounts.flatMap((processes) =>
        list('BENCH_INTAKE_THREADS', '0').map((intakeThreads) => ({ processes, threads: 1, intakeThreads })),
      ),
      ...list('BENCH_THREADS', '2')
        .filter((threads) => threads > 1)
        .map((threads) => ({ processes: 1, threads, intakeThreads: 0 })),
    ];
    const bare = new Map<number, Run>();
    for (const processes of new Set([1, ...processCounts])) bare.set(processes, await measureBare(processes));
    const measured: CollectorRuns[] = [];
    for (const mode of modes) measured.push(await measureCollector(broker.brokers, mode));
    // The latency floor of this machine and load generator: the bare server at each collector's paced rate.
    const barePaced = new Map<CollectorRuns, Run>();
    for (const m of measured) {
      const rate = Math.round(m.single.rps * 0.8);
      const next = requestSource(1);
      const paced = (url: string) => pacedLoad(url, { rate, seconds, warmUpSeconds: 2, connections, next });
      barePaced.set(m, await measureBare(m.processes, paced));
    }

    const bareOf = (processes: number) => bare.get(processes) as Run;
    const row = (name: string, run: Run, perRequest: number) =>
      `| ${name} | ${Math.round(run.rps).toLocaleString('en-US')} | ${Math.round(run.rps * perRequest).toLocaleString('en-US')} | ${run.p50} | ${run.p99} | ${run.non2xx + run.errors} |`;
    const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 'es'}`;
    const name = ({ processes, threads, intakeThreads }: Mode) =>
      `${plural(processes, 'process')}${threads > 1 ? ` of ${threads} collector threads` : ''}${intakeThreads > 0 ? `, ${intakeThreads} intake thread${intakeThreads > 1 ? 's' : ''} each` : ''}`;
    const share = (run: Run, ceiling: Run) => `${((run.rps / ceiling.rps) * 100).toFixed(0)}%`;
    const lines = [
      `Collector benchmark, ${new Date().toISOString().slice(0, 10)}, ${seconds} s per run, ${connections} connections, \`npm run bench:collector\``,
      '',
      '| run | requests/s | events/s | p50 ms | p99 ms | non-2xx + errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...[...bare].map(([processes, run]) =>
        row(`bare node:http (${plural(processes, 'process')}), 1 event/request (ceiling)`, run, 1),
      ),
      ...measured.flatMap((m) => [
        row(`collector (${name(m)}), 1 event/request`, m.single, 1),
        row(`collector (${name(m)}), 20 events/request`, m.batch, 20),
        row(`collector (${name(m)}), 1 event/request at 80% of its max rate, evenly paced`, m.paced, 1),
        row(
          `bare node:http (${plural(m.processes, 'process')}) at that rate, evenly paced`,
          barePaced.get(m) as Run,
          1,
        ),
      ]),
      ...measured.flatMap((m) => {
        const cluster = m.processes > 1;
        const loops = m.processes * m.threads;
        return [
          '',
          `Collector with ${name(m)} (COLLECTOR_PROCESSES=${m.processes}, COLLECTOR_THREADS=${m.threads}, COLLECTOR_INTAKE_THREADS=${m.intakeThreads}):`,
          `- single-event throughput: ${share(m.single, bareOf(1))} of the bare server with one process (target ≥ 40%)${loops > 1 && bare.has(loops) ? `, ${share(m.single, bareOf(loops))} of the bare server with ${loops} processes` : ''}`,
          `- batch mode: ${Math.round(m.batch.rps * 20).toLocaleString('en-US')} events/s (target ≥ 50,000)`,
          `- p99 at 80% of the max single-event rate (${Math.round(m.single.rps * 0.8).toLocaleString('en-US')} requests/s, evenly paced): ${m.paced.p99} ms (target < 50 ms); the bare server at that rate: p50 ${barePaced.get(m)?.p50} ms, p99 ${barePaced.get(m)?.p99} ms; in the collector's run, inside the collector (histogram bucket bounds): request read to answer written p50 ≤ ${m.served.p50} ms, p99 ≤ ${m.served.p99} ms, of it the wait for Kafka's acknowledgement p50 ≤ ${m.produce.p50} ms, p99 ≤ ${m.produce.p99} ms; event-loop delay p99 ${m.lag.p99} ms, max ${m.lag.max} ms${cluster || m.threads > 1 ? ' (averaged over the event loops)' : ''}`,
          cluster
            ? `- collector RSS after the runs: largest process ${m.memory.largest.now} MB, peak ${m.memory.largest.peak} MB (target < 200 MB); all ${m.processes + 1} processes (the primary included) ${m.memory.now} MB, sum of their peaks ${m.memory.peak} MB; V8 heaps summed ${m.heap.used} MB used of ${m.heap.total} MB, external ${m.heap.external} MB`
            : `- collector RSS after the runs: ${m.memory.now} MB, peak ${m.memory.peak} MB (target < 200 MB); of it the V8 heap ${m.heap.used} MB used of ${m.heap.total} MB, external ${m.heap.external} MB`,
        ];
      }),
    ];
    console.log(`\n${lines.join('\n')}\n`);
  } finally {
    broker.stop();
  }
}

await main();
