import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on `entry` (a module's name without extension, beside the caller): from the bundle, the
 * `.mjs` esbuild wrote beside dist/main.mjs; from source (tests, tsx), the `.ts` imported through tsx, since a
 * worker thread does not inherit the loader of the thread that started it (and Node 20 ignores `--import` in a
 * worker's execArgv). `caller` is the caller's `import.meta.url`.
 */
export function startWorkerThread(caller: string, entry: string, options: WorkerOptions): Worker {
  if (!caller.endsWith('.ts')) return new Worker(new URL(`./${entry}.mjs`, caller), options);
  const source = new URL(`./${entry}.ts`, caller).href;
  // tsx's ESM API by its package's exports map (createRequire would resolve the CommonJS build).
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = require(manifestPath) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(manifest.exports['./esm/api']?.import.default ?? '', pathToFileURL(manifestPath)).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}));`;
  return new Worker(bootstrap, { ...options, eval: true });
}
