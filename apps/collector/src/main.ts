import cluster from 'node:cluster';
import pino from 'pino';
import { superviseCollectors } from './cluster/supervisor.ts';
import type { RunningCollector } from './collector.ts';
import { loadCollectorConfig } from './config.ts';

/**
 * `npm run start -w apps/collector`: one collector process, or with COLLECTOR_PROCESSES > 1 a primary that runs
 * that many on the shared port; each collector stops cleanly on SIGTERM or SIGINT.
 */
const config = loadCollectorConfig();
if (config.processes > 1 && cluster.isPrimary) {
  superviseCollectors(config.processes, pino({ level: config.logLevel, base: { service: 'collector' } }));
} else {
  // Imported here, so that a cluster's primary does not load what only serves requests.
  const { startCollector } = await import('./collector.ts');
  const { startCollectorThreads } = await import('./threads/supervisor.ts');
  let collector: RunningCollector | undefined;
  let exiting = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (exiting) return;
      exiting = true;
      // Before it listens, a collector has acknowledged nothing, so there is nothing to flush.
      if (!collector) process.exit(0);
      const deadline = setTimeout(() => process.exit(1), 15_000);
      collector.stop().then(
        () => {
          clearTimeout(deadline);
          process.exit(0);
        },
        () => process.exit(1),
      );
    });
  }
  if (config.threads > 1) {
    const logger = pino({ level: config.logLevel, base: { service: 'collector' } });
    // Threads that keep crashing: the others stop as on SIGTERM, and the exit code says it failed.
    const giveUp = () => {
      exiting = true;
      const stopped = collector ? collector.stop() : Promise.resolve();
      stopped.finally(() => process.exit(1));
    };
    collector = await startCollectorThreads(config, logger, giveUp);
  } else {
    collector = await startCollector(config);
  }
}
