import { describe, expect, it } from 'vitest';
import { LoginLimits, PER_ACCOUNT, PER_CLIENT, safeNext } from './login-limits.ts';

describe('log-in', () => {
  it('redirects only to paths of this origin', () => {
    expect(safeNext('/sites/a.example?period=7d#x')).toBe('/sites/a.example?period=7d#x');
    for (const hostile of [
      '/%5Cevil.example/',
      '/\\evil.example/',
      '//evil.example',
      '/\t/evil.example',
      'https://evil.example',
      'evil',
    ]) {
      const next = safeNext(decodeURIComponent(hostile));
      expect(new URL(next, 'https://tern.example').origin).toBe('https://tern.example');
    }
  });

  it('limits attempts per client address and per account, and says how long to wait', () => {
    const limits = new LoginLimits();
    const from = (ip: string) => new Request('http://x/api/v1/session', { headers: { 'x-forwarded-for': ip } });
    const now = 1_000_000;
    for (let i = 0; i < PER_CLIENT.burst; i++) expect(limits.charge(from('10.0.0.1'), 'admin', now)).toBe(0);
    expect(limits.charge(from('10.0.0.1'), 'admin', now)).toBeGreaterThan(0);
    // Other addresses go on until the account's own bound.
    let allowed = PER_CLIENT.burst;
    for (let i = 0; i < 100; i++) if (limits.charge(from(`10.0.1.${i}`), 'admin', now) === 0) allowed++;
    expect(allowed).toBe(PER_ACCOUNT.burst);
    expect(limits.charge(from('10.0.2.1'), 'share:abc', now)).toBe(0);
  });
});
