import { it } from 'vitest';
import { DedicatedBroker } from '../kafka.ts';
import { FAULT_POINTS, runScenario, STREAM_EVENTS, whenAcked } from './scenario.ts';

it('the Kafka broker killed and restarted at 10%, 50% and 90% of the stream: every 202 stored once', async () => {
  const broker = await DedicatedBroker.onFreePorts();
  await broker.start();
  try {
    const verdict = await runScenario({
      name: 'broker-restart',
      rig: { brokers: broker.brokers, workers: 1 },
      async inject(_rig, stream) {
        for (const point of FAULT_POINTS) {
          await whenAcked(stream, point * STREAM_EVENTS);
          await broker.kill();
          await broker.start();
        }
      },
    });
    console.log(`[fault] broker-restart: ${verdict.sent - verdict.acked} events were answered without a 202`);
  } finally {
    broker.stop();
  }
});
