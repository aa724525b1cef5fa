import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Builds whose output is missing, or older than a source file they are built from, are built again. */
const BUILDS: Array<{ workspace: string; output: string; sources: string[] }> = [
  { workspace: 'packages/tracker', output: 'packages/tracker/dist/t.js', sources: ['packages/tracker/src'] },
  { workspace: 'apps/collector', output: 'apps/collector/dist/main.mjs', sources: ['apps/collector/src', 'packages'] },
  // The web app bundles the packages it uses (the ingest worker runs inside it in the embedded mode).
  {
    workspace: 'apps/web',
    output: 'apps/web/.next/BUILD_ID',
    sources: ['apps/web/src', 'apps/web/next.config.ts', 'packages'],
  },
];

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.test\.ts$/.test(path) ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === '.next' || entry === 'test') continue;
    newest = Math.max(newest, newestSource(join(path, entry)));
  }
  return newest;
}

export function ensureBuilt(root: string): void {
  for (const { workspace, output, sources } of BUILDS) {
    const target = join(root, output);
    const builtAt = existsSync(target) ? statSync(target).mtimeMs : 0;
    const changedAt = Math.max(...sources.map((s) => newestSource(join(root, s))));
    if (builtAt > changedAt) continue;
    console.log(`building ${workspace} (${builtAt ? 'sources changed since the last build' : 'no build yet'})…`);
    const result = spawnSync('npm', ['run', 'build', '-w', workspace], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`npm run build -w ${workspace} failed`);
  }
}
