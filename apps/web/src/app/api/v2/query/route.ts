import { InvalidStatsQueryError, queryStats, statsRequestSchema } from '@tern/warehouse';
import { NextResponse } from 'next/server';
import { ApiError, apiRoute, parseWith, readJson, siteFor } from '../../../../server/api.ts';

export const dynamic = 'force-dynamic';

/** Stats API v2 (Plausible's request and response shapes). */
export const POST = apiRoute(
  async (request, rt, _context, caller) => {
    const query = parseWith(statsRequestSchema, await readJson(request));
    const site = siteFor(rt, caller, query.site_id);
    try {
      const result = await queryStats(
        rt.warehouse.reader,
        { ...query, site_id: site.domain },
        {
          timezone: site.timezone,
          now: new Date(),
          goals: site.goals,
        },
      );
      return NextResponse.json(result);
    } catch (error) {
      if (error instanceof InvalidStatsQueryError) throw new ApiError(400, 'invalid_query', error.message, error.field);
      throw error;
    }
  },
  { shareable: true },
);
