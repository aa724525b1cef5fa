import { verifyPassword } from '@tern/control';
import { NextResponse } from 'next/server';
import { issueShareUnlock, shareCookie } from '../../../../../../server/auth.ts';
import { readForm } from '../../../../../../server/body.ts';
import { ApiError, errorResponse } from '../../../../../../server/errors.ts';
import { setCredentialCookie } from '../../../../../../server/http.ts';
import { runtime } from '../../../../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/** The password form of a protected link: a right password sets a signed, HTTP-only cookie for that link. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const rt = await runtime();
  const share = rt.shares.get(id);
  const back = (error: string) =>
    new NextResponse(null, { status: 303, headers: { location: `/share/${encodeURIComponent(id)}?error=${error}` } });
  if (!share) return new NextResponse(null, { status: 404 });
  if (!share.passwordHash) return back('');
  if (rt.loginLimits.charge(request, `share:${id}`) > 0) return back('wait');
  let password: string;
  try {
    password = (await readForm(request)).get('password') ?? '';
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    throw error;
  }
  if (!(await verifyPassword(password, share.passwordHash))) return back('wrong');
  const unlock = issueShareUnlock(rt.config, id);
  const response = new NextResponse(null, { status: 303, headers: { location: `/share/${encodeURIComponent(id)}` } });
  setCredentialCookie(response, request, shareCookie(id), unlock);
  return response;
}
