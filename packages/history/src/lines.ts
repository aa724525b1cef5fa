import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type NumberedLine =
  /** `number` is 1-based, as editors count. */
  | { number: number; text: string; tooLong?: undefined }
  /** A line over the cap: its bytes were skipped, not kept. */
  | { number: number; text?: undefined; tooLong: true };

/**
 * A line of history is a few kilobytes at most (every field has a bound); one far longer is one rejected line, read
 * past without being held in memory.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/** The input itself could not be read to its end (corrupt or truncated gzip, a broken upload): not worth retrying. */
export class UnreadableInputError extends Error {
  override readonly name = 'UnreadableInputError';
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The lines of a byte stream, gunzipped first when it starts with gzip's magic bytes. Linear in the input: bytes are
 * searched for newlines once and a line is decoded once (UTF-8 never has a newline byte inside a character).
 */
export async function* readLines(
  source: AsyncIterable<Uint8Array>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<NumberedLine> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  async function* whole() {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const bytes: AsyncIterable<Uint8Array> = gzipped ? Readable.from(whole()).pipe(createGunzip()) : whole();
  const decoder = new TextDecoder('utf-8');
  const text = (parts: Buffer[]) =>
    decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts)).replace(/\r$/, '');

  let parts: Buffer[] = [];
  let partBytes = 0;
  let skipping = false;
  let number = 0;
  try {
    for await (const chunk of bytes) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let start = 0;
      for (let newline = buffer.indexOf(0x0a, start); newline >= 0; newline = buffer.indexOf(0x0a, start)) {
        const piece = buffer.subarray(start, newline);
        start = newline + 1;
        number++;
        if (skipping || partBytes + piece.length > maxLineBytes) yield { number, tooLong: true };
        else yield { number, text: text([...parts, piece]) };
        parts = [];
        partBytes = 0;
        skipping = false;
      }
      const rest = buffer.subarray(start);
      if (rest.length === 0 || skipping) continue;
      if (partBytes + rest.length > maxLineBytes) {
        skipping = true;
        parts = [];
        partBytes = 0;
      } else {
        // A copy: the stream may reuse the chunk's memory.
        parts.push(Buffer.from(rest));
        partBytes += rest.length;
      }
    }
  } catch (cause) {
    const what = gzipped ? 'the gzip data is corrupt or cut short' : 'the input could not be read';
    throw new UnreadableInputError(`${what} after line ${number}`, { cause });
  }
  if (skipping) yield { number: ++number, tooLong: true };
  else if (partBytes > 0) yield { number: ++number, text: text(parts) };
}
