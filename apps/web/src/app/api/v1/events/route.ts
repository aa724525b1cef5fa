import { decodeCursor, encodeCursor, exportHistory, formatHistory } from '@tern/history';
import {
  type Filter,
  filterSchema,
  firstEventDay,
  InvalidStatsQueryError,
  isoDateSchema,
  isoDateTimeSchema,
  readEvents,
  resolveDateRange,
  statsRequestSchema,
} from '@tern/warehouse';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { ApiError, apiRoute, parseWith, siteFor } from '../../../../server/api.ts';
import { startOfDayIn } from '../../../../server/zoned-time.ts';

export const dynamic = 'force-dynamic';

const day = isoDateSchema;
const instant = isoDateTimeSchema;

const eventsQuerySchema = z.strictObject({
  site_id: z.string().min(1).max(253),
  /** A date (the site's midnight) or an ISO datetime; `to` is exclusive for datetimes, inclusive for dates. */
  from: z.union([day, instant]).optional(),
  to: z.union([day, instant]).optional(),
  /** Instead of from and to: a Stats API v2 shortcut (`7d`, `month`…) or `YYYY-MM-DD,YYYY-MM-DD`. */
  date_range: z.string().max(60).optional(),
  name: z.string().min(1).max(120).optional(),
  page: z.string().min(1).max(2048).optional(),
  /** Stats API v2 filters, as JSON. */
  filters: z.string().max(8192).optional(),
  format: z.enum(['json', 'ndjson', 'csv']).default('json'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});

/**
 * The raw event history of a site. `format=json` answers one page (`limit`, `next_cursor`); `ndjson` and `csv`
 * stream every matching event, page by page from ClickHouse, so an export of millions of rows uses constant memory.
 */
export const GET = apiRoute(async (request, rt, _context, caller) => {
  const params = parseWith(eventsQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  const site = siteFor(rt, caller, params.site_id);
  const bound = (value: string | undefined, end: boolean, fallback: number) => {
    if (value === undefined) return fallback;
    if (!day.safeParse(value).success) return Date.parse(value);
    if (!end) return startOfDayIn(site.timezone, value);
    const next = new Date(`${value}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    return startOfDayIn(site.timezone, next.toISOString().slice(0, 10));
  };
  const now = Date.now();
  let from = bound(params.from, false, now - 30 * 86_400_000);
  let to = bound(params.to, true, now + 60_000);
  if (params.date_range) {
    const text = params.date_range;
    const dateRange = parseWith(
      statsRequestSchema.shape.date_range,
      text.includes(',') ? text.split(',') : text,
      'date_range',
    );
    const first = dateRange === 'all' ? await firstEventDay(rt.warehouse.reader, site.domain, site.timezone) : '';
    const range = resolveDateRange(dateRange, site.timezone, new Date(now), first);
    [from, to] =
      range.kind === 'instants'
        ? [range.from.getTime(), range.to.getTime()]
        : [bound(range.from, false, 0), bound(range.to, true, 0)];
  }
  if (from >= to) throw new ApiError(400, 'invalid_request', 'from must be before to', 'from');

  const filters: Filter[] = [];
  if (params.filters) {
    let json: unknown;
    try {
      json = JSON.parse(params.filters);
    } catch {
      throw new ApiError(400, 'invalid_request', 'filters: not JSON', 'filters');
    }
    filters.push(...parseWith(z.array(filterSchema).max(20), json));
  }
  if (params.name) filters.push(['is', 'event:name', [params.name]]);
  if (params.page) filters.push(['is', 'event:page', [params.page]]);
  const after = params.cursor ? decodeCursor(params.cursor) : undefined;
  if (params.cursor && !after) throw new ApiError(400, 'invalid_request', 'cursor: not a cursor of this API', 'cursor');
  const query = { siteId: site.domain, from, to, filters, after, goals: site.goals };

  if (params.format === 'json') {
    const rows = await readEvents(rt.warehouse.reader, { ...query, limit: params.limit }).catch((error: unknown) => {
      if (error instanceof InvalidStatsQueryError) throw new ApiError(400, 'invalid_query', error.message, error.field);
      throw error;
    });
    const events = rows.map((row) => ({ ...row, timestamp: new Date(row.timestamp).toISOString() }));
    const last = events[events.length - 1];
    return NextResponse.json({
      events,
      next_cursor: last && events.length === params.limit ? encodeCursor(last) : null,
    });
  }
  const chunks = formatHistory(exportHistory(rt.warehouse, query), params.format);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const type = params.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
  return new Response(body, {
    headers: {
      'content-type': type,
      'content-disposition': `attachment; filename="${site.domain}-events.${params.format}"`,
    },
  });
});
