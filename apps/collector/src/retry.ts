import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** Start-up waits for a dependency that may come up after us (compose, Kubernetes), then gives up. */
export async function retryUntilReady<T>(attempt: () => Promise<T>, log: Logger, what: string, tries = 30): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      log.warn({ err: error, attempt: i }, `${what} not reachable yet, retrying`);
      await sleep(Math.min(5000, 200 * 2 ** i));
    }
  }
}
