import { NextResponse } from 'next/server';
import { isAdminToken, issueSession, SESSION_COOKIE } from '../../../../server/auth.ts';
import { runtime } from '../../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/** Dashboard log-in: a form post with the admin token sets a signed, HTTP-only session cookie. */
export async function POST(request: Request): Promise<Response> {
  const rt = await runtime();
  const form = await request.formData().catch(() => undefined);
  const token = String(form?.get('token') ?? '');
  const next = safeNext(String(form?.get('next') ?? '/'));
  if (!token || !isAdminToken(rt.config, token)) {
    return NextResponse.redirect(new URL(`/login?error=1&next=${encodeURIComponent(next)}`, request.url), 303);
  }
  const session = issueSession(rt.config);
  const response = NextResponse.redirect(new URL(next, request.url), 303);
  response.cookies.set(SESSION_COOKIE, session.value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: new URL(request.url).protocol === 'https:',
    maxAge: session.maxAge,
    path: '/',
  });
  return response;
}

export async function DELETE(request: Request): Promise<Response> {
  const response = NextResponse.redirect(new URL('/login', request.url), 303);
  response.cookies.delete(SESSION_COOKIE);
  return response;
}

/** Only same-site paths: an open redirect after log-in would help phishing. */
function safeNext(next: string): string {
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
