import type { NextResponse } from 'next/server';

/** A Server-Sent Events response around a stream of encoded messages. */
export function eventStreamResponse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    },
  });
}

/** Sets a signed credential as an HTTP-only cookie, `Secure` when the browser came over HTTPS. */
export function setCredentialCookie(
  response: NextResponse,
  request: Request,
  name: string,
  credential: { value: string; maxAge: number },
): void {
  response.cookies.set(name, credential.value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: request.headers.get('x-forwarded-proto') === 'https' || new URL(request.url).protocol === 'https:',
    maxAge: credential.maxAge,
    path: '/',
  });
}
