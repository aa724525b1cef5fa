import { NextResponse } from 'next/server';
import { isAdminCredential, issueSession, SESSION_COOKIE } from '../../../../server/auth.ts';
import { setCredentialCookie } from '../../../../server/http.ts';
import { runtime } from '../../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/**
 * Redirects with a relative Location: behind `next start -H 0.0.0.0` (or a proxy) `request.url` names the bind
 * address, not the host the browser used, and an absolute redirect would leave the session cookie behind.
 */
function seeOther(location: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location } });
}

/** Dashboard log-in: a form post with the admin token sets a signed, HTTP-only session cookie. */
export async function POST(request: Request): Promise<Response> {
  const rt = await runtime();
  const form = await request.formData().catch(() => undefined);
  const token = String(form?.get('token') ?? '');
  const next = safeNext(String(form?.get('next') ?? '/'));
  if (!token || !isAdminCredential(rt.config, token))
    return seeOther(`/login?error=1&next=${encodeURIComponent(next)}`);
  const session = issueSession(rt.config);
  const response = seeOther(next);
  setCredentialCookie(response, request, SESSION_COOKIE, session);
  return response;
}

export async function DELETE(): Promise<Response> {
  const response = seeOther('/login');
  response.cookies.delete(SESSION_COOKIE);
  return response;
}

/** Only same-site paths: an open redirect after log-in would help phishing. */
function safeNext(next: string): string {
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
