import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ShareDirectory, TokenDirectory } from '@tern/control';
import type { ShareRecord, TokenRecord } from '@tern/events';
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

/** The log-in form takes the admin token, or ADMIN_PASSWORD when it is set. */
export function isAdminCredential(config: WebConfig, candidate: string): boolean {
  const password = config.adminPassword;
  return isAdminToken(config, candidate) || (password !== undefined && sameSecret(password, candidate));
}

/** Where a public dashboard's requests name their share link: a header, or `share=` for EventSource URLs. */
export const SHARE_HEADER = 'x-tern-share';
export const shareCookie = (id: string) => `tern_share_${id}`;

/** Proof that the password of a protected share link was given: `<expiry ms>.<HMAC of the share id and expiry>`. */
export function issueShareUnlock(config: WebConfig, id: string, now = Date.now()): { value: string; maxAge: number } {
  const expires = now + SESSION_DAYS * 86_400_000;
  const signature = createHmac('sha256', config.sessionSecret).update(`share:${id}:${expires}`).digest('base64url');
  return { value: `${expires}.${signature}`, maxAge: SESSION_DAYS * 86_400 };
}

export function isValidShareUnlock(config: WebConfig, id: string, value: string | undefined, now = Date.now()) {
  if (!value) return false;
  const [expires, signature] = value.split('.');
  if (!expires || !signature || Number(expires) < now) return false;
  const expected = createHmac('sha256', config.sessionSecret).update(`share:${id}:${expires}`).digest('base64url');
  return sameSecret(expected, signature);
}

/** Whether a visitor of a share page may see it: open links always, protected ones after the password. */
export async function canViewShare(config: WebConfig, share: ShareRecord): Promise<boolean> {
  if (!share.passwordHash) return true;
  const jar = await cookies();
  return isValidShareUnlock(config, share.id, jar.get(shareCookie(share.id))?.value);
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

/**
 * Who is calling: the operator (admin token or dashboard session), an API token with its scope and rate, or a
 * visitor of a public dashboard link, who may only read that site's stats.
 */
export type Caller = { kind: 'admin' } | { kind: 'token'; token: TokenRecord } | { kind: 'share'; share: ShareRecord };

/**
 * API callers authenticate with `Authorization: Bearer <token>` (the admin token, or one made with
 * `POST /api/v1/tokens`); the dashboard with its session cookie.
 */
export async function authenticate(
  config: WebConfig,
  tokens: TokenDirectory,
  shares: ShareDirectory,
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
  if (isValidSession(config, jar.get(SESSION_COOKIE)?.value)) return { kind: 'admin' };
  const shareId = request.headers.get(SHARE_HEADER) ?? new URL(request.url).searchParams.get('share');
  const share = shareId ? shares.get(shareId) : undefined;
  return share && (await canViewShare(config, share)) ? { kind: 'share', share } : undefined;
}

export async function hasSession(config: WebConfig): Promise<boolean> {
  const jar = await cookies();
  return isValidSession(config, jar.get(SESSION_COOKIE)?.value);
}
