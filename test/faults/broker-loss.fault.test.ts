import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { KafkaCluster } from '../kafka.ts';
import { runScenario, STREAM_EVENTS, whenAcked } from './scenario.ts';

/** 100 s of stream at 600 events/s: long enough to run through both outages and the restarts. */
const EVENTS = Math.min(60_000, STREAM_EVENTS);

/** How long each broker stays down. */
const DOWN_MS = 30_000;

it('a 3-broker cluster loses a broker for 30 s, then the leader of the busiest partition: every 202 stored once', async () => {
  const cluster = await KafkaCluster.onFreePorts();
  await cluster.start();
  const injected: string[] = [];
  try {
    const verdict = await runScenario({
      name: 'broker-loss',
      // Replication 3 with min.insync.replicas 2: with one broker down the collector can still write with acks=all.
      rig: { brokers: cluster.brokers, workers: 1, env: { KAFKA_REPLICATION_FACTOR: '3' } },
      streamRate: 600,
      events: EVENTS,
      async inject(rig, stream) {
        await whenAcked(stream, 0.05 * EVENTS);
        await cluster.kill(3);
        injected.push(`node 3 killed at ${stream.acked} acked`);
        await sleep(DOWN_MS);
        await cluster.startNode(3);
        injected.push(`node 3 back at ${stream.acked} acked`);

        // The second fault right after the first recovery, so the stream also runs through the second restart.
        const leader = await rig.busiestPartitionLeader();
        await cluster.kill(leader);
        injected.push(`leader node ${leader} killed at ${stream.acked} acked`);
        await sleep(DOWN_MS);
        await cluster.startNode(leader);
        injected.push(`node ${leader} back at ${stream.acked} acked`);
      },
      async after(rig) {
        // Ingest caught up: the group's committed offsets reached the end of every partition.
        const progress = await rig.ingestProgress();
        expect(progress.committed).toBe(progress.end);
      },
    });
    console.log(
      `[fault] broker-loss: ${injected.join('; ')}. ${verdict.acked} events got a 202 and are stored once; ` +
        `${verdict.sent - verdict.acked} were answered without a 202 (503 or no answer)`,
    );
  } finally {
    cluster.stop();
  }
});
