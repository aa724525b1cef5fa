import { NextResponse } from 'next/server';

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
      headers: {
        ...(error.retryAfterSeconds ? { 'retry-after': String(error.retryAfterSeconds) } : {}),
        // A body refused before it was read to its end leaves the connection mid-request: the client must not send
        // its next request on it.
        ...(error.status === 413 ? { connection: 'close' } : {}),
      },
    },
  );
}
