import { setTimeout as sleep } from 'node:timers/promises';
import { inject, it } from 'vitest';
import { FAULT_POINTS, runScenario, STREAM_EVENTS } from './scenario.ts';

/** Longer than the rig's group session (KAFKA_SESSION_TIMEOUT_MS 6 s): the group hands the partitions over. */
const FREEZE_MS = 9_000;

it('two workers, one frozen past its group session and woken again, twice around 10%, 50% and 90%: nothing twice', async () => {
  await runScenario({
    name: 'frozen-worker',
    rig: { brokers: inject('kafkaBrokers'), workers: 2 },
    async inject(rig) {
      for (const [i, point] of FAULT_POINTS.entries()) {
        await rig.whenIngested(point * STREAM_EVENTS);
        for (const round of [0, 1]) {
          const victim = rig.workers[(i + round) % 2];
          if (!victim) throw new Error('no worker');
          // Frozen while it works: whatever batch it holds, it still holds when it wakes, and it goes on with it.
          await victim.freeze(FREEZE_MS);
          await sleep(2_000);
        }
      }
    },
  });
});
