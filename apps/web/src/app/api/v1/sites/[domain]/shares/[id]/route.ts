import { NextResponse } from 'next/server';
import { ApiError, apiRoute } from '../../../../../../../server/api.ts';
import { segment } from '../../../../../../../server/params.ts';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ domain: string; id: string }> };

/** Revokes a public link: from then on it shows nothing. */
export const DELETE = apiRoute<Context>(
  async (_request, rt, { params }) => {
    const { domain, id } = await params;
    const share = rt.shares.get(id);
    if (!share || share.site !== segment(domain)) {
      throw new ApiError(404, 'unknown_share', `no link ${id} for ${domain}`, 'id');
    }
    await rt.shares.revoke(rt.producer, id);
    return new NextResponse(null, { status: 204 });
  },
  { adminOnly: true },
);
