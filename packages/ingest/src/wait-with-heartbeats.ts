import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `ms`, heartbeating at least every `sliceMs`, so the consumer group keeps this member while it backs off.
 * One sleep of the whole backoff (up to 10 s) outlived a 6 s group session: the coordinator dropped the worker in
 * the middle of a warehouse outage, its partitions moved, and the next owner's rebuilt state could miss a batch in the
 * rollups (the warehouse-outage fault test's 55 rollup and 37 session mismatches, in one CI run of three).
 */
export async function waitWithHeartbeats(ms: number, heartbeat: () => Promise<void>, sliceMs = 1_000): Promise<void> {
  const until = performance.now() + ms;
  // Timers count whole milliseconds of the loop's clock and may fire a fraction of one early: less than a
  // millisecond left is done (else a 10 ms wait sometimes took a second slice and a second heartbeat).
  for (let left = ms; left >= 1; left = until - performance.now()) {
    await sleep(Math.min(sliceMs, left));
    await heartbeat();
  }
}
