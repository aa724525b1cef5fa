import { NextResponse } from 'next/server';
import { healthOf } from '../../../server/health.ts';
import { runtime } from '../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/**
 * Liveness: 200 while the process serves. The body tells the truth about the ingest worker it runs in the embedded
 * mode (`status: "stalled"`, with the partition, its lag and for how long); `/api/ready` answers 503 then.
 */
export async function GET(): Promise<Response> {
  return NextResponse.json(await healthOf(await runtime()));
}
