import { createHash } from 'node:crypto';
import type { EnrichedEvent } from '@tern/events';
import { type OpenSession, sessionIdAt, type VisitAttributes } from '@tern/warehouse';

interface SessionState extends VisitAttributes {
  lastTimestamp: number;
}

/**
 * Sessions of the visitors of one partition, built in the order events are ingested (as Plausible's
 * session cache does): an event continues its visitor's session when it comes within `timeoutMinutes`
 * whole minutes of the session's last event; otherwise it starts a new one, which takes its visit
 * attributes (referrer, source, UTM, entry hostname, screen) from that first event.
 */
export class SessionTracker {
  readonly #sessions = new Map<string, SessionState>();

  constructor(private readonly timeoutMinutes: number) {}

  /** Continues sessions that were open when this partition was last processed. */
  restore(sessions: OpenSession[]): void {
    for (const s of sessions) {
      const { siteId, visitorId, ...state } = s;
      this.#sessions.set(`${siteId}:${visitorId}`, state);
    }
  }

  assign(event: EnrichedEvent): VisitAttributes {
    const key = `${event.siteId}:${event.visitorId}`;
    let current = this.#sessions.get(key);
    if (!current && event.previousVisitorId) {
      // Just after midnight the visitor's id changed with the salt: continue the session of yesterday's id.
      const previousKey = `${event.siteId}:${event.previousVisitorId}`;
      current = this.#sessions.get(previousKey);
      if (current) {
        this.#sessions.delete(previousKey);
        this.#sessions.set(key, current);
      }
    }
    if (current && Math.trunc((event.timestamp - current.lastTimestamp) / 60_000) <= this.timeoutMinutes) {
      current.lastTimestamp = Math.max(current.lastTimestamp, event.timestamp);
      // Most recently used last, for keepAtMost.
      this.#sessions.delete(key);
      this.#sessions.set(key, current);
      return current;
    }
    const started: SessionState = {
      sessionId: sessionIdFor(event.eventId, event.timestamp),
      entryHostname: event.hostname,
      screenWidth: event.screenWidth,
      referrer: event.referrer,
      referrerHost: event.referrerHost,
      source: event.source,
      utmSource: event.utmSource,
      utmMedium: event.utmMedium,
      utmCampaign: event.utmCampaign,
      utmTerm: event.utmTerm,
      utmContent: event.utmContent,
      lastTimestamp: event.timestamp,
    };
    this.#sessions.set(key, started);
    return started;
  }

  /** Forgets sessions that can no longer continue, bounding memory. */
  evictBefore(timestamp: number): void {
    for (const [key, state] of this.#sessions) if (state.lastTimestamp < timestamp) this.#sessions.delete(key);
  }

  /**
   * Forgets the least recently continued sessions beyond `max`, except those whose last event is in `carried` (a
   * [from, to) range of times). For imported history, which comes by month, visitor, then time: one visitor's events
   * may be weeks older than the previous visitor's, so the partition's newest event time says nothing about which
   * sessions may continue, but the visitor being imported is always the most recent; and the sessions that were
   * active at the end of the previous month (`carried`) wait for their visitor's turn in this one.
   */
  keepAtMost(max: number, carried?: { from: number; to: number }): void {
    for (const [key, state] of this.#sessions) {
      if (this.#sessions.size <= max) return;
      if (carried && state.lastTimestamp >= carried.from && state.lastTimestamp < carried.to) continue;
      this.#sessions.delete(key);
    }
  }

  get size(): number {
    return this.#sessions.size;
  }
}

/**
 * Derived from the first event, so replaying the same events yields the same session ids: the start second in the
 * high 32 bits (the warehouse's contract, `sessionIdAt`), a hash of the event id in the low 32.
 */
export function sessionIdFor(firstEventId: string, startMs: number): string {
  return sessionIdAt(startMs, createHash('sha256').update(firstEventId).digest().readUInt32BE(0));
}
