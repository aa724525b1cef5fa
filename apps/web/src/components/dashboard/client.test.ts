import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError, callApi } from './client.ts';

/** A 200 whose body cannot be read: what fetch gives when the request is aborted after the headers came in. */
function unreadable(reason: unknown): Response {
  return { ok: true, status: 200, json: () => Promise.reject(reason) } as unknown as Response;
}

describe('callApi', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lets an abort through instead of answering with an empty result', async () => {
    const controller = new AbortController();
    const abort = new DOMException('aborted', 'AbortError');
    vi.stubGlobal('fetch', async () => {
      controller.abort();
      return unreadable(abort);
    });
    await expect(callApi('/api/v2/query', {}, { site_id: 'a.example' }, controller.signal)).rejects.toBe(abort);
  });

  it('fails on a body that is not JSON', async () => {
    vi.stubGlobal('fetch', async () => unreadable(new SyntaxError('Unexpected token <')));
    await expect(callApi('/api/v2/query', {}, {})).rejects.toBeInstanceOf(ApiCallError);
  });

  it('returns the JSON of a good answer and throws the error message of a bad one', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ results: [] }), { status: 200 }));
    await expect(callApi('/x', {})).resolves.toEqual({ results: [] });
    vi.stubGlobal(
      'fetch',
      async () => new Response(JSON.stringify({ error: { message: 'metrics: bad' } }), { status: 400 }),
    );
    await expect(callApi('/x', {})).rejects.toThrow('metrics: bad');
  });
});
