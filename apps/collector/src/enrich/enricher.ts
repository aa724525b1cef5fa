import { randomUUID } from 'node:crypto';
import {
  ENRICHED_EVENT_VERSION,
  type EnrichedEvent,
  LIMITS,
  stringifyProps,
  truncate,
  type WireEvent,
} from '@tern/events';
import type { Location } from './geo.ts';
import { attribute, parsePageUrl } from './page-url.ts';
import { type ClientSoftware, deviceFromScreen } from './user-agent.ts';

/** What the collector knows about the request an event came in; none of it is stored as such. */
export interface RequestFacts {
  /** Where the request came from, looked up once per request; the IP itself goes no further. */
  location: Location;
  /** The first language of the browser's Accept-Language header (primaryLanguage): for events that carry none. */
  language: string;
  software: ClientSoftware;
  receivedAt: number;
  /** The keyed hashes of the request's site, IP and user agent: computed once per request, not per event. */
  visitorId: string;
  previousVisitorId: string;
}

export type EnrichResult = { ok: true; event: EnrichedEvent } | { ok: false; field: string; reason: string };

/** Turns one validated wire event into the record written to the events topic. */
export function enrich(siteId: string, wire: WireEvent, facts: RequestFacts): EnrichResult {
  const page = parsePageUrl(wire.url);
  if (!page) return { ok: false, field: 'url', reason: 'not an absolute http(s) URL' };
  if (wire.type === 'custom' && !wire.name) return { ok: false, field: 'name', reason: 'custom events need a name' };
  const attribution = attribute(wire.referrer, page);
  const { software } = facts;
  return {
    ok: true,
    event: {
      v: ENRICHED_EVENT_VERSION,
      eventId: randomUUID(),
      siteId,
      type: wire.type,
      name: wire.type === 'custom' ? (wire.name as string) : wire.type,
      timestamp: clampTimestamp(wire.ts, facts.receivedAt),
      receivedAt: facts.receivedAt,
      visitorId: facts.visitorId,
      previousVisitorId: facts.previousVisitorId,
      hostname: page.hostname,
      pathname: truncate(page.pathname, LIMITS.maxUrlLength),
      query: truncate(page.query, LIMITS.maxUrlLength),
      title: wire.title ?? '',
      referrer: truncate(attribution.referrer, LIMITS.maxUrlLength),
      referrerHost: attribution.referrerHost,
      source: attribution.source,
      utmSource: page.utmSource,
      utmMedium: page.utmMedium,
      utmCampaign: page.utmCampaign,
      utmTerm: page.utmTerm,
      utmContent: page.utmContent,
      ...facts.location,
      browser: truncate(software.browser, 64),
      browserVersion: truncate(software.browserVersion, 32),
      os: truncate(software.os, 64),
      osVersion: truncate(software.osVersion, 32),
      device: deviceFromScreen(software.device, wire.sw),
      screenWidth: wire.sw ?? 0,
      language: wire.lang ?? facts.language,
      props: stringifyProps(wire.props),
      engagedMs: wire.engagedMs ?? 0,
      scrollDepth: wire.scroll ?? 0,
      // Revenue belongs to custom events (Plausible's revenue goals are custom event goals).
      revenueAmount: wire.type === 'custom' ? (wire.revenue?.amount ?? '') : '',
      revenueCurrency: wire.type === 'custom' ? (wire.revenue?.currency ?? '') : '',
    },
  };
}

/** A client clock far from ours is not trusted; the receive time stands in for it. */
export function clampTimestamp(clientTs: number | undefined, receivedAt: number): number {
  if (clientTs === undefined) return receivedAt;
  if (Math.abs(clientTs - receivedAt) > LIMITS.maxClockSkewMs) return receivedAt;
  // Events cannot come from the future; a few seconds of skew are clamped to now.
  return Math.min(clientTs, receivedAt);
}

/** `de-CH,de;q=0.9,en;q=0.8` → `de-CH`: the first tag, which browsers send as the preferred language. */
export function primaryLanguage(acceptLanguage: string): string {
  const tag = acceptLanguage.split(',')[0]?.split(';')[0]?.trim() ?? '';
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,2}$/.test(tag) ? truncate(tag, 35) : '';
}
