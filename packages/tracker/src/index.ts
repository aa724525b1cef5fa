import { DEFAULT_DOWNLOADS, type Props } from './logic.ts';
import { type EventOptions, startTracker, type Track, type TrackerConfig } from './tracker.ts';

/**
 * The npm API for bundlers and single-page apps. Importing it touches no browser global (SSR-safe); `init`
 * does nothing outside a browser.
 */
export interface InitOptions extends Partial<Omit<TrackerConfig, 'site' | 'endpoint'>> {
  site: string;
  /** The collector's origin, e.g. https://collector.example.com. */
  endpoint: string;
}

let current: Track | undefined;

export function init(options: InitOptions): void {
  if (typeof window === 'undefined' || current) return;
  try {
    current = startTracker({
      outbound: true,
      downloads: DEFAULT_DOWNLOADS,
      forms: true,
      engagement: true,
      ...options,
      endpoint: `${options.endpoint.replace(/\/$/, '')}/v1/events`,
    });
  } catch {}
}

/** A custom event with flat props: `track('signup', { props: { plan: 'pro' } })`. */
export function track(name: string, options?: EventOptions): void {
  current?.(name, options);
}

/** A page view; in manual mode, or with a custom URL. */
export function pageview(options?: EventOptions): void {
  current?.('pageview', options);
}

export type { EventOptions, Props, TrackerConfig };
