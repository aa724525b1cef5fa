/**
 * How the collector's bundle is started, wherever it is: scripts/start.ts, the tests and the bench use these, and
 * infra/ spells the same (test/manifests.test.ts checks). A 128 MB old space and two malloc arenas kept the RSS after
 * the bench's load at 161 MB (peak 182) against 224 MB (peak 262) without them, with throughput within the bench's
 * noise (bench/README.md). The delivery queue's bound (COLLECTOR_MAX_QUEUED_EVENTS, 50,000 messages of about 1 KB)
 * fits in that heap. An 8 MB semi-space (the young generation's half) took the peak RSS under the bench's load from
 * 196-202 MB to 166-174 MB over five alternations, with throughput within the noise: since the events are checked
 * without zod, too little is allocated per request for a larger young generation to pay.
 */
export const COLLECTOR_BUNDLE = 'apps/collector/dist/main.mjs';
export const COLLECTOR_NODE_ARGS = ['--max-old-space-size=128', '--max-semi-space-size=8', '--enable-source-maps'];
export const COLLECTOR_ENV = { MALLOC_ARENA_MAX: '2' } as const;
