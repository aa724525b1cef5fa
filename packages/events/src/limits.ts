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
} as const;
