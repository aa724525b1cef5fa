import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface TrackerScript {
  plain: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** The built tracker (`packages/tracker/dist/t.js`), loaded once and served from memory. */
export function loadTrackerScript(): TrackerScript | undefined {
  const require = createRequire(import.meta.url);
  const path = join(dirname(require.resolve('@tern/tracker/package.json')), 'dist', 't.js');
  if (!existsSync(path)) return undefined;
  const plain = readFileSync(path);
  return { plain, gzipped: gzipSync(plain, { level: 9 }), etag: `"${plain.length.toString(16)}-${hash(plain)}"` };
}

function hash(buffer: Buffer): string {
  let h = 0;
  for (const byte of buffer) h = (h * 31 + byte) >>> 0;
  return h.toString(16);
}
