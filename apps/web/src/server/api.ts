import type { SiteRecord } from '@tern/events';
import { NextResponse } from 'next/server';
import type { z } from 'zod';
import { authenticate, type Caller } from './auth.ts';
import { runtime, type WebRuntime } from './runtime.ts';

/** One error shape for every API answer: `{ "error": { code, message, field? } }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function errorResponse(error: ApiError): NextResponse {
  return NextResponse.json(
    { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } },
    {
      status: error.status,
      ...(error.retryAfterSeconds ? { headers: { 'retry-after': String(error.retryAfterSeconds) } } : {}),
    },
  );
}

/**
 * Wraps an API route: authentication, the token's rate limit, admin-only routes, typed errors to JSON, no internals
 * in responses.
 */
export function apiRoute<C>(
  handler: (request: Request, rt: WebRuntime, context: C, caller: Caller) => Promise<Response>,
  options: { adminOnly?: boolean; shareable?: boolean } = {},
): (request: Request, context: C) => Promise<Response> {
  return async (request, context) => {
    try {
      const rt = await runtime();
      const caller = await authenticate(rt.config, rt.tokens, rt.shares, request);
      if (!caller) throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <token>');
      if (caller.kind === 'share' && !options.shareable) {
        throw new ApiError(403, 'forbidden', 'a shared dashboard link can only read stats');
      }
      if (caller.kind === 'token') {
        chargeToken(rt, caller, 1);
        if (options.adminOnly) throw new ApiError(403, 'forbidden', 'this needs the admin token');
      }
      return await handler(request, rt, context, caller);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      const rt = await runtime().catch(() => undefined);
      rt?.logger.error({ err: error, path: new URL(request.url).pathname }, 'api request failed');
      return errorResponse(new ApiError(500, 'internal', 'internal error'));
    }
  };
}

/** Takes `requests` from a token's rate limit (a batch of queries costs one per query); 429 when it is spent. */
export function chargeToken(rt: WebRuntime, caller: Caller, requests: number): void {
  if (caller.kind !== 'token' || requests <= 0) return;
  const perMinute = caller.token.ratePerMinute;
  const wait = rt.tokenLimiter.take(caller.token.id, requests, Date.now(), {
    perSecond: perMinute / 60,
    burst: perMinute,
  });
  if (wait > 0) {
    throw new ApiError(429, 'rate_limited', `this token allows ${perMinute} requests a minute`, undefined, wait);
  }
}

/** The JSON body; with `optional`, an empty body reads as `{}`. */
export async function readJson(request: Request, options: { optional?: boolean } = {}): Promise<unknown> {
  const text = await request.text();
  if (options.optional && text.trim() === '') return {};
  if (text.length > 256 * 1024) throw new ApiError(413, 'body_too_large', 'request body is larger than 256 KiB');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'request body is not valid JSON');
  }
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  throw new ApiError(400, 'invalid_request', `${field}: ${issue?.message ?? 'invalid'}`, field);
}

/** A registered site the caller may read (or import into): 404 if unknown, 403 outside a token's scope. */
export function siteFor(rt: WebRuntime, caller: Caller, domain: string | null, field = 'site_id'): SiteRecord {
  if (!domain) throw new ApiError(400, 'invalid_request', `${field}: required`, field);
  const site = rt.sites.get(domain);
  if (!site) throw new ApiError(404, 'unknown_site', `site ${domain} is not registered`, field);
  if (caller.kind === 'token' && caller.token.sites.length > 0 && !caller.token.sites.includes(site.domain)) {
    throw new ApiError(403, 'forbidden', `this token is not scoped to ${site.domain}`, field);
  }
  if (caller.kind === 'share' && caller.share.site !== site.domain) {
    throw new ApiError(403, 'forbidden', `this link shares ${caller.share.site} only`, field);
  }
  return site;
}
