import { queryPropKeys, statsRequestSchema } from '@tern/warehouse';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { apiRoute, parseWith, siteFor } from '../../../../server/api.ts';

export const dynamic = 'force-dynamic';

const propsQuerySchema = z.strictObject({
  site_id: z.string().min(1).max(253),
  date_range: z.string().max(40).default('30d'),
});

/** The prop keys of a site's custom events in a period (`date_range`: a shortcut, or `YYYY-MM-DD,YYYY-MM-DD`). */
export const GET = apiRoute(
  async (request, rt, _context, caller) => {
    const query = parseWith(propsQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
    const site = siteFor(rt, caller, query.site_id);
    const dateRange = parseWith(
      statsRequestSchema.shape.date_range,
      query.date_range.includes(',') ? query.date_range.split(',') : query.date_range,
      'date_range',
    );
    const keys = await queryPropKeys(rt.warehouse.reader, site.domain, dateRange, {
      timezone: site.timezone,
      now: new Date(),
    });
    return NextResponse.json({ keys });
  },
  { shareable: true },
);
