import { importHistory, readLines } from '@tern/history';
import { NextResponse } from 'next/server';
import { ApiError, apiRoute, siteFor } from '../../../../server/api.ts';

export const dynamic = 'force-dynamic';

/**
 * History import: a streamed NDJSON (optionally gzipped) body, one event per line in the export format of
 * `GET /api/v1/events?format=ndjson`. The events go to the import topic, where ingest builds sessions and rollups as
 * for live traffic. Answers with the counts and the rejected lines by number.
 */
export const POST = apiRoute(async (request, rt, _context, caller) => {
  const site = siteFor(rt, caller, new URL(request.url).searchParams.get('site_id'));
  if (!request.body) throw new ApiError(400, 'invalid_request', 'the body must hold NDJSON lines', 'body');
  const summary = await importHistory(readLines(request.body as unknown as AsyncIterable<Uint8Array>), {
    site: site.domain,
    producer: rt.producer,
    topic: rt.config.stream.topics.import,
    warehouse: rt.warehouse,
  });
  rt.logger.info({ site: site.domain, ...summary, errors: summary.errors.length }, 'history imported');
  if (summary.stopped) {
    // The lines before the fault are stored and counted; sending the whole file again adds only what is missing.
    return NextResponse.json(
      { error: { code: 'unreadable_body', message: summary.stopped, field: 'body' }, ...summary },
      { status: 400 },
    );
  }
  return NextResponse.json(summary);
});
