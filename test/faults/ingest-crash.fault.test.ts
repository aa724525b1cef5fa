import { inject, it } from 'vitest';
import { FAULT_POINTS, runScenario, STREAM_EVENTS } from './scenario.ts';

it('kill -9 of the ingest worker, restarted, at 10%, 50% and 90% of ingest: nothing lost, nothing twice', async () => {
  await runScenario({
    name: 'ingest-kill',
    rig: { brokers: inject('kafkaBrokers'), workers: 1 },
    async inject(rig) {
      const [worker] = rig.workers;
      if (!worker) throw new Error('no worker');
      for (const point of FAULT_POINTS) {
        await rig.whenIngested(point * STREAM_EVENTS);
        await worker.kill();
        await worker.start();
      }
    },
  });
});
