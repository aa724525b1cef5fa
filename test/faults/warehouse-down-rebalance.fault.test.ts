import { setTimeout as sleep } from 'node:timers/promises';
import { inject, it } from 'vitest';
import { FAULT_POINTS, runScenario, STREAM_EVENTS } from './scenario.ts';

/** The fault is in the warehouse, not in the stream's length: 60% of the stream keeps CI within its limit. */
const EVENTS = Math.round(STREAM_EVENTS * 0.6);

/** Longer than the rig's group session (6 s), so the group moves the crashed worker's partitions mid-outage. */
const OUTAGE_MS = 20_000;

it('the warehouse down while a worker crashes and another joins, at 10%, 50% and 90%: nothing lost or twice', async () => {
  await runScenario({
    name: 'warehouse-down-rebalance',
    events: EVENTS,
    rig: { brokers: inject('kafkaBrokers'), workers: 2 },
    async inject(rig) {
      const [first, second] = rig.workers;
      if (!first || !second) throw new Error('two workers expected');
      for (const [i, point] of FAULT_POINTS.entries()) {
        await rig.whenIngested(point * EVENTS);
        // The warehouse dies mid-insert (a crash can leave a block in events that a view has not taken yet).
        await rig.warehouseServer.kill();
        // One worker crashes while it waits: after its session the group gives its partitions to the other, which
        // has to rebuild their state from a warehouse that is not there.
        const crashed = i % 2 === 0 ? second : first;
        await sleep(1_000);
        await crashed.kill();
        await sleep(OUTAGE_MS);
        // It comes back while the warehouse is still down (it waits for the warehouse before it joins), and joins
        // as soon as the warehouse returns: another rebalance, right as the first inserts go through.
        const restarted = crashed.start(180_000);
        await sleep(2_000);
        await rig.warehouseServer.start();
        await restarted;
      }
    },
  });
});
