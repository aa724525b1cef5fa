import type { IngestHealth } from '@tern/ingest';
import type { WebRuntime } from './runtime.ts';

export interface WebHealth {
  status: 'ok' | 'stalled';
  log: string;
  warehouse: string;
  sites: number;
  /** The in-process ingest worker's lag and stalled partitions (the embedded mode). */
  ingest?: IngestHealth;
}

export async function healthOf(rt: WebRuntime): Promise<WebHealth> {
  const ingest = rt.ingest?.health();
  return {
    status: ingest?.status ?? 'ok',
    log: rt.log.kind,
    warehouse: rt.warehouse.kind,
    sites: rt.sites.size,
    ...(ingest ? { ingest } : {}),
  };
}
