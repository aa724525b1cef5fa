import { NextResponse } from 'next/server';
import { isAdminCredential, issueSession, SESSION_COOKIE } from '../../../../server/auth.ts';
import { readForm } from '../../../../server/body.ts';
import { ApiError, errorResponse } from '../../../../server/errors.ts';
import { setCredentialCookie } from '../../../../server/http.ts';
import { safeNext, tooManyAttempts } from '../../../../server/login-limits.ts';
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
  const wait = rt.loginLimits.charge(request, 'admin');
  if (wait > 0) return tooManyAttempts(request, wait, '/login');
  let form: URLSearchParams;
  try {
    form = await readForm(request);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    throw error;
  }
  const token = form.get('token') ?? '';
  const next = safeNext(form.get('next') ?? '/');
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
