import { setTimeout as sleep } from 'node:timers/promises';
import { inject, it } from 'vitest';
import { waitFor } from '../helpers.ts';
import type { FaultRig } from './rig.ts';
import { FAULT_POINTS, runScenario, STREAM_EVENTS } from './scenario.ts';

/** Longer than the rig's group session (KAFKA_SESSION_TIMEOUT_MS 6 s): an insert hangs past it. */
const FREEZE_MS = 10_000;
/** The workers call a partition stalled after this (INGEST_STALL_SECONDS; 120 by default, 5 at least). */
const STALL_SECONDS = 5;

/** The fault is in the warehouse, not in the stream's length: 60% of the stream keeps CI within its limit. */
const EVENTS = Math.round(STREAM_EVENTS * 0.6);

const readiness = (rig: FaultRig) =>
  Promise.all(
    rig.workers.map(async (worker) => {
      const response = await fetch(worker.spec.readyUrl.replace('/healthz', '/readyz')).catch(() => undefined);
      return response?.status ?? 0;
    }),
  );

it('the warehouse frozen mid-insert past the group session at 10%, 50% and 90%, two workers: nothing lost or twice, the stall reported and over', async () => {
  await runScenario({
    name: 'frozen-warehouse',
    events: EVENTS,
    rig: { brokers: inject('kafkaBrokers'), workers: 2, env: { INGEST_STALL_SECONDS: String(STALL_SECONDS) } },
    async inject(rig) {
      for (const point of FAULT_POINTS) {
        await rig.whenIngested(point * EVENTS);
        // Stopped, not killed: the connections stay open and every insert in flight hangs where it was, then goes
        // on when the warehouse wakes, after the group may have moved its partition to the other worker.
        const frozen = rig.warehouseServer.freeze(FREEZE_MS);
        // A hung insert is a stall that readiness reports, not a green light.
        await sleep((STALL_SECONDS + 2.5) * 1000);
        const during = await readiness(rig);
        await frozen;
        if (!during.includes(503)) throw new Error(`no worker reported the stall: /readyz answered ${during}`);
        await waitFor(
          async () => ((await readiness(rig)).every((status) => status === 200) ? true : undefined),
          120_000,
          'every worker ready again after the warehouse woke',
        );
      }
    },
  });
});
