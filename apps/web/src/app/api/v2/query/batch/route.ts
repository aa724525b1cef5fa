import { queryStatsBatch, statsRequestSchema } from '@tern/warehouse';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { ApiError, apiRoute, chargeToken, parseWith, readJson, siteFor } from '../../../../../server/api.ts';

export const dynamic = 'force-dynamic';

const MAX_QUERIES = 20;

const batchSchema = z.strictObject({
  queries: z.array(statsRequestSchema).min(1).max(MAX_QUERIES),
});

/**
 * Up to 20 Stats API v2 queries of one site in one request, answered in order: each entry of `results` is what
 * `POST /api/v2/query` answers for that query, or `{ error }` in its place. Breakdowns with the same range and
 * filters share one scan of the events (queryStatsBatch), which is why the dashboard sends its panels this way.
 */
export const POST = apiRoute(
  async (request, rt, _context, caller) => {
    const { queries } = parseWith(batchSchema, await readJson(request));
    const domains = new Set(queries.map((query) => query.site_id));
    if (domains.size > 1) {
      throw new ApiError(400, 'invalid_request', 'queries: every query of a batch must be for one site', 'queries');
    }
    const site = siteFor(rt, caller, queries[0]?.site_id ?? null, 'queries.0.site_id');
    chargeToken(rt, caller, queries.length - 1);
    const answers = await queryStatsBatch(
      rt.warehouse.reader,
      queries.map((query) => ({ ...query, site_id: site.domain })),
      { timezone: site.timezone, now: new Date(), goals: site.goals },
    );
    return NextResponse.json({
      results: answers.map((answer, i) =>
        answer.ok
          ? answer.response
          : {
              error: {
                code: 'invalid_query',
                message: answer.error.message,
                field: `queries.${i}.${answer.error.field}`,
              },
            },
      ),
    });
  },
  { shareable: true },
);
