import { createTracker, type EventOptions, type Tracker, type TrackerOptions } from './core.ts';

/**
 * The npm API for bundlers and single-page apps. Importing it touches no browser global (SSR-safe);
 * `init` must run in the browser.
 */
let tracker: Tracker | undefined;

export function init(options: TrackerOptions): void {
  if (typeof window === 'undefined') return;
  tracker = createTracker(options);
}

export function pageview(options?: EventOptions): void {
  try {
    tracker?.pageview(options);
  } catch {}
}

export function track(name: string, options?: EventOptions): void {
  try {
    tracker?.track(name, options);
  } catch {}
}

export type { EventOptions, TrackerOptions };
