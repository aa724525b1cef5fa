import type { KafkaLog } from '@tern/stream';
import pino from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  expectPathnamesOnTopic,
  isolatedCollectorEnv,
  prepareControlPlane,
  spawnCollectorForSite,
} from '../../../test/control-plane.ts';
import {
  acceptedEventsIn,
  freePort,
  postOnOwnConnection,
  postPageviewRound,
  randomId,
  scrapeOnOwnConnection,
  waitFor,
} from '../../../test/helpers.ts';
import { loadCollectorConfig } from './config.ts';
import { startCollectorThreads } from './threads/supervisor.ts';

const id = randomId();
const site = `threads-${id}.example`;
let admin: KafkaLog | undefined;
/** Left running only by a failed test: it would outlive the suite. */
let leftRunning: number | undefined;
afterAll(async () => {
  if (leftRunning) process.kill(leftRunning, 'SIGKILL');
  await admin?.close();
});

const connectionsByThread = (text: string) =>
  new Map(
    [...text.matchAll(/^tern_collector_connections_total\{thread="(\d+)"\} (\d+)$/gm)].map(
      ([, thread, count]) => [thread, Number(count)] as const,
    ),
  );

describe('collector with COLLECTOR_THREADS=2', () => {
  it('refuses threads on the embedded log, and threads with processes, naming the variable', () => {
    expect(() => loadCollectorConfig({ COLLECTOR_THREADS: '2' })).toThrow(/COLLECTOR_THREADS/);
    expect(() =>
      loadCollectorConfig({ COLLECTOR_THREADS: '2', COLLECTOR_PROCESSES: '2', KAFKA_BROKERS: 'localhost:9092' }),
    ).toThrow(/COLLECTOR_THREADS and COLLECTOR_PROCESSES/);
    expect(loadCollectorConfig({ COLLECTOR_THREADS: '2', KAFKA_BROKERS: 'localhost:9092' }).threads).toBe(2);
  });

  it('serves from both threads of one process, sums their metrics, and flushes both on SIGTERM', async () => {
    const spawned = await spawnCollectorForSite(inject('kafkaBrokers'), id, site, { COLLECTOR_THREADS: '2' });
    admin = spawned.admin;
    const { env, child: collector, url } = spawned;
    leftRunning = collector.pid;
    const exited = spawned.exited.finally(() => {
      leftRunning = undefined;
    });
    const threadsIn = (text: string) => Number(/^tern_collector_threads (\d+)$/m.exec(text)?.[1]);
    await waitFor(
      async () => (threadsIn(await scrapeOnOwnConnection(url)) === 2 ? true : undefined),
      30_000,
      'two threads serving',
    );

    const acknowledged: string[] = [];
    for (let round = 0; round < 5; round++) {
      expect(await postPageviewRound(url, site, round, acknowledged)).toEqual(Array(20).fill(202));
    }

    // Every scrape, whichever thread answers it, counts the events of both.
    const scrapes = await Promise.all(Array.from({ length: 4 }, () => scrapeOnOwnConnection(url)));
    expect(scrapes.map(acceptedEventsIn)).toEqual([100, 100, 100, 100]);
    // Both threads took connections (the kernel wakes each on a new one; the first to accept it has it).
    const connections = connectionsByThread(scrapes[3] as string);
    expect(connections.size).toBe(2);
    for (const count of connections.values()) expect(count).toBeGreaterThan(0);
    expect([...connections.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(100);
    // The process's own figures are counted once, not once per thread.
    const cpu = (text: string) => Number(/^tern_collector_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1]);
    expect(cpu(scrapes[0] as string)).toBeGreaterThan(0);

    collector.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expectPathnamesOnTopic(spawned.admin, env, acknowledged, 'every acknowledged event');
  }, 120_000);

  it('replaces a thread that dies, and the replacement takes connections', async () => {
    // In this process, so that the test can end one thread: nothing outside a process can.
    const env = isolatedCollectorEnv(inject('kafkaBrokers'), `${id}-replace`, {
      COLLECTOR_PORT: String(await freePort()),
      COLLECTOR_THREADS: '2',
      RATE_LIMIT_IP_PER_SECOND: '0',
    });
    const log = await prepareControlPlane(env, [site]);
    let gaveUp = false;
    const collector = await startCollectorThreads(loadCollectorConfig(env), pino({ level: 'silent' }), () => {
      gaveUp = true;
    });
    try {
      const threadsIn = (text: string) => Number(/^tern_collector_threads (\d+)$/m.exec(text)?.[1]);
      const [first] = collector.threads();
      expect(first).toBeDefined();
      await waitFor(
        async () => (threadsIn(await scrapeOnOwnConnection(collector.url)) === 2 ? true : undefined),
        30_000,
        'two threads serving',
      );
      const firstId = first?.threadId;
      await first?.terminate();

      // Meanwhile the main thread alone answers.
      const body = JSON.stringify({ site, events: [{ type: 'pageview', url: `https://${site}/while-one-is-down` }] });
      expect(await postOnOwnConnection(collector.url, body)).toBe(202);
      const [replacement] = await waitFor(
        async () => {
          const threads = collector.threads();
          return threads.length === 1 && threads[0]?.threadId !== firstId ? threads : undefined;
        },
        10_000,
        'a replacement thread',
      );
      const replacementId = String(replacement?.threadId);
      // It listens, and the kernel hands it connections like any other thread.
      await waitFor(
        async () => {
          await Promise.all(Array.from({ length: 20 }, () => postOnOwnConnection(collector.url, body)));
          const text = await scrapeOnOwnConnection(collector.url);
          return threadsIn(text) === 2 && (connectionsByThread(text).get(replacementId) ?? 0) > 0 ? true : undefined;
        },
        30_000,
        'the replacement taking connections',
      );
      expect(gaveUp).toBe(false);
    } finally {
      await collector.stop();
      await log.close();
    }
  }, 120_000);
});
