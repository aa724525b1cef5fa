import { inject, it } from 'vitest';
import { FAULT_POINTS, runScenario, STREAM_EVENTS, whenAcked } from './scenario.ts';

it('kill -9 of the collector with requests in flight at 10%, 50% and 90%: every 202 stored once', async () => {
  const verdict = await runScenario({
    name: 'collector-kill',
    rig: { brokers: inject('kafkaBrokers'), workers: 1 },
    async inject(rig, stream) {
      for (const point of FAULT_POINTS) {
        await whenAcked(stream, point * STREAM_EVENTS);
        await rig.collector.kill();
        await rig.collector.start();
      }
    },
  });
  console.log(
    `[fault] collector-kill: of ${verdict.sent - verdict.acked} unacknowledged events, ` +
      `${verdict.unackedStored} arrived anyway and ${verdict.unackedLost} did not`,
  );
});
