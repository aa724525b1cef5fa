import { NextResponse } from 'next/server';
import { runtime } from '../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/** Health of the web process, and of the ingest worker it runs in the embedded mode: 503 while a partition stalls. */
export async function GET(): Promise<Response> {
  const rt = await runtime();
  const ingest = rt.ingest?.health();
  const status = ingest?.status ?? 'ok';
  return NextResponse.json(
    { status, log: rt.log.kind, warehouse: rt.warehouse.kind, sites: rt.sites.size, ...(ingest ? { ingest } : {}) },
    { status: status === 'ok' ? 200 : 503 },
  );
}
