import { apiRoute, siteFor } from '../../../../server/api.ts';
import { eventStreamResponse } from '../../../../server/http.ts';

export const dynamic = 'force-dynamic';

/** How long the stream may stay silent before a comment line keeps proxies from closing it. */
const KEEPALIVE_MS = 15_000;

/**
 * The live event feed of a site as Server-Sent Events: each `event: events` carries a JSON array of the events the
 * collectors accepted since the last one, as they reach the events topic. A browser that reads too slowly loses the
 * oldest events, and the next message says how many (`event: dropped`).
 */
export const GET = apiRoute(
  async (request, rt, _context, caller) => {
    const site = siteFor(rt, caller, new URL(request.url).searchParams.get('site_id'));
    const subscription = await rt.live.subscribe(site.domain);
    const encoder = new TextEncoder();
    request.signal.addEventListener('abort', () => subscription.close());
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          controller.enqueue(encoder.encode('retry: 2000\nevent: ready\ndata: {}\n\n'));
        },
        // Called only when the browser has read what was sent: a slow reader is not sent more, its queue bounds it.
        async pull(controller) {
          const { events, dropped } = await subscription.take(KEEPALIVE_MS);
          if (subscription.closed) {
            controller.close();
            return;
          }
          let text = dropped > 0 ? `event: dropped\ndata: ${JSON.stringify({ dropped })}\n\n` : '';
          text += events.length > 0 ? `event: events\ndata: ${JSON.stringify(events)}\n\n` : ': keep-alive\n\n';
          controller.enqueue(encoder.encode(text));
        },
        cancel() {
          subscription.close();
        },
      },
      { highWaterMark: 1 },
    );
    return eventStreamResponse(body);
  },
  { shareable: true },
);
