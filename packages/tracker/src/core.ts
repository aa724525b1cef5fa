/**
 * The tracker's logic, shared by the script-tag build (`t.js`) and the npm package. It must never throw
 * into the host page, and it keeps no identifier in the browser: no cookies, no storage.
 */

export interface TrackerOptions {
  site: string;
  /** Collector origin, e.g. https://collector.example.com. */
  endpoint: string;
  /** Milliseconds events wait so that those close together travel in one request. */
  batchMs?: number;
}

export interface EventOptions {
  props?: Record<string, string | number | boolean>;
  url?: string;
}

type WireEvent = {
  type: 'pageview' | 'custom' | 'engagement';
  name?: string;
  url: string;
  referrer?: string;
  title?: string;
  ts: number;
  sw: number;
  lang: string;
  props?: Record<string, string | number | boolean>;
  engagedMs?: number;
  scroll?: number;
};

export interface Tracker {
  pageview(options?: EventOptions): void;
  track(name: string, options?: EventOptions): void;
  flush(): void;
}

export function createTracker(options: TrackerOptions): Tracker {
  const target = `${options.endpoint.replace(/\/$/, '')}/v1/events`;
  const batchMs = options.batchMs ?? 300;
  const queue: WireEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastUrl: string | undefined;

  function send(events: WireEvent[]): void {
    const body = JSON.stringify({ site: options.site, events });
    // text/plain keeps this a "simple" request: no CORS preflight, and sendBeacon survives page unload.
    if (navigator.sendBeacon?.(target, new Blob([body], { type: 'text/plain' }))) return;
    fetch(target, { method: 'POST', body, keepalive: true, headers: { 'content-type': 'text/plain' } }).catch(() => {});
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (queue.length) send(queue.splice(0, 50));
    if (queue.length) flush();
  }

  function push(event: Omit<WireEvent, 'ts' | 'sw' | 'lang'>): void {
    queue.push({ ...event, ts: Date.now(), sw: screen.width, lang: navigator.language });
    timer ??= setTimeout(flush, batchMs);
  }

  return {
    pageview(opts = {}) {
      const url = opts.url ?? location.href;
      if (url === lastUrl) return;
      const referrer = lastUrl ?? document.referrer;
      lastUrl = url;
      push({
        type: 'pageview',
        url,
        title: document.title,
        ...(referrer ? { referrer } : {}),
        ...(opts.props ? { props: opts.props } : {}),
      });
    },
    track(name, opts = {}) {
      push({ type: 'custom', name, url: opts.url ?? location.href, ...(opts.props ? { props: opts.props } : {}) });
    },
    flush,
  };
}
