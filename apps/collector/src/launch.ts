/**
 * How the collector's bundle is started, wherever it is: scripts/start.ts, the tests and the bench use these, and
 * infra/ spells the same (test/manifests.test.ts checks). A 128 MB old space and two malloc arenas kept the RSS after
 * the bench's load at 161 MB (peak 182) against 224 MB (peak 262) without them, with throughput within the bench's
 * noise (bench/README.md). The delivery queue's bound (COLLECTOR_MAX_QUEUED_EVENTS, 50,000 messages of about 1 KB)
 * fits in that heap. An 8 MB semi-space (the young generation's half) took the peak RSS under the bench's load from
 * 196-202 MB to 166-174 MB over five alternations, with throughput within the noise: since the events are checked
 * without zod, too little is allocated per request for a larger young generation to pay. Garbage collection on the
 * JavaScript thread alone (--single-threaded-gc) cut the CPU per batched event from 30.5-30.8 to 24.1-25.7 µs
 * in one process, and with two processes sharing the machine took 20-event batches from 43,902-45,364 to
 * 59,800-63,264 events/s, in two alternations: V8's helper threads cost more in synchronisation than they saved
 * on two cores shared with the broker (bench/README.md). It costs 10-14 MB of RSS.
 */
export const COLLECTOR_BUNDLE = 'apps/collector/dist/main.mjs';
export const COLLECTOR_NODE_ARGS = [
  '--max-old-space-size=128',
  '--max-semi-space-size=8',
  '--single-threaded-gc',
  '--enable-source-maps',
];
export const COLLECTOR_ENV = { MALLOC_ARENA_MAX: '2' } as const;
