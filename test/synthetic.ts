import type { EnrichedEvent } from '@tern/events';

/**
 * Synthetic traffic with a known structure, for tests with an independent oracle and for the query benchmark. The
 * generator decides the sessions (events of one session are at most 25 minutes apart, sessions of one visitor more
 * than 31 minutes apart), so a test can compute every metric from `SyntheticSession`s without the pipeline's logic.
 */

export interface SyntheticEvent {
  type: 'pageview' | 'custom' | 'engagement';
  name: string;
  /** Whole seconds, so that durations do not depend on sub-second rounding. */
  ts: number;
  page: string;
  props: Record<string, string>;
  engagedMs: number;
  scroll: number;
}

export interface Visit {
  source: string;
  referrer: string;
  referrerHost: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  utmTerm: string;
  utmContent: string;
}

export interface Visitor {
  id: string;
  country: string;
  region: string;
  city: string;
  device: EnrichedEvent['device'];
  browser: string;
  browserVersion: string;
  os: string;
  osVersion: string;
  screenWidth: number;
}

export interface SyntheticSession {
  site: string;
  visitor: Visitor;
  visit: Visit;
  /** Index of the session in generation order: the oracle's session identity. */
  index: number;
  events: SyntheticEvent[];
}

/** A page whose path holds quotes, a backslash, an SQL fragment and non-ASCII text. */
export const HOSTILE_PAGE = `/it's "x" \\ '); DROP TABLE events; -- ü🚀`;
export const PAGES = ['/', '/pricing', '/blog/hello', '/blog/kafka', '/docs/start', '/docs/api', HOSTILE_PAGE];

const VISITS: Visit[] = [
  visit(''),
  visit('Google', 'https://www.google.com/'),
  visit('Google', 'https://www.google.com/', ['google', 'cpc', 'brand', 'tern analytics', 'ad-1']),
  visit('Twitter', 'https://t.co/abc'),
  visit('Hacker News', 'https://news.ycombinator.com/item?id=1'),
  visit('Newsletter', '', ['newsletter', 'email', 'spring', '', 'header']),
  visit('Newsletter', '', ['newsletter', 'email', 'summer', '', '']),
];

function visit(source: string, referrer = '', utm: string[] = []): Visit {
  const [utmSource = '', utmMedium = '', utmCampaign = '', utmTerm = '', utmContent = ''] = utm;
  return {
    source,
    referrer,
    referrerHost: referrer ? new URL(referrer).hostname : '',
    utmSource,
    utmMedium,
    utmCampaign,
    utmTerm,
    utmContent,
  };
}

const PLACES = [
  ['DE', 'DE-BE', 'Berlin'],
  ['US', 'US-NY', 'New York'],
  ['US', 'US-CA', 'San Francisco'],
  ['FR', 'FR-IDF', 'Paris'],
  ['', '', ''],
] as const;
const DEVICES = [
  ['desktop', 'Firefox', '130', 'Linux', '6.1', 1920],
  ['mobile', 'Chrome', '128', 'Android', '14', 390],
  ['desktop', 'Chrome', '129', 'Windows', '11', 1366],
  ['tablet', 'Safari', '17.5', 'iOS', '17.5', 820],
] as const;

export interface SyntheticOptions {
  site: string;
  random: () => number;
  visitors: number;
  /** First and last instant (ms) a session may start at. */
  from: number;
  to: number;
  sessionsPerVisitor: [number, number];
  /** Visitor ids start after this offset, so that sites do not share them. */
  visitorOffset?: number;
  /** Share of sessions forced to start in the ten minutes before midnight UTC offset `midnightOffsetMs`. */
  midnight?: { share: number; offsetMs: number };
  /** Draws a session start in [from, to]; uniform when absent. */
  startAt?: () => number;
}

/** Sessions of `visitors` visitors, each visitor's sessions in time order. */
export function* syntheticSessions(options: SyntheticOptions): Generator<SyntheticSession> {
  const { random } = options;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  let index = 0;
  for (let v = 0; v < options.visitors; v++) {
    const [country, region, city] = pick(PLACES);
    const [device, browser, browserVersion, os, osVersion, screenWidth] = pick(DEVICES);
    const visitor: Visitor = {
      id: String((options.visitorOffset ?? 0) + v + 1),
      country,
      region,
      city,
      device,
      browser,
      browserVersion,
      os,
      osVersion,
      screenWidth,
    };
    const count = between(...options.sessionsPerVisitor);
    const starts: number[] = [];
    for (let s = 0; s < count; s++) {
      let start = options.startAt
        ? options.startAt()
        : options.from + Math.floor(random() * (options.to - options.from));
      if (options.midnight && random() < options.midnight.share) {
        const day = Math.floor((start + options.midnight.offsetMs) / 86_400_000) * 86_400_000;
        start = day - options.midnight.offsetMs + 86_400_000 - between(60, 600) * 1000;
      }
      starts.push(Math.floor(start / 1000) * 1000);
    }
    starts.sort((a, b) => a - b);
    let earliest = 0;
    for (const planned of starts) {
      const start = Math.max(planned, earliest);
      const events = sessionEvents(start, random, pick, between);
      const last = events[events.length - 1]?.ts ?? start;
      earliest = last + 32 * 60_000;
      if (start > options.to) break;
      yield { site: options.site, visitor, visit: pick(VISITS), index: index++, events };
    }
  }
}

