import { inject, it } from 'vitest';
import { FAULT_POINTS, runScenario, STREAM_EVENTS } from './scenario.ts';

it('two workers, one killed at 10%, 50% and 90% of ingest, the other takes over: nothing lost, nothing twice', async () => {
  await runScenario({
    name: 'rebalance',
    rig: { brokers: inject('kafkaBrokers'), workers: 2 },
    async inject(rig) {
      const victims = [1, 0, 1];
      for (const [i, point] of FAULT_POINTS.entries()) {
        await rig.whenIngested(point * STREAM_EVENTS);
        const victim = rig.workers[victims[i] ?? 0];
        if (!victim) throw new Error('no worker');
        await victim.kill();
        const last = i === FAULT_POINTS.length - 1;
        if (last) {
          // The survivor alone must drain every partition, the dead worker's included.
          await rig.drained();
          return;
        }
        // The survivor takes over the dead worker's partitions and moves on before the worker comes back.
        const stored = await rig.storedEvents();
        await rig.whenIngested(Math.min(stored + 0.05 * STREAM_EVENTS, STREAM_EVENTS));
        await victim.start();
      }
    },
  });
});
