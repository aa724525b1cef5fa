import type { KafkaLog } from '@tern/stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectPathnamesOnTopic,
  type IsolatedEnv,
  isolatedCollectorEnv,
  prepareControlPlane,
} from '../../../test/control-plane.ts';
import { BROWSER_UA, randomId, waitFor } from '../../../test/helpers.ts';
import { DedicatedBroker } from '../../../test/kafka.ts';
import { type RunningCollector, startCollector } from './collector.ts';
import { loadCollectorConfig } from './config.ts';

/**
 * Kafka goes down under load: the collector answers 503 with Retry-After (never 202) for what it cannot write,
 * recovers when Kafka is back, and every event it answered 202 for is on the topic.
 */
const id = randomId();
const site = `outage-${id}.example`;
let broker: DedicatedBroker;
let collector: RunningCollector;
let admin: KafkaLog;
let env: IsolatedEnv;

beforeAll(async () => {
  broker = await DedicatedBroker.onFreePorts();
  await broker.start();
  env = isolatedCollectorEnv(broker.brokers, id, {
    EVENTS_PARTITIONS: '3',
    RATE_LIMIT_IP_PER_SECOND: '0',
    COLLECTOR_ACK_TIMEOUT_MS: '3000',
    COLLECTOR_MAX_QUEUED_EVENTS: '200',
  });
  admin = await prepareControlPlane(env, [site]);
  collector = await startCollector(loadCollectorConfig(env));
}, 120_000);

afterAll(async () => {
  await collector?.stop().catch(() => {});
  await admin?.close().catch(() => {});
  broker?.stop();
});

describe('collector when Kafka goes down', () => {
  it('never answers 202 for an event that is not in Kafka, and recovers', async () => {
    const outcomes = new Map<number, number>();
    let next = 0;
    let phase: 'up' | 'down' | 'back' = 'up';
    const byPhase = { up: new Map<number, number>(), down: new Map<number, number>(), back: new Map<number, number>() };
    const sendOne = async (): Promise<void> => {
      const n = next++;
      const started = phase;
      const response = await fetch(`${collector.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
        body: JSON.stringify({ site, events: [{ type: 'pageview', url: `https://${site}/p/${n}` }] }),
      }).catch(() => undefined);
      const status = response?.status ?? 0;
      if (status === 503) expect(Number(response?.headers.get('retry-after'))).toBeGreaterThan(0);
      await response?.text();
      outcomes.set(n, status);
      byPhase[started].set(status, (byPhase[started].get(status) ?? 0) + 1);
    };
    const load = async (until: () => boolean) => {
      while (!until()) await Promise.all(Array.from({ length: 5 }, sendOne));
    };

    const t0 = Date.now();
    await load(() => Date.now() - t0 > 2000);
    await broker.kill();
    phase = 'down';
    const t1 = Date.now();
    await load(() => Date.now() - t1 > 8000);
    // Keep the load on while the broker restarts: those requests must be refused too, not acknowledged.
    let restarted = false;
    const restart = broker.start().then(() => {
      restarted = true;
    });
    await load(() => restarted);
    await restart;
    phase = 'back';
    await waitFor(
      async () => {
        await load(() => true);
        await Promise.all(Array.from({ length: 5 }, sendOne));
        return [...outcomes.values()].slice(-5).every((s) => s === 202) ? true : undefined;
      },
      60_000,
      'the collector to accept again',
    );
    const t2 = Date.now();
    await load(() => Date.now() - t2 > 2000);

    const acknowledged = new Set([...outcomes].filter(([, s]) => s === 202).map(([n]) => `/p/${n}`));
    const refused = [...outcomes.values()].filter((s) => s === 503).length;
    console.log(
      `outage: ${outcomes.size} requests; before ${JSON.stringify(Object.fromEntries(byPhase.up))}, ` +
        `while down ${JSON.stringify(Object.fromEntries(byPhase.down))}, after ${JSON.stringify(Object.fromEntries(byPhase.back))}`,
    );
    expect(byPhase.up.get(202)).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(byPhase.back.get(202)).toBeGreaterThan(0);
    for (const status of outcomes.values()) expect([202, 503]).toContain(status);

    const onTopic = await expectPathnamesOnTopic(admin, env, acknowledged, 'every acknowledged event on the topic');
    console.log(
      `outage: ${acknowledged.size} acknowledged, all on the topic; ${refused} answered 503; ${onTopic.size} on the topic`,
    );
  }, 240_000);
});