function sessionEvents(
  start: number,
  random: () => number,
  pick: <T>(list: readonly T[]) => T,
  between: (low: number, high: number) => number,
): SyntheticEvent[] {
  const events: SyntheticEvent[] = [];
  const pageviews = random() < 0.4 ? 1 : between(2, 6);
  let ts = start;
  for (let p = 0; p < pageviews; p++) {
    const page = p === 0 && random() < 0.5 ? '/' : pick(PAGES);
    events.push(plain('pageview', 'pageview', ts, page));
    let gap = between(10, 25 * 60);
    if (random() < 0.7) {
      const engaged = between(1, Math.min(gap - 1, 300));
      events.push({
        ...plain('engagement', 'engagement', ts + engaged * 1000, page),
        engagedMs: engaged * 1000,
        scroll: between(5, 100),
      });
    }
    if (p === pageviews - 1) {
      if (random() < 0.2) {
        events.push({ ...plain('custom', 'Signup', ts + gap * 1000, page), props: { plan: pick(['pro', 'free']) } });
      } else if (random() < 0.1) {
        events.push({ ...plain('custom', 'Download', ts + gap * 1000, page), props: { file: 'guide.pdf' } });
      }
      gap = 0;
    }
    ts += gap * 1000;
  }
  return events.sort((a, b) => a.ts - b.ts);
}

function plain(type: SyntheticEvent['type'], name: string, ts: number, page: string): SyntheticEvent {
  return { type, name, ts, page, props: {}, engagedMs: 0, scroll: 0 };
}

/** The enriched event the collector would have produced for a synthetic one. */
export function enrich(session: SyntheticSession, event: SyntheticEvent, eventId: string): EnrichedEvent {
  const first = session.events[0] === event;
  const { visitor, visit } = session;
  return {
    v: 1,
    eventId,
    siteId: session.site,
    type: event.type,
    name: event.name,
    timestamp: event.ts,
    receivedAt: event.ts,
    visitorId: visitor.id,
    previousVisitorId: '',
    hostname: session.site,
    pathname: event.page,
    query: '',
    title: '',
    // Only the first event carries the visit's origin; ingest copies it to the rest of the session.
    referrer: first ? visit.referrer : '',
    referrerHost: first ? visit.referrerHost : '',
    source: first ? visit.source : '',
    utmSource: first ? visit.utmSource : '',
    utmMedium: first ? visit.utmMedium : '',
    utmCampaign: first ? visit.utmCampaign : '',
    utmTerm: first ? visit.utmTerm : '',
    utmContent: first ? visit.utmContent : '',
    country: visitor.country,
    region: visitor.region,
    city: visitor.city,
    browser: visitor.browser,
    browserVersion: visitor.browserVersion,
    os: visitor.os,
    osVersion: visitor.osVersion,
    device: visitor.device,
    screenWidth: visitor.screenWidth,
    language: 'en',
    props: event.props,
    engagedMs: event.engagedMs,
    scrollDepth: event.scroll,
    revenueAmount: '',
    revenueCurrency: '',
  };
}

/** A deterministic UUID (version 4 layout) from the PRNG, so that a failing data set can be rebuilt. */
export function syntheticUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '8';
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/** The history-import line (`POST /api/v1/import`) of a synthetic event, as another tool would export it. */
export function historyLine(session: SyntheticSession, event: SyntheticEvent, eventId: string): string {
  const e = enrich(session, event, eventId);
  return JSON.stringify({
    event_id: eventId,
    timestamp: new Date(e.timestamp).toISOString(),
    type: e.type,
    name: e.name,
    visitor_id: e.visitorId,
    hostname: e.hostname,
    pathname: e.pathname,
    referrer: e.referrer,
    referrer_host: e.referrerHost,
    source: e.source,
    utm_source: e.utmSource,
    utm_medium: e.utmMedium,
    utm_campaign: e.utmCampaign,
    utm_term: e.utmTerm,
    utm_content: e.utmContent,
    country: e.country,
    region: e.region,
    city: e.city,
    browser: e.browser,
    browser_version: e.browserVersion,
    os: e.os,
    os_version: e.osVersion,
    device: e.device,
    screen_width: e.screenWidth,
    language: e.language,
    props: e.props,
    engaged_ms: e.engagedMs,
    scroll_depth: e.scrollDepth,
  });
}
