// Builds dist/t.js (full), dist/t.core.js (core), dist/index.js + .d.ts (npm), and prints their sizes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundleModule, bundleScript, root, sizes } from './bundle.mjs';

mkdirSync(join(root, 'dist'), { recursive: true });
const outputs = [
  ['t.js', await bundleScript(true)],
  ['t.core.js', await bundleScript(false)],
  ['index.js', await bundleModule()],
];
for (const [name, code] of outputs) {
  writeFileSync(join(root, 'dist', name), code);
  const { minified, gzip } = sizes(code);
  console.log(
    `${name.padEnd(10)} ${String(minified).padStart(6)} bytes minified, ${String(gzip).padStart(5)} bytes gzip -9`,
  );
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
