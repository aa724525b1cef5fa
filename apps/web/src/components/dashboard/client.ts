/** Browser-side calls to the public API; on a shared dashboard every call names the share link. */

/** A revenue figure as the Stats API answers `total_revenue` and `average_revenue`. */
export interface Revenue {
  value: number;
  currency: string;
  short: string;
  long: string;
}
export type MetricValue = number | null | Revenue;

export interface Row {
  dimensions: string[];
  metrics: MetricValue[];
  comparison?: { dimensions: string[]; metrics: MetricValue[]; change: Array<number | null> };
}
export interface QueryResult {
  results: Row[];
  meta: { time_labels?: string[]; total_rows?: number };
}

export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
}

export interface Access {
  /** The share link id on a public dashboard; absent for the operator's own session. */
  share?: string | undefined;
}

export function headersFor(access: Access): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(access.share ? { 'x-tern-share': access.share } : {}),
  };
}

/** A URL for EventSource, which cannot send headers. */
export function streamUrl(path: string, access: Access): string {
  return access.share ? `${path}&share=${encodeURIComponent(access.share)}` : path;
}

export async function callApi<T>(
  path: string,
  access: Access,
  body?: unknown,
  signal?: AbortSignal,
  method?: 'PATCH' | 'DELETE',
): Promise<T> {
  const response = await fetch(path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: headersFor(access),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  let json: T & { error?: { message: string } };
  try {
    json = response.status === 204 ? ({} as T) : await response.json();
  } catch (error) {
    // An aborted request fails here too, once the headers are in: the caller must see the abort, not an empty answer.
    if (signal?.aborted) throw error;
    throw new ApiCallError(`unreadable answer from ${path} (HTTP ${response.status})`);
  }
  if (!response.ok) throw new ApiCallError(json.error?.message ?? `HTTP ${response.status}`);
  return json;
}

export const query = (body: unknown, access: Access, signal?: AbortSignal) =>
  callApi<QueryResult>('/api/v2/query', access, body, signal);

/** Each answer of `POST /api/v2/query/batch`: a result, or the error of that query alone. */
export type BatchResult = QueryResult | { error: { message: string; field?: string } };

export const queryBatch = (body: { queries: unknown[] }, access: Access, signal?: AbortSignal) =>
  callApi<{ results: BatchResult[] }>('/api/v2/query/batch', access, body, signal);
