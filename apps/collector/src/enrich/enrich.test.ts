import { describe, expect, it } from 'vitest';
import { ClientIpResolver } from './client-ip.ts';
import { clampTimestamp, primaryLanguage } from './enricher.ts';
import { attribute, parsePageUrl } from './page-url.ts';
import { deviceFromScreen, UserAgentParser } from './user-agent.ts';
import { visitorId } from './visitor-id.ts';

describe('page URL', () => {
  it('splits pathname, campaign parameters and the remaining query', () => {
    const page = parsePageUrl('https://www.example.com/pricing?utm_source=news&utm_medium=email&plan=pro&ref=hn');
    expect(page).toMatchObject({ hostname: 'example.com', pathname: '/pricing', query: '?plan=pro' });
    expect(page).toMatchObject({ utmSource: 'news', utmMedium: 'email', refParam: 'hn' });
  });

  it('refuses what is not an http(s) URL', () => {
    expect(parsePageUrl('javascript:alert(1)')).toBeUndefined();
    expect(parsePageUrl('/relative')).toBeUndefined();
  });
});

describe('attribution', () => {
  const page = parsePageUrl('https://example.com/')!;
  it('names known sources and keeps unknown hosts', () => {
    expect(attribute('https://www.google.com/search?q=x', page).source).toBe('Google');
    expect(attribute('https://blog.other.org/post', page)).toEqual({
      referrer: 'blog.other.org/post',
      referrerHost: 'blog.other.org',
      source: 'blog.other.org',
    });
  });
  it('drops self-referrals and lets utm_source win', () => {
    expect(attribute('https://example.com/previous', page).source).toBe('');
    const tagged = parsePageUrl('https://example.com/?utm_source=Newsletter')!;
    expect(attribute('https://mail.google.com/', tagged).source).toBe('newsletter');
  });
});

describe('client IP', () => {
  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(new ClientIpResolver([]).resolve('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });
  it('takes the right-most untrusted hop behind a trusted proxy', () => {
    const resolver = new ClientIpResolver(['10.0.0.0/8']);
    expect(resolver.resolve('::ffff:10.1.2.3', '198.51.100.1, 203.0.113.7, 10.0.0.5')).toBe('203.0.113.7');
    expect(resolver.resolve('10.1.2.3', 'not-an-ip')).toBe('10.1.2.3');
  });
  it('trusts single addresses, an IPv6 one in any spelling, next to ranges', () => {
    const resolver = new ClientIpResolver(['127.0.0.1', '0:0:0:0:0:0:0:1', '192.168.0.0/16']);
    expect(resolver.resolve('127.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
    expect(resolver.resolve('::ffff:127.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
    expect(resolver.resolve('::1', '198.51.100.2, 192.168.4.4, 127.0.0.1')).toBe('198.51.100.2');
    expect(resolver.resolve('127.0.0.2', '198.51.100.1')).toBe('127.0.0.2');
    expect(new ClientIpResolver(['127.0.0.1']).resolve('::1', '198.51.100.1')).toBe('::1');
  });
});

describe('visitor id', () => {
  const salt = Buffer.alloc(32, 1);
  it('is stable for one salt and changes with the salt, site, IP or user agent', () => {
    const id = visitorId(salt, 'e.com', '198.51.100.1', 'UA');
    expect(id).toMatch(/^\d+$/);
    expect(visitorId(salt, 'e.com', '198.51.100.1', 'UA')).toBe(id);
    expect(visitorId(Buffer.alloc(32, 2), 'e.com', '198.51.100.1', 'UA')).not.toBe(id);
    expect(visitorId(salt, 'f.com', '198.51.100.1', 'UA')).not.toBe(id);
    expect(visitorId(salt, 'e.com', '198.51.100.2', 'UA')).not.toBe(id);
    expect(visitorId(salt, 'e.com', '198.51.100.1', 'UA2')).not.toBe(id);
  });
});

describe('timestamps', () => {
  it('clamps future and far-off client clocks to the receive time', () => {
    const now = 1_800_000_000_000;
    expect(clampTimestamp(undefined, now)).toBe(now);
    expect(clampTimestamp(now - 5000, now)).toBe(now - 5000);
    expect(clampTimestamp(now + 5000, now)).toBe(now);
    expect(clampTimestamp(now - 3 * 86_400_000, now)).toBe(now);
  });
});

describe('user agent', () => {
  const parser = new UserAgentParser();
  it('detects browser, OS, device and bots', () => {
    const iphone = parser.parse(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    );
    expect(iphone).toMatchObject({
      browser: 'Mobile Safari',
      os: 'iOS',
      osVersion: '17.4',
      device: 'mobile',
      bot: undefined,
    });
    expect(parser.parse('Googlebot/2.1 (+http://www.google.com/bot.html)').bot).toBe('user_agent');
    expect(parser.parse('curl/8.5.0').bot).toBe('user_agent');
    const headless =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36';
    expect(parser.parse(headless).bot).toBe('headless');
    expect(parser.parse(' ').bot).toBe('no_user_agent');
  });
  it('falls back to the screen width when the user agent says nothing', () => {
    expect(deviceFromScreen('', 400)).toBe('mobile');
    expect(deviceFromScreen('', 1400)).toBe('desktop');
    expect(deviceFromScreen('tablet', 1400)).toBe('tablet');
  });
});

describe('language', () => {
  it('takes the preferred tag of Accept-Language and refuses junk', () => {
    expect(primaryLanguage('de-CH,de;q=0.9,en;q=0.8')).toBe('de-CH');
    expect(primaryLanguage('en')).toBe('en');
    expect(primaryLanguage('')).toBe('');
    expect(primaryLanguage('*')).toBe('');
    expect(primaryLanguage('<script>')).toBe('');
  });
});
