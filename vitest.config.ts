import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{apps,packages,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.next/**', '**/dist/**', '**/*.fault.test.ts'],
    // chDB binds one data directory per process: every test file runs in its own child process.
    pool: 'forks',
    // Two files at a time: vitest's default on 2 cores is one. Much of a test waits on a broker, Chromium or a
    // process it started, so on this machine `npm test` took 244 and 267 s two at a time against 363 s one at a
    // time, and CI keeps a few minutes' margin under its 20. The slowest test then took 34 s (its limit is 240).
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
