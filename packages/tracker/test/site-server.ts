import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(fileURLToPath(import.meta.url), '../../dist');

export interface TestSite {
  port: number;
  /** `http://site.test:<port>` (mapped to 127.0.0.1 in the browser). */
  origin: string;
  close(): Promise<void>;
}

/**
 * A small multi-page site with an SPA built from plain history API calls, links, a form, a long page and
 * a 404 page. Every page carries the real snippet pointing at the collector; `attrs` adds data attributes.
 */
export async function startTestSite(collector: string, site: string): Promise<TestSite> {
  const snippet = (attrs = '', src = `${collector}/t.js`) =>
    `<script>window.tern = window.tern || function () { (window.tern.q = window.tern.q || []).push(arguments) }</script>
     <script defer data-site="${site}" ${attrs} src="${src}"></script>`;
  const page = (title: string, body: string, attrs = '', head = '') =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${head}${snippet(attrs)}</head><body>${body}</body></html>`;

  const pages: Record<string, () => [number, string]> = {
    '/': () => [
      200,
      page(
        'Home',
        `<h1>Home</h1>
      <a id="about" href="/about">About</a>
      <a id="outbound" href="http://elsewhere.test:${port}/landing">Elsewhere</a>
      <a id="download" href="/files/report.pdf">Report</a>
      <form id="contact" action="/thanks" method="get"><input name="q" value="hi"><button id="send">Send</button></form>
      <script>tern('early', { props: { queued: 'yes' } })</script>`,
      ),
    ],
    '/about': () => [200, page('About', '<h1>About</h1>')],
    '/thanks': () => [200, page('Thanks', '<h1>Thanks</h1>')],
    '/files/report.pdf': () => [200, '%PDF-1.4 test'],
    '/spa': () => [
      200,
      page(
        'SPA',
        `<h1 id="title">SPA</h1>
      <button id="step2" onclick="history.pushState({}, '', '/spa/step2')">Step 2</button>
      <button id="same" onclick="history.replaceState({ scroll: 1 }, '', location.href)">Same URL</button>
      <button id="signup" onclick="tern('signup', { props: { plan: 'pro', seats: 3 } })">Sign up</button>`,
      ),
    ],
    '/long': () => [200, page('Long', '<h1>Long read</h1><div style="height:5000px">text</div><p id="end">end</p>')],
    '/missing': () => [404, page('Not found', '<h1>404</h1>', 'data-404')],
    '/manual': () => [
      200,
      page(
        'Manual',
        `<h1>User 42</h1>
      <script>tern('pageview', { url: location.origin + '/user/:id' })</script>`,
        'data-manual',
      ),
    ],
    '/hash': () => [200, page('Hash', '<a id="route" href="#/settings">Settings</a>', 'data-hash')],
    '/dnt': () => [
      200,
      page('DNT', '<button id="custom" onclick="tern(\'dnt-event\')">x</button>', 'data-respect-dnt'),
    ],
    '/down': () => [
      200,
      `<!doctype html><html><head><title>Down</title>${snippet('data-api="http://collector-down.test:9"')}</head>
      <body><button id="custom" onclick="tern('down-event')">x</button></body></html>`,
    ],
    '/local': () => [200, page('Local', '<h1>local</h1>')],
    '/local-allowed': () => [200, page('Local allowed', '<h1>local</h1>', 'data-local')],
    '/npm': () => [
      200,
      `<!doctype html><html><head><title>npm</title></head><body><script type="module">
      import { init, track } from '/npm/index.js';
      init({ site: '${site}', endpoint: '${collector}' });
      track('npm-event', { props: { via: 'esm' } });
      </script></body></html>`,
    ],
    '/landing': () => [200, '<!doctype html><title>Elsewhere</title><h1>Another site</h1>'],
  };

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path === '/npm/index.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(dist, 'index.js')));
      return;
    }
    const render = pages[path];
    if (!render) {
      response.writeHead(404, { 'content-type': 'text/html' }).end(page('Not found', 'no such page'));
      return;
    }
    const [status, html] = render();
    response.writeHead(status, { 'content-type': path.endsWith('.pdf') ? 'application/pdf' : 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://site.test:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
