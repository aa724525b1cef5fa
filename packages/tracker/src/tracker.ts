import {
  createBatcher,
  createPost,
  createRetryingPost,
  isDownload,
  isLocal,
  isOutbound,
  type Props,
  pageUrl,
  scrollDepth,
  type WireEvent,
} from './logic.ts';

/** Replaced at build time: `false` drops the automatic features from the core build. */
declare const __FULL__: boolean;

export interface TrackerConfig {
  /** The registered domain of the site. */
  site: string;
  /** The collector's events URL, e.g. https://collector.example.com/v1/events. */
  endpoint: string;
  /** No automatic page views; call `pageview` yourself (e.g. to strip ids from URLs). */
  manual?: boolean;
  /** Full build only: count `#/route` changes as page views (hash-routed single-page apps). */
  hash?: boolean;
  /** Also count on localhost and file: pages. */
  local?: boolean;
  /** Count nothing when the browser sends Do Not Track or Global Privacy Control. */
  respectDnt?: boolean;
  /** Full build only: clicks on links to other sites. */
  outbound?: boolean;
  /** Full build only: comma-separated file extensions whose links count as downloads; '' turns it off. */
  downloads?: string;
  /** Full build only: form submissions. */
  forms?: boolean;
  /** Full build only: visible time and maximum scroll depth per page. */
  engagement?: boolean;
  /** Full build only: this page is a "not found" page. */
  notFound?: boolean;
}

export interface EventOptions {
  props?: Props;
  /** A custom URL, e.g. with ids stripped (manual mode). */
  url?: string;
}

export type Track = (name: string, options?: EventOptions) => void;

/** Wraps a handler so that nothing the tracker does can throw into the host page. */
const safe =
  <A extends unknown[]>(f: (...args: A) => void) =>
  (...args: A): void => {
    try {
      f(...args);
    } catch {}
  };

/**
 * Engagement: the time a page was visible and its deepest scroll, reported as one engagement event when the
 * page is left, hidden or replaced by an SPA navigation (then counted anew for the next page).
 */
function trackEngagement(
  page: () => string | undefined,
  push: (type: 'engagement', extra: Partial<WireEvent>) => void,
) {
  const d = document;
  const w = window;
  let visibleSince = 0;
  let engaged = 0;
  let depth = 0;
  const measure = safe(() => {
    depth = Math.max(depth, scrollDepth(w.scrollY, w.innerHeight, d.documentElement.scrollHeight));
  });
  const resume = () => {
    visibleSince = d.hidden ? 0 : Date.now();
  };
  w.addEventListener('scroll', measure, { passive: true });
  return {
    resume,
    report() {
      if (visibleSince) engaged += Date.now() - visibleSince;
      visibleSince = 0;
      if (engaged && page()) push('engagement', { engagedMs: engaged, scroll: depth });
      engaged = 0;
    },
    restart() {
      depth = 0;
      resume();
      measure();
    },
  };
}

/** Starts tracking in this browser page; returns the function behind `window.tern(name, options)`. */
export function startTracker(c: TrackerConfig): Track {
  const w = window;
  const d = document;
  const n = navigator as Navigator & { globalPrivacyControl?: boolean };
  const l = location;
  if (
    // A switch a site can offer its visitors: its own page sets this flag in the visitor's browser. Where
    // storage is blocked this throws, and the caller's try leaves tracking off: the privacy-safe outcome.
    localStorage.tern_ignore == 'true' ||
    (!c.local && isLocal(l.hostname, l.protocol)) ||
    (c.respectDnt && (n.doNotTrack == '1' || n.globalPrivacyControl))
  ) {
    return () => {};
  }
  const [queue, flush] = createBatcher(
    __FULL__ ? createRetryingPost(c.endpoint, c.site, n, 3) : createPost(c.endpoint, c.site, n),
    300,
  );
  let current: string | undefined;
  const here = () => (__FULL__ ? pageUrl(l.href, c.hash) : pageUrl(l.href, false));
  const push = (type: WireEvent['type'], extra: Partial<WireEvent>, url = current ?? here()) =>
    // No client timestamp (the collector's receive time is more trustworthy than the visitor's clock) and no
    // language (the collector reads Accept-Language): bytes the budget needs elsewhere.
    queue({ type, url, sw: screen.width, ...extra });

  // In the core build every use of engagement is dead code and the variable is dropped.
  let engagement: ReturnType<typeof trackEngagement> | undefined;
  if (__FULL__ && c.engagement) engagement = trackEngagement(() => current, push);

  const pageview = (url = here(), props?: Props) => {
    if (url == current) return;
    if (__FULL__) engagement?.report();
    current = url;
    // JSON.stringify leaves out undefined fields: no conditional spreads needed (they cost bytes).
    push('pageview', { title: d.title, referrer: d.referrer, props });
    if (__FULL__) engagement?.restart();
  };
  const track: Track = (name, o = {}) => {
    if (name == 'pageview') pageview(o.url, o.props);
    else push('custom', { name, props: o.props }, o.url);
  };

  // Leaving or hiding the page reports engagement and sends what is queued (flush never throws).
  if (__FULL__) {
    const leave = () => {
      safe(() => engagement?.report())();
      flush();
    };
    d.addEventListener(
      'visibilitychange',
      safe(() => (d.hidden ? leave() : engagement?.resume())),
    );
    w.addEventListener('pagehide', leave);
  } else {
    d.addEventListener('visibilitychange', () => d.hidden && flush());
    w.addEventListener('pagehide', flush);
  }

  if (!c.manual) {
    const onNavigate = safe(() => pageview());
    const h = w.history;
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = h[method];
      h[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        original.apply(this, args);
        onNavigate();
      };
    }
    w.addEventListener('popstate', onNavigate);
    if (__FULL__ && c.hash) w.addEventListener('hashchange', onNavigate);
    pageview();
  }

  if (__FULL__) {
    if (c.notFound) track('404', { props: { path: l.pathname } });
    const onClick = safe((e: MouseEvent) => {
      if (e.type === 'auxclick' && e.button !== 1) return;
      const link = (e.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
      if (!link) return;
      const url = new URL(link.href, l.href);
      if (c.downloads && isDownload(url, c.downloads)) track('File Download', { props: { url: url.href } });
      else if (c.outbound && isOutbound(url, l.host)) track('Outbound Link: Click', { props: { url: url.href } });
    });
    d.addEventListener('click', onClick, true);
    d.addEventListener('auxclick', onClick, true);
    if (c.forms) {
      d.addEventListener(
        'submit',
        safe((e: SubmitEvent) => {
          const form = e.target as HTMLFormElement;
          track('Form: Submission', { props: { form: form.id || form.getAttribute('name') || l.pathname } });
        }),
        true,
      );
    }
  }
  return safe(track);
}
