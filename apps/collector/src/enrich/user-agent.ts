import type { BotReason } from '@tern/events';
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import { UAParser } from 'ua-parser-js';

export interface ClientSoftware {
  browser: string;
  browserVersion: string;
  os: string;
  osVersion: string;
  device: 'desktop' | 'mobile' | 'tablet' | '';
  /** Set when the request looks automated, with the reason. */
  bot: BotReason | undefined;
}

/** Real traffic repeats a small set of user agents, so parse results are cached. */
export class UserAgentParser {
  readonly #cache = new LRUCache<string, ClientSoftware>({ max: 10_000 });

  parse(userAgent: string): ClientSoftware {
    let parsed = this.#cache.get(userAgent);
    if (!parsed) {
      parsed = parseUncached(userAgent);
      this.#cache.set(userAgent, parsed);
    }
    return parsed;
  }
}

function parseUncached(userAgent: string): ClientSoftware {
  const result = UAParser(userAgent);
  const type = result.device.type;
  const device = type === 'mobile' || type === 'tablet' ? type : result.os.name ? 'desktop' : '';
  return {
    browser: result.browser.name ?? '',
    browserVersion: result.browser.major ?? '',
    os: result.os.name ?? '',
    osVersion: majorMinor(result.os.version),
    device,
    bot: botReason(userAgent),
  };
}

function majorMinor(version: string | undefined): string {
  return version ? version.split('.').slice(0, 2).join('.') : '';
}

/** Screens narrower than a phablet are phones whatever the user agent claims (Plausible does the same). */
export function deviceFromScreen(device: ClientSoftware['device'], screenWidth: number | undefined) {
  if (device !== '' || screenWidth === undefined || screenWidth === 0) return device;
  if (screenWidth < 576) return 'mobile';
  if (screenWidth < 992) return 'tablet';
  return 'desktop';
}

/** Headless and automation browsers first (their own reason), then isbot's crawler and tool patterns. */
const HEADLESS = /headless|phantomjs|puppeteer|playwright|selenium|webdriver|electron\//i;

function botReason(userAgent: string): BotReason | undefined {
  if (userAgent.trim().length === 0) return 'no_user_agent';
  if (HEADLESS.test(userAgent)) return 'headless';
  return isbot(userAgent) ? 'user_agent' : undefined;
}
