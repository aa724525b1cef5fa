import { get, request } from 'node:http';
import type { KafkaLog } from '@tern/stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  expectPathnamesOnTopic,
  isolatedCollectorEnv,
  prepareControlPlane,
  spawnCollectorBundle,
} from '../../../test/control-plane.ts';
import { BROWSER_UA, freePort, randomId, waitFor } from '../../../test/helpers.ts';
import { loadCollectorConfig } from './config.ts';

const id = randomId();
const site = `threads-${id}.example`;
let admin: KafkaLog | undefined;
/** Left running only by a failed test: it would outlive the suite. */
let leftRunning: number | undefined;
afterAll(async () => {
  if (leftRunning) process.kill(leftRunning, 'SIGKILL');
  await admin?.close();
});

/** One scrape on a connection of its own, so that scrapes land on different threads. */
const scrape = (url: string) =>
  new Promise<string>((done, fail) => {
    get(`${url}/metrics`, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => done(text));
    }).on('error', fail);
  });
/** A POST on a connection of its own: each new connection goes to whichever thread accepts it first. */
const post = (url: string, body: string) =>
  new Promise<number>((done) => {
    const sent = request(
      `${url}/v1/events`,
      { method: 'POST', agent: false, headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA } },
      (response) => response.resume().on('end', () => done(response.statusCode ?? 0)),
    );
    sent.on('error', () => done(0));
    sent.end(body);
  });
const acceptedIn = (text: string) => Number(/^tern_collector_events_accepted_total (\d+)$/m.exec(text)?.[1]);
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
    const port = await freePort();
    const env = isolatedCollectorEnv(inject('kafkaBrokers'), id, {
      COLLECTOR_PORT: String(port),
      COLLECTOR_THREADS: '2',
      RATE_LIMIT_IP_PER_SECOND: '0',
      LOG_LEVEL: 'warn',
    });
    admin = await prepareControlPlane(env, [site]);
    const collector = spawnCollectorBundle(env);
    leftRunning = collector.pid;
    const exited = new Promise<number | null>((done) =>
      collector.once('exit', (code) => {
        leftRunning = undefined;
        done(code);
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    const threadsIn = (text: string) => Number(/^tern_collector_threads (\d+)$/m.exec(text)?.[1]);
    await waitFor(async () => (threadsIn(await scrape(url)) === 2 ? true : undefined), 30_000, 'two threads serving');

    const acknowledged: string[] = [];
    for (let round = 0; round < 5; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async (_, n) => {
          const path = `/r/${round}/${n}`;
          const status = await post(
            url,
            JSON.stringify({ site, events: [{ type: 'pageview', url: `https://${site}${path}` }] }),
          );
          if (status === 202) acknowledged.push(path);
          return status;
        }),
      );
      expect(statuses).toEqual(Array(20).fill(202));
    }

    // Every scrape, whichever thread answers it, counts the events of both.
    const scrapes = await Promise.all(Array.from({ length: 4 }, () => scrape(url)));
    expect(scrapes.map(acceptedIn)).toEqual([100, 100, 100, 100]);
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
    await expectPathnamesOnTopic(admin, env, acknowledged, 'every acknowledged event');
  }, 120_000);
});
