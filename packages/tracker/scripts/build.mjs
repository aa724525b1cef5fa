// Builds dist/t.js (the script-tag tracker) with esbuild and reports its gzip size.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  entryPoints: [join(root, 'src/script.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  write: false,
  legalComments: 'none',
});
const code = result.outputFiles[0].contents;
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist/t.js'), code);
console.log(`t.js: ${code.length} bytes, ${gzipSync(code, { level: 9 }).length} bytes gzip -9`);
