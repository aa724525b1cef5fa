import { JsonTooDeepError, parseJsonText } from '@tern/events';
import { ApiError } from './errors.ts';

/** The largest JSON body an API route reads (a batch of 20 Stats queries with filters is far smaller). */
export const MAX_JSON_BYTES = 256 * 1024;
/** The log-in and share-password forms: a credential and a path. */
export const MAX_FORM_BYTES = 8 * 1024;

/**
 * The body as text, judged before it is read: a `Content-Length` over `maxBytes` is refused at once, and a body sent
 * without one (chunked) stops being read at the limit. Lone surrogates cannot come out of the UTF-8 decoder.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new ApiError(413, 'body_too_large', `request body is larger than ${Math.round(maxBytes / 1024)} KiB`, 'body');
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** The JSON body, read within MAX_JSON_BYTES; with `optional`, an empty body reads as `{}`. */
export async function readJson(request: Request, options: { optional?: boolean } = {}): Promise<unknown> {
  const text = await readBodyText(request, MAX_JSON_BYTES);
  if (options.optional && text.trim() === '') return {};
  try {
    return parseJsonText(text);
  } catch (error) {
    if (error instanceof JsonTooDeepError) throw new ApiError(400, 'invalid_json', `body: ${error.message}`, 'body');
    throw new ApiError(400, 'invalid_json', 'request body is not valid JSON', 'body');
  }
}

/** An `application/x-www-form-urlencoded` form, read within MAX_FORM_BYTES. */
export async function readForm(request: Request): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(request, MAX_FORM_BYTES));
}
