import { NextResponse } from 'next/server';
import { ApiError, apiRoute } from '../../../../../server/api.ts';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** Revokes a token: every web instance refuses it once its view of the tokens topic has the tombstone. */
export const DELETE = apiRoute<Context>(
  async (_request, rt, { params }) => {
    const { id } = await params;
    if (!rt.tokens.get(id)) throw new ApiError(404, 'unknown_token', `no token ${id}`, 'id');
    await rt.tokens.revoke(rt.producer, id);
    return new NextResponse(null, { status: 204 });
  },
  { adminOnly: true },
);
