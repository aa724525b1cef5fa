export { CompactedView } from './compacted-view.ts';
export { SaltRing, utcDay } from './salts.ts';
export { hashPassword, ShareDirectory, verifyPassword } from './shares.ts';
export { normalizeDomain, SiteDirectory } from './sites.ts';
export { hashSecret, TokenDirectory } from './tokens.ts';
