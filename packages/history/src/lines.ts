import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface NumberedLine {
  /** 1-based, as editors count. */
  number: number;
  text: string;
}

/** The lines of a byte stream, gunzipped first when it starts with gzip's magic bytes. */
export async function* readLines(source: AsyncIterable<Uint8Array>): AsyncGenerator<NumberedLine> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  async function* whole() {
    yield head;
    yield* rest;
  }
  const bytes: AsyncIterable<Uint8Array> =
    head[0] === 0x1f && head[1] === 0x8b ? Readable.from(whole()).pipe(createGunzip()) : whole();
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let number = 0;
  for await (const chunk of bytes) {
    carry += decoder.decode(chunk, { stream: true });
    let newline = carry.indexOf('\n');
    while (newline >= 0) {
      yield { number: ++number, text: carry.slice(0, newline).replace(/\r$/, '') };
      carry = carry.slice(newline + 1);
      newline = carry.indexOf('\n');
    }
  }
  carry += decoder.decode();
  if (carry.length > 0) yield { number: ++number, text: carry.replace(/\r$/, '') };
}
