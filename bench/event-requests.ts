import UserAgent from 'user-agents';
import type { PacedRequest } from './paced-load.ts';

/**
 * The event requests both collector benches send (bench:collector over HTTP, bench:intake to the intake alone):
 * 500 user agents from the `user-agents` package, seven paths with and without UTM parameters, mixed referrers, a
 * title with a non-ASCII character, and one custom event with a prop in ten.
 */
const agents = Array.from({ length: 500 }, () =>
  new UserAgent({ deviceCategory: Math.random() < 0.6 ? 'desktop' : 'mobile' }).toString(),
);
const referrers = [
  '',
  '',
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://t.co/abc',
  'https://duckduckgo.com/',
];
const paths = [
  '/',
  '/pricing',
  '/blog/launch-week',
  '/docs/getting-started',
  '/docs/api?tab=node',
  '/about',
  '/changelog',
];
const pick = <T>(items: T[], i: number): T => items[i % items.length] as T;

function event(site: string, i: number) {
  return {
    type: i % 10 === 9 ? 'custom' : 'pageview',
    ...(i % 10 === 9 ? { name: 'signup', props: { plan: pick(['free', 'pro', 'team'], i) } } : {}),
    url: `https://${site}${pick(paths, i)}${i % 7 === 0 ? '?utm_source=newsletter&utm_medium=email' : ''}`,
    referrer: pick(referrers, i * 7),
    title: 'Tern — real-time analytics',
    sw: i % 3 === 0 ? 390 : 1440,
  };
}

/** The n-th request of a run to `site`: one of 1,000 bodies, 500 user agents and many client addresses. */
export function eventRequestSource(site: string, perRequest: number): () => PacedRequest {
  const bodies = Array.from({ length: 1000 }, (_, r) =>
    JSON.stringify({ site, events: Array.from({ length: perRequest }, (_, e) => event(site, r * perRequest + e)) }),
  );
  let n = 0;
  return () => {
    const i = n++;
    return {
      path: '/v1/events',
      body: pick(bodies, i),
      headers: {
        'content-type': 'text/plain',
        'user-agent': pick(agents, i),
        // Residential blocks (Deutsche Telekom, Orange, Comcast), so the datacenter check passes them.
        'x-forwarded-for': `${pick(['2.160', '2.3', '24.0'], i)}.${(i >> 8) & 255}.${i & 255}`,
      },
    };
  };
}
