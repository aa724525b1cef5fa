import { NextResponse } from 'next/server';
import { z } from 'zod';
import { ApiError, apiRoute, parseWith, readJson } from '../../../../server/api.ts';

export const dynamic = 'force-dynamic';

const newTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  /** Domains the token may read and import into; omitted or empty: every site. */
  sites: z.array(z.string().min(1).max(253)).max(1000).default([]),
  rate_limit_per_minute: z.number().int().min(1).max(100_000).default(600),
});

const publicView = (token: {
  id: string;
  name: string;
  sites: string[];
  ratePerMinute: number;
  createdAt: number;
}) => ({
  id: token.id,
  name: token.name,
  sites: token.sites,
  rate_limit_per_minute: token.ratePerMinute,
  created_at: new Date(token.createdAt).toISOString(),
});

/** API tokens, without their secrets (only hashes are stored). Admin only. */
export const GET = apiRoute(async (_request, rt) => NextResponse.json({ tokens: rt.tokens.list().map(publicView) }), {
  adminOnly: true,
});

/** Creates a token; the answer carries its secret, shown this once. Admin only. */
export const POST = apiRoute(
  async (request, rt) => {
    const body = parseWith(newTokenSchema, await readJson(request));
    const sites = [...new Set(body.sites.map((domain) => rt.sites.get(domain)?.domain ?? domain))];
    const unknown = sites.filter((domain) => !rt.sites.has(domain));
    if (unknown.length > 0) {
      throw new ApiError(400, 'unknown_site', `not registered: ${unknown.join(', ')}`, 'sites');
    }
    const { record, secret } = await rt.tokens.create(rt.producer, {
      name: body.name,
      sites,
      ratePerMinute: body.rate_limit_per_minute,
    });
    return NextResponse.json({ ...publicView(record), token: secret }, { status: 201 });
  },
  { adminOnly: true },
);
