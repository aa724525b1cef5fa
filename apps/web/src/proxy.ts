import { NextResponse } from 'next/server';

/**
 * Paths with percent-encoding that does not decode (`%ff`, `%C0%AE`, a lone `%`): Next.js fails to decode the
 * dynamic segment of such a path and answers 500 before any route runs. They name nothing here, so they get a 400
 * in the API's error shape first.
 */
export function proxy(request: Request): Response | undefined {
  const { pathname } = new URL(request.url);
  if (!pathname.includes('%')) return undefined;
  try {
    decodeURIComponent(pathname);
    return undefined;
  } catch {
    return NextResponse.json(
      {
        error: { code: 'invalid_path', message: 'the path holds percent-encoding that does not decode', field: 'path' },
      },
      { status: 400 },
    );
  }
}

/**
 * Only the routes with dynamic segments, where the decoding fails. Never the import or the query API: a proxy makes
 * Next.js buffer the request body (up to next.config's proxyClientMaxBodySize) before any route judges it.
 */
export const config = {
  matcher: ['/api/v1/sites/:path+', '/api/v1/shares/:path+', '/api/v1/tokens/:path+', '/sites/:path+', '/share/:path+'],
};
