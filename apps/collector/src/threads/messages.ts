import type { CollectorConfig } from '../config.ts';
import type { SharedLookups } from '../intake/prepare-deps.ts';
import type { RelayMessage } from '../metrics-relay.ts';

/** What a collector thread starts from (its `workerData`). */
export interface CollectorThreadData {
  /** The main thread's parsed configuration: plain data, so a thread parses nothing again. */
  config: CollectorConfig;
  /** Its own descriptor of the collector's listening socket. */
  fd: number;
  lookups: SharedLookups;
}

/** From the main thread to a collector thread (besides the metrics relay's messages, `src/metrics-relay.ts`). */
export type ToCollectorThread = { type: 'stop' } | RelayMessage;

/** From a collector thread to the main thread. */
export type FromCollectorThread = { type: 'listening' } | RelayMessage;
