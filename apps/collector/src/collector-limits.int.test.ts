import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isolatedCollectorEnv, startIsolatedCollector } from '../../../test/control-plane.ts';
import { BROWSER_UA, randomId } from '../../../test/helpers.ts';
import type { RunningCollector } from './collector.ts';

const id = randomId();
const sites = [`busy-${id}.example`, `calm-${id}.example`] as const;
const env = isolatedCollectorEnv(inject('kafkaBrokers'), id, {
  RATE_LIMIT_SITE_EVENTS_PER_SECOND: '1',
  RATE_LIMIT_SITE_BURST: '10',
  RATE_LIMIT_IP_PER_SECOND: '1',
  RATE_LIMIT_IP_BURST: '6',
  COLLECTOR_HEADERS_TIMEOUT_MS: '500',
  TRUSTED_PROXIES: '127.0.0.1',
  COLLECTOR_REQUEST_TIMEOUT_MS: '1000',
});
let collector: RunningCollector;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ collector, stop } = await startIsolatedCollector(env, [...sites]));
});
afterAll(async () => stop?.());

const send = (site: string, count: number, ip: string) =>
  fetch(`${collector.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, 'x-forwarded-for': ip },
    body: JSON.stringify({
      site,
      events: Array.from({ length: count }, () => ({ type: 'pageview', url: `https://${site}/` })),
    }),
  }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.json() }));

describe('collector limits', () => {
  it('limits events per site with 429 and Retry-After, leaving other sites alone', async () => {
    expect((await send(sites[0], 10, '198.51.100.1')).status).toBe(202);
    const limited = await send(sites[0], 1, '198.51.100.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await send(sites[1], 1, '198.51.100.1')).status).toBe(202);
  });

  it('limits requests per client IP', async () => {
    // A burst of six requests per IP (behind the trusted proxy, the client is the X-Forwarded-For address).
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await send(sites[1], 1, '198.51.100.2')).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429, 429]);
    expect((await send(sites[1], 1, '198.51.100.3')).status).toBe(202);
  });

  it('drops a client that is too slow to send its headers', async () => {
    const socket = connect(collector.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /v1/events HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
    });
    // Node answers 408 and closes the connection after COLLECTOR_HEADERS_TIMEOUT_MS (checked every second).
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
