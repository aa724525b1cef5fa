import { normalizeDomain } from '@tern/control';
import { goalSchema } from '@tern/events';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { apiRoute, parseWith, readJson } from '../../../../server/api.ts';
import { isTimeZone } from '../../../../server/zoned-time.ts';

export const dynamic = 'force-dynamic';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const newSiteSchema = z.strictObject({
  domain: z
    .string()
    .transform(normalizeDomain)
    .refine((d) => DOMAIN.test(d), 'a host name such as example.com'),
  timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').optional(),
  goals: z.array(goalSchema).max(100).optional(),
});

/** The sites the caller may read: all of them for the admin, a token's scope otherwise. */
export const GET = apiRoute(async (_request, rt, _context, caller) => {
  const scope = caller.kind === 'token' && caller.token.sites.length > 0 ? new Set(caller.token.sites) : undefined;
  return NextResponse.json({ sites: rt.sites.list().filter((site) => !scope || scope.has(site.domain)) });
});

/** Registers a site; collectors learn of it through the sites topic. Re-registering keeps the original. */
export const POST = apiRoute(
  async (request, rt) => {
    const body = parseWith(newSiteSchema, await readJson(request));
    const existing = rt.sites.get(body.domain);
    if (existing) return NextResponse.json(existing, { status: 200 });
    const site = await rt.sites.register(rt.producer, {
      domain: body.domain,
      timezone: body.timezone ?? rt.config.defaultTimezone,
      createdAt: Date.now(),
      goals: body.goals ?? [],
    });
    return NextResponse.json(site, { status: 201 });
  },
  { adminOnly: true },
);
