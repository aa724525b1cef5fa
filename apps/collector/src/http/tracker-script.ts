import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface TrackerScript {
  plain: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** The built tracker scripts (`t.js`, `t.core.js`), loaded once and served from memory, by file name. */
export function loadTrackerScripts(): Map<string, TrackerScript> {
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve('@tern/tracker/package.json')), 'dist');
  const scripts = new Map<string, TrackerScript>();
  for (const name of ['t.js', 't.core.js']) {
    const script = loadScript(join(dist, name));
    if (script) scripts.set(`/${name}`, script);
  }
  return scripts;
}

function loadScript(path: string): TrackerScript | undefined {
  if (!existsSync(path)) return undefined;
  const plain = readFileSync(path);
  return { plain, gzipped: gzipSync(plain, { level: 9 }), etag: `"${plain.length.toString(16)}-${hash(plain)}"` };
}

function hash(buffer: Buffer): string {
  let h = 0;
  for (const byte of buffer) h = (h * 31 + byte) >>> 0;
  return h.toString(16);
}
