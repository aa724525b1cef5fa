import { RateLimiter } from '@tern/service';

/**
 * Guessing bounds for the two password forms (the dashboard log-in and a protected share link). Every attempt is
 * charged before the credential is checked, per client address and per account (the one admin account, or the share
 * link), so spreading guesses over many addresses gains nothing against one account.
 *
 * The address is the one Next.js reports in `X-Forwarded-For`; behind a proxy, have the proxy set that header. A
 * client that forges it only spreads its own attempts: the per-account bound still holds.
 */
export const PER_CLIENT = { perSecond: 10 / 60, burst: 10 };
export const PER_ACCOUNT = { perSecond: 30 / 60, burst: 30 };

export class LoginLimits {
  readonly #clients = new RateLimiter(PER_CLIENT.perSecond, PER_CLIENT.burst, 10_000);
  readonly #accounts = new RateLimiter(PER_ACCOUNT.perSecond, PER_ACCOUNT.burst, 10_000);

  /** Charges one attempt; 0 when it may go ahead, else the seconds to wait. */
  charge(request: Request, account: string, now = Date.now()): number {
    const client = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'unknown';
    // An attempt the client's own bound refuses costs the account nothing: one noisy address cannot lock it.
    return this.#clients.take(client, 1, now) || this.#accounts.take(account, 1, now);
  }
}

/** 429 with `Retry-After`: a page for a browser's form post, the API's error shape for anything else. */
export function tooManyAttempts(request: Request, waitSeconds: number, back: string): Response {
  const headers = { 'retry-after': String(waitSeconds) };
  const message = `too many attempts; try again in ${waitSeconds} s`;
  if (request.headers.get('accept')?.includes('text/html')) {
    const html = `<!doctype html><title>Too many attempts · tern</title><p>Too many attempts. Try again in ${waitSeconds} seconds.</p><p><a href="${back}">Back</a></p>`;
    return new Response(html, { status: 429, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
  }
  return Response.json({ error: { code: 'rate_limited', message } }, { status: 429, headers });
}

/**
 * Only paths of this origin: an open redirect after log-in would help phishing. Browsers read `\` as `/`, so
 * `/\evil.example` is `//evil.example`; resolving against a placeholder origin and checking it is still that origin
 * settles every such spelling (tabs and newlines, which URL parsers drop, included).
 */
export function safeNext(next: string): string {
  if (!next.startsWith('/')) return '/';
  const base = 'http://tern.invalid';
  try {
    const url = new URL(next, base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : '/';
  } catch {
    return '/';
  }
}
