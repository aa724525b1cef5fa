import { setTimeout as sleep } from 'node:timers/promises';
import { inject, it } from 'vitest';
import { FAULT_POINTS, runScenario, STREAM_EVENTS } from './scenario.ts';

/** Longer than the rig's group session (KAFKA_SESSION_TIMEOUT_MS 6 s): an insert hangs past it. */
const FREEZE_MS = 10_000;

/** The fault is in the warehouse, not in the stream's length: 60% of the stream keeps CI within its limit. */
const EVENTS = Math.round(STREAM_EVENTS * 0.6);

it('the warehouse frozen mid-insert past the group session at 10%, 50% and 90%, two workers: nothing lost or twice', async () => {
  await runScenario({
    name: 'frozen-warehouse',
    events: EVENTS,
    rig: { brokers: inject('kafkaBrokers'), workers: 2 },
    async inject(rig) {
      for (const point of FAULT_POINTS) {
        await rig.whenIngested(point * EVENTS);
        // Stopped, not killed: the connections stay open and every insert in flight hangs where it was, then goes
        // on when the warehouse wakes, after the group has dropped the members whose inserts hung.
        await rig.warehouseServer.freeze(FREEZE_MS);
        await sleep(3_000);
      }
    },
  });
});
