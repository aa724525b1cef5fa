export { CompactedView } from './compacted-view.ts';
export { normalizeDomain, SiteDirectory } from './sites.ts';
export { SaltRing, utcDay } from './salts.ts';
