// The tracker's builds, shared by `npm run build` and the size-budget test.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bytes a budget is measured on: the minified build, and the same after gzip -9. */
export function sizes(code) {
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

/** The script-tag tracker: `full` has every automatic feature, the core build page views and custom events. */
export async function bundleScript(full) {
  const result = await build({
    entryPoints: [join(root, 'src/script.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    define: { __FULL__: String(full) },
    // The IIFE needs no "use strict" prologue; every byte counts against the budget.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
    legalComments: 'none',
  });
  return result.outputFiles[0].contents;
}

/** The npm package's ESM build (every feature; bundlers tree-shake what is unused). */
export async function bundleModule() {
  const result = await build({
    entryPoints: [join(root, 'src/index.ts')],
    bundle: true,
    format: 'esm',
    target: ['es2020'],
    define: { __FULL__: 'true' },
    write: false,
  });
  return result.outputFiles[0].contents;
}
