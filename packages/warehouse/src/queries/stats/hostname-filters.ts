import type { Dimension, Filter } from './request.ts';

/**
 * Visit dimensions whose rows an `event:hostname` filter also narrows to the sessions that entered (or left) on a
 * matching hostname (Plausible's query_optimizer.ex, shared/SEMANTICS.md): without it a site's sources would list
 * the referrers of sessions that only passed through the filtered hostname.
 */
const HOSTNAME_OF_DIMENSION: Partial<Record<Dimension, Dimension>> = {
  'visit:source': 'visit:entry_page_hostname',
  'visit:referrer': 'visit:entry_page_hostname',
  'visit:utm_source': 'visit:entry_page_hostname',
  'visit:utm_medium': 'visit:entry_page_hostname',
  'visit:utm_campaign': 'visit:entry_page_hostname',
  'visit:utm_term': 'visit:entry_page_hostname',
  'visit:utm_content': 'visit:entry_page_hostname',
  'visit:entry_page': 'visit:entry_page_hostname',
  'visit:exit_page': 'visit:exit_page_hostname',
};

/**
 * The filters a query runs with: its own, plus a copy of each top-level `event:hostname` filter on the entry or exit
 * hostname for every dimension listed above. Idempotent, so a query extended once is not extended again.
 */
export function withHostnameFilters(filters: Filter[], dimensions: readonly Dimension[]): Filter[] {
  const hostnameFilters = filters.filter((filter) => filter.length >= 3 && filter[1] === 'event:hostname');
  if (hostnameFilters.length === 0) return filters;
  const present = new Set(filters.map((filter) => JSON.stringify(filter)));
  const extended = [...filters];
  for (const dimension of dimensions) {
    const hostname = HOSTNAME_OF_DIMENSION[dimension];
    if (!hostname) continue;
    for (const filter of hostnameFilters) {
      const copy = [filter[0], hostname, ...filter.slice(2)] as Filter;
      const key = JSON.stringify(copy);
      if (present.has(key)) continue;
      present.add(key);
      extended.push(copy);
    }
  }
  return extended;
}
