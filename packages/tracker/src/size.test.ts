import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleScript, sizes } from '../scripts/bundle.mjs';

/** The budgets of the tracker issue, on the minified build after gzip -9. */
const BUDGET = { full: 2000, core: 900 };

describe('tracker size budget', () => {
  it.each([
    ['full', true],
    ['core', false],
  ] as const)('the %s build fits its gzip budget', async (name, full) => {
    const { minified, gzip } = sizes(await bundleScript(full));
    console.log(`${name} build: ${minified} bytes minified, ${gzip} bytes gzip -9 (budget ${BUDGET[name]})`);
    expect(gzip).toBeLessThanOrEqual(BUDGET[name]);
  });

  it('drops the automatic features from the core build', async () => {
    const core = new TextDecoder().decode(await bundleScript(false));
    const full = new TextDecoder().decode(await bundleScript(true));
    for (const marker of ['Outbound Link: Click', 'File Download', 'Form: Submission', 'engagement', 'hashchange']) {
      expect(full).toContain(marker);
      expect(core).not.toContain(marker);
    }
  });
});
