import { startCollector } from './collector.ts';
import { loadCollectorConfig } from './config.ts';

/** `npm run start -w apps/collector`: one collector process, stopped cleanly by SIGTERM or SIGINT. */
const config = loadCollectorConfig();
const collector = await startCollector(config);
let exiting = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (exiting) return;
    exiting = true;
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
