import type { MetricValue } from './client.ts';
export const count = (n: number | null | undefined) => (n ?? 0).toLocaleString('en-US');

/** 1,234 → 1.2k, as dashboards show big numbers. */
export function compact(n: number | null | undefined): string {
  const value = n ?? 0;
  if (Math.abs(value) < 10_000) return value.toLocaleString('en-US');
  return Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

export function duration(seconds: number | null | undefined): string {
  const s = Math.round(seconds ?? 0);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function metricValue(metric: string, value: MetricValue | undefined): string {
  if (value === null || value === undefined) return '–';
  // Revenue comes formatted in its currency (`€1.2K`).
  if (typeof value === 'object') return value.short;
  switch (metric) {
    case 'bounce_rate':
    case 'percentage':
    case 'conversion_rate':
      return `${value}%`;
    case 'visit_duration':
    case 'time_on_page':
      return duration(value);
    case 'scroll_depth':
      return `${value}%`;
    case 'views_per_visit':
      return value.toFixed(2);
    default:
      return compact(value);
  }
}

/** Labels a dimension for people: "visit:utm_source" → "UTM source". */
export function dimensionLabel(dimension: string): string {
  if (dimension.startsWith('event:props:')) return `Property ${dimension.slice('event:props:'.length)}`;
  const names: Record<string, string> = {
    'event:page': 'Page',
    'event:name': 'Event',
    'event:goal': 'Goal',
    'event:hostname': 'Hostname',
    'visit:entry_page': 'Entry page',
    'visit:exit_page': 'Exit page',
    'visit:source': 'Source',
    'visit:referrer': 'Referrer',
    'visit:utm_source': 'UTM source',
    'visit:utm_medium': 'UTM medium',
    'visit:utm_campaign': 'UTM campaign',
    'visit:utm_term': 'UTM term',
    'visit:utm_content': 'UTM content',
    'visit:country': 'Country',
    'visit:region': 'Region',
    'visit:city': 'City',
    'visit:browser': 'Browser',
    'visit:browser_version': 'Browser version',
    'visit:os': 'OS',
    'visit:os_version': 'OS version',
    'visit:device': 'Screen size',
    'visit:device_type': 'Device type',
    'visit:entry_page_hostname': 'Entry hostname',
    'visit:exit_page_hostname': 'Exit hostname',
  };
  return names[dimension] ?? dimension;
}
