import { setTimeout as sleep } from 'node:timers/promises';
import { inject, it } from 'vitest';
import { FAULT_POINTS, runScenario, STREAM_EVENTS } from './scenario.ts';

const OUTAGE_MS = 30_000;

it('ClickHouse unavailable for 30 s at 10%, 50% and 90% of ingest: the worker waits, then stores everything once', async () => {
  await runScenario({
    name: 'warehouse-outage',
    rig: { brokers: inject('kafkaBrokers'), workers: 1 },
    async inject(rig) {
      for (const point of FAULT_POINTS) {
        await rig.whenIngested(point * STREAM_EVENTS);
        await rig.warehouseServer.kill();
        const { committed } = await rig.ingestProgress();
        await sleep(OUTAGE_MS);
        // Nothing may be committed while ClickHouse cannot have stored it (one batch in flight at the kill aside).
        const during = await rig.ingestProgress();
        if (during.committed - committed > 0) {
          throw new Error(`ingest committed ${during.committed - committed} messages while ClickHouse was down`);
        }
        await rig.warehouseServer.start();
      }
    },
  });
});
