import { funnelRequestSchema, queryFunnel } from '@tern/warehouse';
import { NextResponse } from 'next/server';
import { apiRoute, parseWith, readJson, siteFor } from '../../../../server/api.ts';

export const dynamic = 'force-dynamic';

/** A funnel: visitors through ordered steps (pages or custom events) within a time window, with drop-off per step. */
export const POST = apiRoute(
  async (request, rt, _context, caller) => {
    const body = parseWith(funnelRequestSchema, await readJson(request));
    const site = siteFor(rt, caller, body.site_id);
    const result = await queryFunnel(
      rt.warehouse.reader,
      { ...body, site_id: site.domain },
      { timezone: site.timezone, now: new Date() },
    );
    return NextResponse.json(result);
  },
  { shareable: true },
);
