import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type NumberedLine, readLines, UnreadableInputError } from './lines.ts';

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

async function all(source: AsyncIterable<Uint8Array>, max?: number): Promise<NumberedLine[]> {
  const out: NumberedLine[] = [];
  for await (const line of readLines(source, max)) out.push(line);
  return out;
}

describe('readLines', () => {
  it('splits lines across chunks, a character split between two chunks included', async () => {
    const euro = Buffer.from('€');
    const lines = await all(chunks('{"a":1}\r\n{"b":', euro.subarray(0, 1), euro.subarray(1), '}\n', 'last'));
    expect(lines).toEqual([
      { number: 1, text: '{"a":1}' },
      { number: 2, text: '{"b":€}' },
      { number: 3, text: 'last' },
    ]);
  });

  it('passes over a line longer than the cap as one rejected line, without holding it', async () => {
    const long = 'x'.repeat(1000);
    const lines = await all(chunks('ok\n', long.slice(0, 600), long.slice(600), '\nafter\n', long), 100);
    expect(lines).toEqual([
      { number: 1, text: 'ok' },
      { number: 2, tooLong: true },
      { number: 3, text: 'after' },
      { number: 4, tooLong: true },
    ]);
  });

  it('reads past a 32 MB line without keeping it (it took 32 s and 1.36 GB when every chunk re-sliced the carry)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    async function* big() {
      for (let i = 0; i < 512; i++) yield chunk;
      yield Buffer.from('\n{"ok":1}\n');
    }
    const lines = await all(big());
    expect(lines).toEqual([
      { number: 1, tooLong: true },
      { number: 2, text: '{"ok":1}' },
    ]);
  });

  it('gunzips, and says where a corrupt or truncated gzip stopped', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `{"n":${i}}`).join('\n');
    const gz = gzipSync(text);
    expect((await all(chunks(gz))).length).toBe(5000);
    const read: NumberedLine[] = [];
    const truncated = readLines(chunks(gz.subarray(0, Math.floor(gz.length * 0.6))));
    await expect(
      (async () => {
        for await (const line of truncated) read.push(line);
      })(),
    ).rejects.toThrow(UnreadableInputError);
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThan(5000);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 40, 80);
    await expect(all(chunks(corrupt))).rejects.toThrow(/gzip data is corrupt or cut short after line \d+/);
  });
});
