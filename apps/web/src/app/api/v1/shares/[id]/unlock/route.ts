import { verifyPassword } from '@tern/control';
import { NextResponse } from 'next/server';
import { issueShareUnlock, shareCookie } from '../../../../../../server/auth.ts';
import { setCredentialCookie } from '../../../../../../server/http.ts';
import { runtime } from '../../../../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/** Password attempts per link and minute: enough for people, too few for guessing. */
const ATTEMPTS_PER_MINUTE = 10;

/** The password form of a protected link: a right password sets a signed, HTTP-only cookie for that link. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const rt = await runtime();
  const share = rt.shares.get(id);
  const back = (error: string) =>
    new NextResponse(null, { status: 303, headers: { location: `/share/${encodeURIComponent(id)}?error=${error}` } });
  if (!share) return new NextResponse(null, { status: 404 });
  if (!share.passwordHash) return back('');
  const wait = rt.tokenLimiter.take(`share:${id}`, 1, Date.now(), {
    perSecond: ATTEMPTS_PER_MINUTE / 60,
    burst: ATTEMPTS_PER_MINUTE,
  });
  if (wait > 0) return back('wait');
  const form = await request.formData().catch(() => undefined);
  const password = String(form?.get('password') ?? '');
  if (!(await verifyPassword(password, share.passwordHash))) return back('wrong');
  const unlock = issueShareUnlock(rt.config, id);
  const response = new NextResponse(null, { status: 303, headers: { location: `/share/${encodeURIComponent(id)}` } });
  setCredentialCookie(response, request, shareCookie(id), unlock);
  return response;
}
