import { goalSchema } from '@tern/events';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { ApiError, apiRoute, parseWith, readJson, siteFor } from '../../../../../server/api.ts';
import { segment } from '../../../../../server/params.ts';
import type { WebRuntime } from '../../../../../server/runtime.ts';
import { isTimeZone } from '../../../../../server/zoned-time.ts';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ domain: string }> };

export const GET = apiRoute<Context>(async (_request, rt, { params }, caller) => {
  const { domain } = await params;
  return NextResponse.json(siteFor(rt, caller, segment(domain) ?? '', 'domain'));
});

/** Unregisters a site: collectors stop accepting its events. Stored events are kept. */
export const DELETE = apiRoute<Context>(
  async (_request, rt, { params }) => {
    const { domain } = await params;
    const site = siteOrNotFound(rt, domain);
    await rt.sites.remove(rt.producer, site.domain);
    return new NextResponse(null, { status: 204 });
  },
  { adminOnly: true },
);

const siteChangesSchema = z.strictObject({
  timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').optional(),
  goals: z.array(goalSchema).max(100).optional(),
});

/** Changes a site's time zone or replaces its goals. */
export const PATCH = apiRoute<Context>(
  async (request, rt, { params }) => {
    const { domain } = await params;
    const site = siteOrNotFound(rt, domain);
    const changes = parseWith(siteChangesSchema, await readJson(request));
    const updated = await rt.sites.register(rt.producer, {
      ...site,
      ...(changes.timezone ? { timezone: changes.timezone } : {}),
      ...(changes.goals ? { goals: uniqueGoals(changes.goals) } : {}),
    });
    return NextResponse.json(updated);
  },
  { adminOnly: true },
);

function uniqueGoals<T>(goals: T[]): T[] {
  const seen = new Set<string>();
  return goals.filter((goal) => {
    const key = JSON.stringify(goal);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function siteOrNotFound(rt: WebRuntime, raw: string) {
  const domain = segment(raw);
  const site = domain === undefined ? undefined : rt.sites.get(domain);
  if (!site) throw new ApiError(404, 'unknown_site', `site ${domain ?? raw} is not registered`, 'domain');
  return site;
}
