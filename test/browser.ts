import { type Browser, chromium } from 'playwright-core';

/**
 * Headless Chromium announces itself as "HeadlessChrome", which the collector rightly drops as a bot. Tests
 * of the tracker (not of bot filtering) browse with the user agent of the same Chrome on Linux.
 */
export const DESKTOP_CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/** Debian's Chromium, as CI installs it (`apt-get install chromium`); `npx playwright install` is not used. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Launches headless Chromium. `hosts` maps test host names (site.test, collector.test) to 127.0.0.1, so
 * pages are cross-origin and not "localhost" to the tracker, as on a real site.
 */
export function launchChromium(hosts: string[] = []): Promise<Browser> {
  const rules = hosts.map((host) => `MAP ${host} 127.0.0.1`).join(', ');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      // Browser-wide, not per context: beacons that outlive their page are sent by the browser process, which
      // ignores a context's user-agent override.
      `--user-agent=${DESKTOP_CHROME_UA}`,
      ...(rules ? [`--host-resolver-rules=${rules}`] : []),
    ],
  });
}
