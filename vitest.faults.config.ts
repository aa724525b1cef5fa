import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/faults/longest-first.ts';

/**
 * `npm run test:faults`: the fault tests, two files at a time (each runs the whole pipeline as processes, with its
 * own topics, ports and warehouse). Much of a scenario is waiting out an outage, so on 2 cores two at a time took
 * 382-476 s where one at a time took 607-624 s in CI. Each scenario runs slower and its processes starve more, which
 * is part of the test: the first CI run this way found an ingest worker that stopped consuming for good after its
 * group dropped it (fixed in @tern/stream's KafkaConsumer).
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.test.ts'],
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 180_000,
    reporters: ['default', './test/summary-reporter.ts'],
    sequence: { sequencer: LongestFirstSequencer },
  },
});
