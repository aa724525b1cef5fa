import { randomUUID } from 'node:crypto';
import type { EnrichedEvent } from '@tern/events';

/** An enriched page view with every field set; tests override what they are about. */
export function enrichedEvent(overrides: Partial<EnrichedEvent> = {}): EnrichedEvent {
  return {
    v: 1,
    eventId: randomUUID(),
    siteId: 'site.example',
    type: 'pageview',
    name: 'pageview',
    timestamp: 0,
    receivedAt: 0,
    visitorId: '1',
    previousVisitorId: '',
    hostname: 'site.example',
    pathname: '/',
    query: '',
    title: '',
    referrer: '',
    referrerHost: '',
    source: '',
    utmSource: '',
    utmMedium: '',
    utmCampaign: '',
    utmTerm: '',
    utmContent: '',
    country: '',
    region: '',
    city: '',
    browser: '',
    browserVersion: '',
    os: '',
    osVersion: '',
    device: '',
    screenWidth: 0,
    language: '',
    props: {},
    engagedMs: 0,
    scrollDepth: 0,
    ...overrides,
  };
}
