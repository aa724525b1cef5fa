import { setTimeout as sleep } from 'node:timers/promises';

interface WarnLogger {
  warn(fields: object, message: string): void;
}

/**
 * Start-up waits for a dependency that may come up after us (compose, Kubernetes): exponential backoff with
 * jitter, capped at 5 s, then gives up with the last error.
 */
export async function retryUntilReady<T>(
  attempt: () => Promise<T>,
  log: WarnLogger,
  what: string,
  tries = 30,
): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      log.warn({ err: error, attempt: i }, `${what} not reachable yet, retrying`);
      await sleep(Math.min(5000, 100 * 2 ** i) * (0.5 + Math.random() / 2));
    }
  }
}
