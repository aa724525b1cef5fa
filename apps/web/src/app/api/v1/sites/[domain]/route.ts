import { NextResponse } from 'next/server';
import { ApiError, apiRoute, siteFor } from '../../../../../server/api.ts';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ domain: string }> };

export const GET = apiRoute<Context>(async (_request, rt, { params }, caller) => {
  const { domain } = await params;
  return NextResponse.json(siteFor(rt, caller, decodeURIComponent(domain), 'domain'));
});

/** Unregisters a site: collectors stop accepting its events. Stored events are kept. */
export const DELETE = apiRoute<Context>(
  async (_request, rt, { params }) => {
    const { domain } = await params;
    const site = rt.sites.get(decodeURIComponent(domain));
    if (!site) throw new ApiError(404, 'unknown_site', `site ${domain} is not registered`, 'domain');
    await rt.sites.remove(rt.producer, site.domain);
    return new NextResponse(null, { status: 204 });
  },
  { adminOnly: true },
);
