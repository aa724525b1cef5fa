import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { randomId, tempDir, waitFor } from '../../../test/helpers.ts';
import { EmbeddedLog } from './embedded.ts';
import { FencedError } from './errors.ts';
import { KafkaLog } from './kafka.ts';
import type { Claim, EventLog, StreamMessage } from './types.ts';

/** A one-partition topic holding `count` messages of one key, valued `${prefix}0`, `${prefix}1`, … */
async function topicOfOneKey(log: EventLog, prefix: string, count: number) {
  const topic = `t-${randomId()}`;
  await log.ensureTopics([{ name: topic, partitions: 1 }]);
  const producer = await log.producer();
  await producer.send(
    topic,
    Array.from({ length: count }, (_, i) => ({ key: 'k', value: `${prefix}${i}` })),
  );
  return { topic, producer };
}

/** The same contract, checked on both backends: the pipeline must not care which one it runs on. */
const backends: Array<[string, () => EventLog]> = [
  ['embedded (SQLite)', () => new EmbeddedLog({ path: join(tempDir('log'), 'log.sqlite') })],
  ['Kafka', () => new KafkaLog({ brokers: [inject('kafkaBrokers')], clientId: `test-${randomId()}` })],
];

describe.each(backends)('event log: %s', (_name, open) => {
  const logs: EventLog[] = [];
  const openLog = () => {
    const log = open();
    logs.push(log);
    return log;
  };
  afterAll(async () => {
    for (const log of logs) await log.close();
  });

  it('delivers one partition while a batch of another is still in hand', async () => {
    const log = openLog();
    const topic = `t-${randomId()}`;
    await log.ensureTopics([{ name: topic, partitions: 4 }]);
    const producer = await log.producer();
    // Keys until both a first and a second partition have messages.
    const byPartition = new Map<number, string>();
    for (let i = 0; byPartition.size < 2 && i < 200; i++) {
      const key = `k${i}`;
      const partition = producer.partitionOf(topic, key);
      if (partition !== undefined && !byPartition.has(partition)) byPartition.set(partition, key);
      if (partition === undefined) await producer.send(topic, [{ key: 'probe', value: 'probe' }]);
    }
    // The lower partition is the one held: a consumer that walks partitions in order would reach it first.
    const [[stuck, stuckKey] = [0, ''], [free, freeKey] = [0, '']] = [...byPartition].sort(([a], [b]) => a - b);
    await producer.send(topic, [
      { key: stuckKey, value: 'held' },
      { key: freeKey, value: 'free' },
    ]);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const consumer = log.consumer({ groupId: `g-${randomId()}`, topics: [topic], fromBeginning: true });
    try {
      await consumer.run(async (batch) => {
        seen.push(...batch.messages.map((m) => `${batch.partition}:${m.value?.toString()}`));
        if (batch.partition === stuck) await held;
      });
      await waitFor(async () => (seen.includes(`${free}:free`) ? true : undefined), 30_000, 'the free partition');
      expect(seen).toContain(`${stuck}:held`);
    } finally {
      release();
      await consumer.stop();
    }
  });

  it('keeps one key in one partition, in order, with growing offsets', async () => {
    const log = openLog();
    const topic = `t-${randomId()}`;
    await log.ensureTopics([{ name: topic, partitions: 4 }]);
    const producer = await log.producer();
    const messages = Array.from({ length: 200 }, (_, i) => ({ key: `visitor-${i % 7}`, value: String(i) }));
    await producer.send(topic, messages);
    const ends = await log.endOffsets(topic);
    expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(200n);

    const seen: StreamMessage[] = [];
    const consumer = log.consumer({ groupId: `g-${randomId()}`, topics: [topic], fromBeginning: true });
    await consumer.run(async (batch) => {
      seen.push(...batch.messages);
    });
    await waitFor(async () => (seen.length === 200 ? true : undefined), 30_000, 'all 200 messages');
    await consumer.stop();

    const partitionsOfKey = new Map<string, Set<number>>();
    for (const m of seen) {
      const set = partitionsOfKey.get(m.key ?? '') ?? new Set<number>();
      set.add(m.partition);
      partitionsOfKey.set(m.key ?? '', set);
    }
    for (const set of partitionsOfKey.values()) expect(set.size).toBe(1);
    for (const key of partitionsOfKey.keys()) {
      const values = seen.filter((m) => m.key === key).map((m) => Number(m.value?.toString()));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it('resumes a group after its committed offsets and re-delivers a batch whose handler failed', async () => {
    const log = openLog();
    const groupId = `g-${randomId()}`;
    const { topic, producer } = await topicOfOneKey(log, 'a', 10);

    const firstRun: string[] = [];
    let failures = 0;
    const first = log.consumer({ groupId, topics: [topic], fromBeginning: true });
    await first.run(async (batch) => {
      if (failures === 0) {
        failures++;
        throw new Error('simulated failure before the write');
      }
      firstRun.push(...batch.messages.map((m) => m.value?.toString() ?? ''));
    });
    await waitFor(async () => (firstRun.length >= 10 ? true : undefined), 30_000, 'the first ten');
    await first.stop();
    expect(firstRun.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));

    await producer.send(
      topic,
      Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: `b${i}` })),
    );
    const secondRun: string[] = [];
    const second = log.consumer({ groupId, topics: [topic], fromBeginning: true });
    await second.run(async (batch) => {
      secondRun.push(...batch.messages.map((m) => m.value?.toString() ?? ''));
    });
    await waitFor(async () => (secondRun.length >= 5 ? true : undefined), 30_000, 'the next five');
    await second.stop();
    expect(secondRun).toEqual(Array.from({ length: 5 }, (_, i) => `b${i}`));
  });

  it('delivers again what follows the prefix a handler took', async () => {
    const log = openLog();
    const { topic } = await topicOfOneKey(log, 'm', 6);
    const deliveries: string[][] = [];
    const consumer = log.consumer({ groupId: `g-${randomId()}`, topics: [topic], fromBeginning: true });
    await consumer.run(async (batch) => {
      deliveries.push(batch.messages.map((m) => m.value?.toString() ?? ''));
      // The first time, take only the first two messages.
      if (deliveries.length === 1) return batch.messages[1]?.offset;
    });
    // The first delivery holds m5 too: wait for a later one to bring it again.
    await waitFor(async () => (deliveries.slice(1).flat().includes('m5') ? true : undefined), 30_000, 'the rest');
    await consumer.stop();
    expect(deliveries[0]?.slice(0, 2)).toEqual(['m0', 'm1']);
    expect(deliveries.slice(1).flat()).toEqual(['m2', 'm3', 'm4', 'm5']);
  });

  it('reports tombstones as null values', async () => {
    const log = openLog();
    const topic = `t-${randomId()}`;
    await log.ensureTopics([{ name: topic, partitions: 1, compacted: true }]);
    const producer = await log.producer();
    await producer.send(topic, [
      { key: 'site', value: '{}' },
      { key: 'site', value: null },
    ]);
    const seen: StreamMessage[] = [];
    const consumer = log.consumer({ groupId: `g-${randomId()}`, topics: [topic], fromBeginning: true });
    await consumer.run(async (batch) => {
      seen.push(...batch.messages);
    });
    await waitFor(async () => (seen.length === 2 ? true : undefined), 30_000, 'both records');
    await consumer.stop();
    expect(seen.map((m) => m.value)).toEqual([Buffer.from('{}'), null]);
  });
});

