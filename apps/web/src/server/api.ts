import { NextResponse } from 'next/server';
import type { z } from 'zod';
import { isAuthorized } from './auth.ts';
import { runtime, type WebRuntime } from './runtime.ts';

/** One error shape for every API answer: `{ "error": { code, message, field? } }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function errorResponse(error: ApiError): NextResponse {
  return NextResponse.json(
    { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } },
    { status: error.status },
  );
}

/** Wraps an authenticated API route: auth first, typed errors to JSON, no internals in responses. */
export function apiRoute<C>(
  handler: (request: Request, rt: WebRuntime, context: C) => Promise<Response>,
): (request: Request, context: C) => Promise<Response> {
  return async (request, context) => {
    try {
      const rt = await runtime();
      if (!(await isAuthorized(rt.config, request))) {
        throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <token>');
      }
      return await handler(request, rt, context);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      const rt = await runtime().catch(() => undefined);
      rt?.logger.error({ err: error, path: new URL(request.url).pathname }, 'api request failed');
      return errorResponse(new ApiError(500, 'internal', 'internal error'));
    }
  };
}

export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
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
