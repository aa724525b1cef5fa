/** Bounds shared by the tracker, the collector and the ingest worker. Changing one is a contract change. */
export const LIMITS = {
  /** Events in one batch request. */
  maxEventsPerBatch: 50,
  /** Custom properties on one event. */
  maxProps: 30,
  maxPropKeyLength: 64,
  maxPropValueLength: 256,
  maxEventNameLength: 120,
  maxUrlLength: 2048,
  maxTitleLength: 512,
  maxSiteLength: 253,
  maxLanguageLength: 35,
  /** Client timestamps further than this from the receive time are clamped to it. */
  maxClockSkewMs: 24 * 60 * 60 * 1000,
  /**
   * Event times the warehouse can hold everywhere it keeps them: from 1970 to the end of 2099. The tightest columns
   * are a session id's 32-bit start second (to 2106) and ClickHouse's Date (to 2149); DateTime64 goes further.
   */
  minTimestampMs: 0,
  maxTimestampMs: Date.UTC(2100, 0, 1) - 1,
  /** Screen sizes are stored as UInt16. */
  maxScreenPixels: 65_535,
  /** Time engaged on one page view, as one engagement event reports it. */
  maxEngagedMs: 24 * 60 * 60 * 1000,
} as const;

/** Whether an event time fits the warehouse (LIMITS.minTimestampMs to maxTimestampMs). */
export function isStorableTime(ms: number): boolean {
  return Number.isInteger(ms) && ms >= LIMITS.minTimestampMs && ms <= LIMITS.maxTimestampMs;
}
