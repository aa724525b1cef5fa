import { NextResponse } from 'next/server';
import { healthOf } from '../../../server/health.ts';
import { runtime } from '../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/** Readiness: 503 while the in-process ingest worker has a stalled partition (INGEST_STALL_SECONDS), else 200. */
export async function GET(): Promise<Response> {
  const health = await healthOf(await runtime());
  return NextResponse.json(health, { status: health.status === 'ok' ? 200 : 503 });
}
