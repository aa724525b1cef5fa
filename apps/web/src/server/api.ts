import { primaryIssue, type SiteRecord } from '@tern/events';
import { queryLimitOf } from '@tern/warehouse';
import type { z } from 'zod';
import { authenticate, type Caller } from './auth.ts';
import { ApiError, errorResponse } from './errors.ts';
import { runtime, type WebRuntime } from './runtime.ts';

export { readForm, readJson } from './body.ts';
export { ApiError, errorResponse } from './errors.ts';

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
      const path = new URL(request.url).pathname;
      // A client that went away mid-request is no fault of ours: one info line, no stack.
      if (request.signal.aborted) {
        rt?.logger.info({ path }, 'client closed the request');
        return errorResponse(new ApiError(400, 'aborted', 'the request was aborted'));
      }
      const answer = answerOfWarehouseError(error);
      if (answer) {
        rt?.logger.warn({ path, code: answer.code, reason: answer.message }, 'query refused by the warehouse');
        return errorResponse(answer);
      }
      rt?.logger.error({ err: error, path }, 'api request failed');
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

/** The value as `schema` reads it, or a 400 naming the field (under `prefix`, for a value taken from a parameter). */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix?: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = primaryIssue(parsed.error, prefix ?? 'body');
  const field = prefix && issue.field !== prefix ? `${prefix}.${issue.field}` : issue.field;
  const { message } = issue;
  throw new ApiError(400, 'invalid_request', `${field}: ${message}`, field);
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

/** A query ClickHouse stopped at QUERY_LIMITS: the caller narrows it, or tries again later. */
function answerOfWarehouseError(error: unknown): ApiError | undefined {
  switch (queryLimitOf(error)) {
    case 'timeout':
      return new ApiError(
        503,
        'query_timeout',
        'the query took too long; narrow the date range or the filters',
        undefined,
        10,
      );
    case 'memory':
      return new ApiError(
        503,
        'query_too_large',
        'the query needed too much memory; narrow the date range or the dimensions',
        undefined,
        10,
      );
    case 'rows':
      return new ApiError(
        400,
        'too_many_rows',
        'the query would return too many rows; add filters or paginate',
        'pagination',
      );
    default:
      return undefined;
  }
}
