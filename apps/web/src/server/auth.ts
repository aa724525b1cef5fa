import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { TokenDirectory } from '@tern/control';
import type { TokenRecord } from '@tern/events';
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

/** Who is calling: the operator (admin token or dashboard session), or an API token with its scope and rate. */
export type Caller = { kind: 'admin' } | { kind: 'token'; token: TokenRecord };

/**
 * API callers authenticate with `Authorization: Bearer <token>` (the admin token, or one made with
 * `POST /api/v1/tokens`); the dashboard with its session cookie.
 */
export async function authenticate(
  config: WebConfig,
  tokens: TokenDirectory,
  request: Request,
): Promise<Caller | undefined> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (match?.[1]) {
    const secret = match[1].trim();
    if (isAdminToken(config, secret)) return { kind: 'admin' };
    const token = tokens.find(secret);
    return token ? { kind: 'token', token } : undefined;
  }
  const jar = await cookies();
  return isValidSession(config, jar.get(SESSION_COOKIE)?.value) ? { kind: 'admin' } : undefined;
}

export async function hasSession(config: WebConfig): Promise<boolean> {
  const jar = await cookies();
  return isValidSession(config, jar.get(SESSION_COOKIE)?.value);
}
