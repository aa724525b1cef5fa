import { sourceForHost } from './referrer.ts';

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

export function parsePageUrl(raw: string): PageLocation | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const params = url.searchParams;
  const get = (name: string) => (params.get(name) ?? '').trim().slice(0, 256);
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
  let host = '';
  let cleaned = '';
  if (referrer) {
    try {
      const url = new URL(referrer);
      if (url.protocol === 'http:' || url.protocol === 'https:') {
        host = url.hostname.replace(/^www\./, '');
        cleaned = `${host}${url.pathname === '/' ? '' : url.pathname}`;
      }
    } catch {
      // An unparsable referrer is treated as none.
    }
  }
  if (host === page.hostname) {
    host = '';
    cleaned = '';
  }
  const explicit = page.utmSource || page.refParam;
  const source = explicit ? sourceForHost(explicit.toLowerCase()) : host ? sourceForHost(host) : '';
  return { referrer: cleaned, referrerHost: host, source };
}
