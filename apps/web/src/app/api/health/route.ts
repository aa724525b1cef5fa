import { NextResponse } from 'next/server';
import { runtime } from '../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const rt = await runtime();
  return NextResponse.json({ status: 'ok', log: rt.log.kind, warehouse: rt.warehouse.kind, sites: rt.sites.size });
}
