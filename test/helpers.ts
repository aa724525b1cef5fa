import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { get, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A random suffix: every test makes its own topics, groups and sites, so suites share one broker. */
export const randomId = (): string => randomBytes(6).toString('hex');

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `tern-${prefix}-`));

/**
 * Removes the `tempDir`s of earlier runs. A run keeps its own (brokers, warehouses and fault logs, for a look after a
 * failure), so they piled up: 1,580 of them (18 GB) on this machine, which helped fill its disk. Only directories
 * untouched for `olderThanMs` go, so a run in another clone at the same time keeps its own.
 */
export function removeStaleTempDirs(olderThanMs: number): number {
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('tern-')) continue;
    const path = join(tmpdir(), name);
    try {
      const stat = statSync(path);
      if (!stat.isDirectory() || stat.mtimeMs > cutoff) continue;
      rmSync(path, { recursive: true, force: true });
      removed += 1;
    } catch {
      // Gone already, or not ours to remove: either way nothing to do.
    }
  }
  return removed;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `check` returns a value that is not undefined, or fails with the last value seen. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export const BROWSER_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

export interface StaticSite {
  port: number;
  close(): Promise<void>;
}

/** Serves fixed pages (path → [content type, body]) on 127.0.0.1, for browser tests. */
export async function serveStatic(pages: Record<string, [string, string | Buffer]>): Promise<StaticSite> {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    const page = pages[(request.url ?? '/').split('?')[0] ?? '/'];
    if (!page) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': page[0] }).end(page[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A small deterministic PRNG (mulberry32), so generated test data, and a failure, can be reproduced. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A collector's `/metrics` on a connection of its own: a collector of several processes or threads hands each
 * new connection to one of them, so separate scrapes land on different ones.
 */
export const scrapeOnOwnConnection = (url: string): Promise<string> =>
  new Promise((done, fail) => {
    get(`${url}/metrics`, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => done(text));
    }).on('error', fail);
  });

/** A POST of an events batch on a connection of its own (see `scrapeOnOwnConnection`); 0 if it failed. */
export const postOnOwnConnection = (url: string, body: string): Promise<number> =>
  new Promise((done) => {
    const sent = request(
      `${url}/v1/events`,
      { method: 'POST', agent: false, headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA } },
      (response) => response.resume().on('end', () => done(response.statusCode ?? 0)),
    );
    sent.on('error', () => done(0));
    sent.end(body);
  });

/** `tern_collector_events_accepted_total` in a metrics text. */
export const acceptedEventsIn = (text: string): number =>
  Number(/^tern_collector_events_accepted_total (\d+)$/m.exec(text)?.[1]);

/**
 * `count` pageviews of `site` at once, each a request on a connection of its own, at paths `/r/<round>/<n>`; the
 * paths answered 202 are added to `acknowledged`. Returns each request's status, in order.
 */
export function postPageviewRound(
  url: string,
  site: string,
  round: number,
  acknowledged: string[],
  count = 20,
): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const path = `/r/${round}/${n}`;
      const body = JSON.stringify({ site, events: [{ type: 'pageview', url: `https://${site}${path}` }] });
      const status = await postOnOwnConnection(url, body);
      if (status === 202) acknowledged.push(path);
      return status;
    }),
  );
}
