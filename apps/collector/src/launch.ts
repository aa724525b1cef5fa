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
 *
 * Session 10, for two collector threads in one process (COLLECTOR_THREADS=2) to fit in 200 MB:
 * - glibc kept freed memory: its main heap held 82 MB after the bench's load, most of it Buffers' backing stores
 *   already freed. A fixed 128 KB trim and mmap threshold (glibc otherwise raises the mmap threshold after each
 *   large free, so large buffers move onto the heap) took the process from 205 to 163 MB after the load (its heap
 *   from 82 to 44 MB). It costs throughput: in five alternations against glibc's defaults, 20-event batches ran
 *   at 0.80, 0.89, 0.92, 0.94 and 0.95 times the rate (CPU per event up 7-12% in four of them; large buffers
 *   are mapped and unmapped each time), for 160-172 MB after the load against 195-204. A 1 MB mmap threshold
 *   held 181-189 MB; a 2 MB trim threshold with 1 MB of top pad saved no CPU (three alternations).
 * - A 4 MB semi-space instead of 8: 170-177 MB after the load against 192-203 (peak 191-198 against 207-212), in
 *   two alternations; CPU per event 455 against 360 µs in the first, 456 against 444 in the second.
 * - No --enable-source-maps: Node holds each bundle's decoded map, about 14 MB of peak per thread. Stack traces
 *   name the bundle's lines (dist/*.mjs, not minified, so still readable); NODE_OPTIONS=--enable-source-maps
 *   maps them back to src/ when wanted.
 */
export const COLLECTOR_BUNDLE = 'apps/collector/dist/main.mjs';
export const COLLECTOR_NODE_ARGS = ['--max-old-space-size=128', '--max-semi-space-size=4', '--single-threaded-gc'];
export const COLLECTOR_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
} as const;
