import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { cookies } from 'next/headers';
import type { WebConfig } from './config.ts';

export const SESSION_COOKIE = 'tern_session';
const SESSION_DAYS = 14;

function sameSecret(a: string, b: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function isAdminToken(config: WebConfig, candidate: string): boolean {
  return sameSecret(config.adminToken, candidate);
}

/** A signed session value: `<expiry ms>.<HMAC of it>`; nothing to store server-side. */
export function issueSession(config: WebConfig, now = Date.now()): { value: string; maxAge: number } {
  const expires = now + SESSION_DAYS * 86_400_000;
  const signature = createHmac('sha256', config.sessionSecret).update(`session:${expires}`).digest('base64url');
  return { value: `${expires}.${signature}`, maxAge: SESSION_DAYS * 86_400 };
}

export function isValidSession(config: WebConfig, value: string | undefined, now = Date.now()): boolean {
  if (!value) return false;
  const [expires, signature] = value.split('.');
  if (!expires || !signature || Number(expires) < now) return false;
  const expected = createHmac('sha256', config.sessionSecret).update(`session:${expires}`).digest('base64url');
  return sameSecret(expected, signature);
}

/** API callers authenticate with `Authorization: Bearer <token>`; the dashboard with its session cookie. */
export async function isAuthorized(config: WebConfig, request: Request): Promise<boolean> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (match?.[1]) return isAdminToken(config, match[1].trim());
  const jar = await cookies();
  return isValidSession(config, jar.get(SESSION_COOKIE)?.value);
}

export async function hasSession(config: WebConfig): Promise<boolean> {
  const jar = await cookies();
  return isValidSession(config, jar.get(SESSION_COOKIE)?.value);
}
