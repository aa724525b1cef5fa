import { describe, expect, it } from 'vitest';
import { proxy } from './proxy.ts';

describe('path proxy', () => {
  it('answers 400 for percent-encoding that does not decode, and lets everything else through', async () => {
    for (const bad of ['%ff', '%C0%AE', '%', 'a%2', '%E0%A4%A']) {
      const answer = proxy(new Request(`http://x/api/v1/sites/${bad}`));
      expect(answer?.status, bad).toBe(400);
      expect(await answer?.json()).toMatchObject({ error: { code: 'invalid_path', field: 'path' } });
    }
    for (const good of ['example.com', '%25', 'a%20b', '%E2%82%AC']) {
      expect(proxy(new Request(`http://x/api/v1/sites/${good}`)), good).toBeUndefined();
    }
  });
});
