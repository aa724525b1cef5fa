/**
 * How the collector's bundle is started, wherever it is: scripts/start.ts, the tests and the bench use these, and
 * infra/ spells the same (test/manifests.test.ts checks). A 128 MB old space and two malloc arenas kept the RSS after
 * the bench's load at 161 MB (peak 182) against 224 MB (peak 262) without them, with throughput within the bench's
 * noise (bench/README.md). The delivery queue's bound (COLLECTOR_MAX_QUEUED_EVENTS, 50,000 messages of about 1 KB)
 * fits in that heap.
 */
export const COLLECTOR_BUNDLE = 'apps/collector/dist/main.mjs';
export const COLLECTOR_NODE_ARGS = ['--max-old-space-size=128', '--enable-source-maps'];
export const COLLECTOR_ENV = { MALLOC_ARENA_MAX: '2' } as const;
