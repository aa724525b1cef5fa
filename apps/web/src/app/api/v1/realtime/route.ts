import { queryRealtime } from '@tern/warehouse';
import { NextResponse } from 'next/server';
import { apiRoute, siteFor } from '../../../../server/api.ts';
import { eventStreamResponse } from '../../../../server/http.ts';

export const dynamic = 'force-dynamic';

/** How often the stream pushes an update. */
const PUSH_MS = 5000;

/**
 * Current visitors (last 5 minutes) and events per minute over the last 30 minutes. With `Accept:
 * text/event-stream` (or `stream=1`), a Server-Sent Events stream that pushes the same JSON every 5 seconds.
 */
export const GET = apiRoute(
  async (request, rt, _context, caller) => {
    const url = new URL(request.url);
    const site = siteFor(rt, caller, url.searchParams.get('site_id'));
    const wantsStream =
      url.searchParams.get('stream') === '1' || (request.headers.get('accept') ?? '').includes('text/event-stream');
    if (!wantsStream) return NextResponse.json(await queryRealtime(rt.warehouse.reader, site.domain, new Date()));

    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const push = async () => {
          if (closed) return;
          try {
            const update = await queryRealtime(rt.warehouse.reader, site.domain, new Date());
            // A slow reader must not pile up updates: skip this one if the last is still queued.
            if ((controller.desiredSize ?? 1) > 0) {
              controller.enqueue(encoder.encode(`event: realtime\ndata: ${JSON.stringify(update)}\n\n`));
            }
          } catch (error) {
            rt.logger.warn({ err: error, site: site.domain }, 'realtime update failed');
            controller.enqueue(encoder.encode(': update failed, retrying\n\n'));
          }
          if (!closed) timer = setTimeout(push, PUSH_MS);
        };
        controller.enqueue(encoder.encode(`retry: ${PUSH_MS}\n\n`));
        void push();
      },
      cancel() {
        closed = true;
        clearTimeout(timer);
      },
    });
    request.signal.addEventListener('abort', () => {
      closed = true;
      clearTimeout(timer);
    });
    return eventStreamResponse(body);
  },
  { shareable: true },
);
