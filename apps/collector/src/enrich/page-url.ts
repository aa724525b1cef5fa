import { truncate } from '@tern/events';
import { LRUCache } from 'lru-cache';
import { sourceForHost } from './referrer.ts';

/**
 * Pages and referrers repeat (a site's popular pages, google.com), and a URL parse is most of an event's
 * enrichment (~2 µs of ~4): results are cached by the raw string. Long URLs are parsed every time, so the caches
 * stay small (at most 4,000 entries of up to 512 characters each).
 */
const CACHED_URL_LENGTH = 512;
const pages = new LRUCache<string, PageLocation | false>({ max: 2000 });
const referrers = new LRUCache<string, { host: string; cleaned: string }>({ max: 2000 });

export interface PageLocation {
  hostname: string;
  pathname: string;
  /** Query string with the campaign parameters removed. */
  query: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  utmTerm: string;
  utmContent: string;
  /** `ref` / `source` / `utm_source` parameter, used as the source when present. */
  refParam: string;
}

const CAMPAIGN_PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'ref', 'source'];

/** The page's parts; the result is shared between callers and must not be changed. */
export function parsePageUrl(raw: string): PageLocation | undefined {
  if (raw.length > CACHED_URL_LENGTH) return parsePageUrlUncached(raw);
  let page = pages.get(raw);
  if (page === undefined) {
    page = parsePageUrlUncached(raw) ?? false;
    pages.set(raw, page);
  }
  return page || undefined;
}

function parsePageUrlUncached(raw: string): PageLocation | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const params = url.searchParams;
  const get = (name: string) => truncate((params.get(name) ?? '').trim(), 256);
  const location: PageLocation = {
    hostname: url.hostname.replace(/^www\./, ''),
    // A fragment is kept as part of the page: the tracker sends one only for hash-routed sites (data-hash).
    pathname: (safeDecode(url.pathname) || '/') + (url.hash.length > 1 ? safeDecode(url.hash) : ''),
    query: '',
    utmSource: get('utm_source'),
    utmMedium: get('utm_medium'),
    utmCampaign: get('utm_campaign'),
    utmTerm: get('utm_term'),
    utmContent: get('utm_content'),
    refParam: get('ref') || get('source'),
  };
  for (const name of CAMPAIGN_PARAMS) params.delete(name);
  location.query = params.size > 0 ? `?${params.toString()}` : '';
  return location;
}

function safeDecode(pathname: string): string {
  try {
    return decodeURI(pathname);
  } catch {
    return pathname;
  }
}

export interface Attribution {
  referrer: string;
  referrerHost: string;
  source: string;
}

/** Referrer and source of a page view; a referral from the site itself is no referral. */
export function attribute(referrer: string | undefined, page: PageLocation): Attribution {
  let { host, cleaned } = referrer ? referrerParts(referrer) : { host: '', cleaned: '' };
  if (host === page.hostname) {
    host = '';
    cleaned = '';
  }
  const explicit = page.utmSource || page.refParam;
  const source = explicit ? sourceForHost(explicit.toLowerCase()) : host ? sourceForHost(host) : '';
  return { referrer: cleaned, referrerHost: host, source };
}

/** Host without `www.` and host plus path of an http(s) referrer; empty for anything else. */
function referrerParts(referrer: string): { host: string; cleaned: string } {
  const cached = referrer.length <= CACHED_URL_LENGTH ? referrers.get(referrer) : undefined;
  if (cached) return cached;
  let parts = { host: '', cleaned: '' };
  try {
    const url = new URL(referrer);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      const host = url.hostname.replace(/^www\./, '');
      parts = { host, cleaned: `${host}${url.pathname === '/' ? '' : url.pathname}` };
    }
  } catch {
    // An unparsable referrer is treated as none.
  }
  if (referrer.length <= CACHED_URL_LENGTH) referrers.set(referrer, parts);
  return parts;
}
