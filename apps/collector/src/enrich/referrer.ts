import { LRUCache } from 'lru-cache';

/**
 * Source names for well-known referrer hosts. A compact subset of the classification Plausible and
 * Matomo use (Matomo's searchengine-and-social-list, MIT); unknown hosts are named by the host itself.
 */
const KNOWN_SOURCES: Array<[RegExp, string]> = [
  [/(^|\.)google\.[a-z.]+$/, 'Google'],
  [/(^|\.)bing\.com$/, 'Bing'],
  [/(^|\.)duckduckgo\.com$/, 'DuckDuckGo'],
  [/(^|\.)yahoo\.[a-z.]+$/, 'Yahoo!'],
  [/(^|\.)yandex\.[a-z.]+$/, 'Yandex'],
  [/(^|\.)baidu\.com$/, 'Baidu'],
  [/(^|\.)ecosia\.org$/, 'Ecosia'],
  [/(^|\.)search\.brave\.com$/, 'Brave'],
  [/(^|\.)kagi\.com$/, 'Kagi'],
  [/(^|\.)(facebook\.com|fb\.me|m\.facebook\.com|l\.facebook\.com)$/, 'Facebook'],
  [/(^|\.)(twitter\.com|t\.co|x\.com)$/, 'Twitter'],
  [/(^|\.)(linkedin\.com|lnkd\.in)$/, 'LinkedIn'],
  [/(^|\.)instagram\.com$/, 'Instagram'],
  [/(^|\.)reddit\.com$/, 'Reddit'],
  [/(^|\.)(youtube\.com|youtu\.be)$/, 'YouTube'],
  [/(^|\.)news\.ycombinator\.com$/, 'Hacker News'],
  [/(^|\.)github\.com$/, 'GitHub'],
  [/(^|\.)(mastodon\.social|mastodon\.online)$/, 'Mastodon'],
  [/(^|\.)bsky\.app$/, 'Bluesky'],
  [/(^|\.)(mail\.google\.com|outlook\.live\.com|mail\.yahoo\.com)$/, 'Email'],
  [/(^|\.)chatgpt\.com$/, 'ChatGPT'],
  [/(^|\.)perplexity\.ai$/, 'Perplexity'],
];

/** Hosts repeat; 22 patterns per event do not need to run for each. */
const sources = new LRUCache<string, string>({ max: 2000 });

export function sourceForHost(host: string): string {
  let source = sources.get(host);
  if (source === undefined) {
    source = host;
    for (const [pattern, name] of KNOWN_SOURCES) {
      if (pattern.test(host)) {
        source = name;
        break;
      }
    }
    if (host.length <= 256) sources.set(host, source);
  }
  return source;
}
