import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: the fault tests, one at a time (each runs the whole pipeline as processes). */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 180_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
