import { readFileSync } from 'node:fs';
import type { KafkaLog } from '@tern/stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { expectPathnamesOnTopic, spawnCollectorForSite } from '../../../test/control-plane.ts';
import {
  acceptedEventsIn,
  postPageviewRound,
  randomId,
  scrapeOnOwnConnection,
  waitFor,
} from '../../../test/helpers.ts';
import { loadCollectorConfig } from './config.ts';

const id = randomId();
const site = `cluster-${id}.example`;
let admin: KafkaLog | undefined;
/** Left running only by a failed test: its processes would outlive the suite. */
const leftRunning = new Set<number>();
afterAll(async () => {
  for (const pid of leftRunning) {
    for (const child of childrenOf(pid)) process.kill(child, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
  }
  await admin?.close();
});

const childrenOf = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

describe('collector with COLLECTOR_PROCESSES=2', () => {
  it('refuses more than one process on the embedded log, naming the variable', () => {
    expect(() => loadCollectorConfig({ COLLECTOR_PROCESSES: '2' })).toThrow(/COLLECTOR_PROCESSES/);
    expect(loadCollectorConfig({ COLLECTOR_PROCESSES: '2', KAFKA_BROKERS: 'localhost:9092' }).processes).toBe(2);
  });

  it('serves from both processes, sums their metrics, replaces one that dies, and flushes both on SIGTERM', async () => {
    const spawned = await spawnCollectorForSite(inject('kafkaBrokers'), id, site, { COLLECTOR_PROCESSES: '2' });
    admin = spawned.admin;
    const { env, child: primary, url } = spawned;
    const pid = primary.pid as number;
    leftRunning.add(pid);
    const exited = spawned.exited.finally(() => leftRunning.delete(pid));
    await waitFor(async () => (childrenOf(pid).length === 2 ? true : undefined), 30_000, 'two collector processes');
    await waitFor(async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined), 30_000, 'the collector');

    const acknowledged: string[] = [];
    let round = 0;
    const sendRound = () => postPageviewRound(url, site, round++, acknowledged);
    for (let i = 0; i < 5; i++) expect(await sendRound()).toEqual(Array(20).fill(202));

    // Every scrape, whichever process answers it, counts the events of both.
    const scrapes = await Promise.all(Array.from({ length: 4 }, () => scrapeOnOwnConnection(url)));
    expect(scrapes.map(acceptedEventsIn)).toEqual([100, 100, 100, 100]);

    const processesIn = (text: string) => Number(/^tern_collector_processes (\d+)$/m.exec(text)?.[1]);
    expect(processesIn(scrapes[0] as string)).toBe(2);
    const [first, second] = childrenOf(pid) as [number, number];
    const killAndReplace = async (victim: number) => {
      process.kill(victim, 'SIGKILL');
      await waitFor(async () => (childrenOf(pid).includes(victim) ? undefined : true), 10_000, 'the kill');
      // The other process keeps answering new connections while the primary starts a replacement.
      expect(await sendRound()).toEqual(Array(20).fill(202));
      await waitFor(
        async () =>
          processesIn(await scrapeOnOwnConnection(url)) === 2 && childrenOf(pid).length === 2 ? true : undefined,
        30_000,
        'a replacement process serving',
      );
    };
    await killAndReplace(first);
    // Now the first one's replacement is the only process left to answer: it serves.
    await killAndReplace(second);
    expect(childrenOf(pid)).not.toContain(first);
    expect(childrenOf(pid)).not.toContain(second);

    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expectPathnamesOnTopic(spawned.admin, env, acknowledged, 'every acknowledged event');
    expect(acknowledged.length).toBeGreaterThanOrEqual(140);
  }, 120_000);
});
