import type { CollectorConfig } from '../config.ts';
import type { SharedLookups } from '../intake/prepare-deps.ts';
import type { MetricsJson } from '../metrics.ts';

/** What a collector thread starts from (its `workerData`). */
export interface CollectorThreadData {
  /** The main thread's parsed configuration: plain data, so a thread parses nothing again. */
  config: CollectorConfig;
  /** Its own descriptor of the collector's listening socket. */
  fd: number;
  lookups: SharedLookups;
}

/** From the main thread to a collector thread. */
export type ToCollectorThread =
  | { type: 'stop' }
  | { type: 'metrics-gather'; id: number }
  | { type: 'metrics-response'; id: number; text?: string; error?: string };

/** From a collector thread to the main thread. */
export type FromCollectorThread =
  | { type: 'listening' }
  | { type: 'metrics-request'; id: number }
  | { type: 'metrics-part'; id: number; metrics: MetricsJson };
