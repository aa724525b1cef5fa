/**
 * The tracker's pure parts: no browser globals, so they are unit-tested in Node and shared by the
 * script-tag build and the npm package.
 */

export type Props = Record<string, string | number | boolean>;

/** An event as sent; optional fields may be undefined, which JSON.stringify leaves out. */
export interface WireEvent {
  type: 'pageview' | 'custom' | 'engagement';
  name?: string | undefined;
  url: string;
  referrer?: string | undefined;
  title?: string | undefined;
  ts?: number | undefined;
  sw: number;
  lang?: string | undefined;
  props?: Props | undefined;
  engagedMs?: number | undefined;
  scroll?: number | undefined;
}

/** The page URL as counted: without the hash, unless the site routes by hash. */
export function pageUrl(href: string, hashRouting: boolean | undefined): string {
  return hashRouting ? href : (href.split('#')[0] as string);
}

/** Local pages are not counted unless the site asks (`data-local`). */
export function isLocal(hostname: string, protocol: string): boolean {
  return protocol == 'file:' || /^(localhost$|127\.|\[::1\])/.test(hostname);
}

export const DEFAULT_DOWNLOADS =
  'pdf,xlsx,docx,txt,rtf,csv,exe,key,pps,ppt,pptx,7z,pkg,rar,gz,zip,avi,mov,mp4,mpeg,wmv,midi,mp3,wav,wma,dmg,iso,msi';

/** A link to a file with one of the extensions (comma-separated) in its path. */
export function isDownload(url: URL, extensions: string): boolean {
  const ext = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  return !!ext && `,${extensions},`.includes(`,${ext},`);
}

/** A link that leaves the site: another host over http(s). */
export function isOutbound(url: URL, currentHost: string): boolean {
  return /^https?:$/.test(url.protocol) && url.host !== currentHost;
}

/** Scroll depth in percent: how far down the bottom of the viewport has been. */
export function scrollDepth(scrollY: number, viewport: number, documentHeight: number): number {
  return documentHeight > 0 ? Math.min(100, Math.round(((scrollY + viewport) / documentHeight) * 100)) : 100;
}

/**
 * Collects events for `waitMs` so that those close together travel in one request, at most 50 (the
 * collector's batch limit) per request.
 */
export function createBatcher(send: (events: WireEvent[]) => void, waitMs: number) {
  const queue: WireEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  // A timer still pending after an early flush fires on an empty or newer queue: harmless, and no
  // clearTimeout is needed.
  const flush = () => {
    timer = 0;
    try {
      while (queue.length) send(queue.splice(0, 50));
    } catch {}
  };
  const push = (event: WireEvent) => {
    queue.push(event);
    if (!timer) timer = setTimeout(flush, waitMs);
  };
  // A pair, not an object: array destructuring minifies smaller than method names.
  return [push, flush] as const;
}

/**
 * Posts one batch: sendBeacon first (a text/plain string body needs no CORS preflight and outlives the page);
 * if the browser refuses it, one fetch with keepalive.
 */
export function createPost(endpoint: string, site: string, nav: Beacon) {
  return (events: WireEvent[]) => {
    const body = JSON.stringify({ site, events });
    nav.sendBeacon?.(endpoint, body) || fetch(endpoint, { method: 'POST', body, keepalive: true }).catch(() => {});
  };
}

/** The part of `navigator` the transport uses (a test passes its own). */
export interface Beacon {
  sendBeacon?: (url: string, body: string) => boolean;
}

/**
 * The full build's transport: like `createPost`, but a fetch that fails on the network or gets 429 or 5xx is
 * tried again, up to `retries` times, after growing pauses. (A beacon's fate is not visible to the page.)
 */
export function createRetryingPost(endpoint: string, site: string, nav: Beacon, retries: number) {
  const post = (body: string, attempt: number): void => {
    if (attempt === 0 && nav.sendBeacon?.(endpoint, body)) return;
    fetch(endpoint, { method: 'POST', body, keepalive: true })
      .then((response) => {
        if (response.status === 429 || response.status > 499) throw 0;
      })
      .catch(() => {
        if (attempt < retries) setTimeout(() => post(body, attempt + 1), 500 * 2 ** attempt);
      });
  };
  return (events: WireEvent[]) => post(JSON.stringify({ site, events }), 0);
}

/** Replays the calls queued by the snippet stub before the script loaded. */
export function replay(queued: Iterable<Iterable<unknown>> | undefined, call: (...args: unknown[]) => void): void {
  for (const args of queued ?? []) call(...args);
}