describe('event log: Kafka, a member its group expelled', () => {
  it('starts its consumer again when kafkajs stops it on an error it does not retry, and delivers again', async () => {
    const crashes: unknown[] = [];
    const logger = {
      info() {},
      warn() {},
      error(fields: object, message: string) {
        if (message === 'consumer crashed') crashes.push(fields);
      },
    };
    const log = new KafkaLog({ brokers: [inject('kafkaBrokers')], clientId: `test-${randomId()}`, logger });
    const { topic, producer } = await topicOfOneKey(log, 'm', 5);
    const deliveries: string[][] = [];
    let restarts = 0;
    const consumer = log.consumer({
      groupId: `g-${randomId()}`,
      topics: [topic],
      fromBeginning: true,
      sessionTimeoutMs: 6_000,
      onRestart: () => restarts++,
    });
    try {
      await consumer.run(async (batch) => {
        deliveries.push(batch.messages.map((m) => m.value?.toString() ?? ''));
        // Outlive the session without a heartbeat: the group drops this member, and the commit after the batch is
        // refused as from an unknown member, which kafkajs treats as fatal (a worker under load hit this in CI).
        if (deliveries.length === 1) await sleep(9_000);
      });
      await waitFor(async () => (deliveries.length >= 2 ? true : undefined), 60_000, 'the batch again');
      await producer.send(topic, [{ key: 'k', value: 'm5' }]);
      await waitFor(async () => (deliveries.flat().includes('m5') ? true : undefined), 30_000, 'a later message');
    } finally {
      await consumer.stop();
      await log.close();
    }
    // kafkajs gave up on its own (the case the restart is for), and the batch whose commit was refused came again.
    expect(crashes).toContainEqual(expect.objectContaining({ restart: false }));
    expect(restarts).toBeGreaterThanOrEqual(1);
    expect(deliveries[1]?.slice(0, 5)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  }, 120_000);
});

describe('Kafka: fencing a dropped member', () => {
  it('refuses the claim of a member the group dropped, and shows the next owner the claim left behind', async () => {
    const log = new KafkaLog({ brokers: [inject('kafkaBrokers')], clientId: `test-${randomId()}` });
    const { topic } = await topicOfOneKey(log, 'c', 5);
    const groupId = `g-${randomId()}`;
    const outcomes: string[] = [];
    const inherited: Array<Claim | undefined> = [];
    const first = log.consumer({ groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 6_000 });
    const second = log.consumer({ groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 6_000 });
    try {
      await first.run(async (_batch, context) => {
        if (outcomes.length > 0) return 4n;
        await context.claim({ from: 0n, through: 1n });
        outcomes.push('claimed 0-1');
        // Frozen past its session while the other member joins: the group hands the partition over.
        await sleep(9_000);
        try {
          await context.claim({ from: 2n, through: 4n });
          outcomes.push('claimed 2-4');
        } catch (error) {
          outcomes.push(error instanceof FencedError ? 'fenced' : `other: ${String(error)}`);
          throw error;
        }
      });
      await waitFor(async () => (outcomes.length > 0 ? true : undefined), 30_000, 'the first claim');
      await second.run(async (_batch, context) => {
        inherited.push(await context.claimed());
        return 4n;
      });
      await waitFor(async () => (outcomes.length > 1 && inherited.length > 0 ? true : undefined), 60_000, 'both');
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      await log.close();
    }
    expect(outcomes).toEqual(['claimed 0-1', 'fenced']);
    expect(inherited[0]).toEqual({ from: 0n, through: 1n });
  }, 120_000);
});
