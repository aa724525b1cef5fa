import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Builds the tracker and the web app when their output is missing (first start, fresh clone). */
export function ensureBuilt(root: string): void {
  const steps: Array<[string, string]> = [
    ['packages/tracker/dist/t.js', 'packages/tracker'],
    ['apps/web/.next/BUILD_ID', 'apps/web'],
  ];
  for (const [output, workspace] of steps) {
    if (existsSync(join(root, output))) continue;
    console.log(`building ${workspace} (its output is missing)…`);
    const result = spawnSync('npm', ['run', 'build', '-w', workspace], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`npm run build -w ${workspace} failed`);
  }
}
