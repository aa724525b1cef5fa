import { NextResponse } from 'next/server';
import { z } from 'zod';
import { ApiError, apiRoute, parseWith, readJson } from '../../../../../../server/api.ts';
import { segment } from '../../../../../../server/params.ts';
import type { WebRuntime } from '../../../../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ domain: string }> };

const newShareSchema = z.strictObject({ password: z.string().min(8, 'at least 8 characters').max(200).optional() });

async function siteOf(rt: WebRuntime, params: Context['params']) {
  const raw = (await params).domain;
  const domain = segment(raw) ?? raw;
  const site = segment(raw) === undefined ? undefined : rt.sites.get(domain);
  if (!site) throw new ApiError(404, 'unknown_site', `site ${domain} is not registered`, 'domain');
  return site;
}

/** The site's public dashboard links; a password is never shown again, only whether there is one. */
export const GET = apiRoute<Context>(
  async (_request, rt, { params }) => {
    const site = await siteOf(rt, params);
    const shares = rt.shares.listFor(site.domain).map(({ id, createdAt, passwordHash }) => ({
      id,
      path: `/share/${id}`,
      protected: passwordHash !== undefined,
      createdAt,
    }));
    return NextResponse.json({ shares });
  },
  { adminOnly: true },
);

/** Creates a read-only public link to the site's dashboard, optionally behind a password. */
export const POST = apiRoute<Context>(
  async (request, rt, { params }) => {
    const site = await siteOf(rt, params);
    const body = parseWith(newShareSchema, await readJson(request, { optional: true }));
    const share = await rt.shares.create(rt.producer, site.domain, body.password);
    return NextResponse.json(
      { id: share.id, path: `/share/${share.id}`, protected: body.password !== undefined, createdAt: share.createdAt },
      { status: 201 },
    );
  },
  { adminOnly: true },
);
