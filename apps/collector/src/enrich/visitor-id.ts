import { createHmac } from 'node:crypto';

/**
 * Cookieless visitor id: HMAC-SHA256 keyed with the day's secret salt over site, IP and user agent,
 * truncated to 64 bits. Without the salt, which is destroyed after two days, the id cannot be linked
 * back to an IP address.
 */
export function visitorId(salt: Uint8Array, site: string, ip: string, userAgent: string): string {
  const digest = createHmac('sha256', salt)
    .update(site)
    .update('\0')
    .update(ip)
    .update('\0')
    .update(userAgent)
    .digest();
  return digest.readBigUInt64BE(0).toString();
}
