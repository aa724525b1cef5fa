import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RateLimiter } from '@tern/service';
import type { Logger } from 'pino';
import type { CollectorConfig } from '../config.ts';
import { BackpressureError } from '../delivery/group-commit.ts';
import { ClientIpResolver } from '../enrich/client-ip.ts';
import type { Intake } from '../intake/intake.ts';
import { errorOf, type IntakeRoute } from '../intake/prepare.ts';
import { IntakeError } from '../intake/threaded-intake.ts';
import type { CollectorMetrics } from '../metrics.ts';
import { checkContentType, readBody } from './body.ts';
import { type AcceptResult, acceptBatch, type EventDeliveryDeps } from './events-route.ts';
import { HttpError } from './http-error.ts';
import { CORS_HEADERS, sendJson } from './respond.ts';
import type { TrackerScript } from './tracker-script.ts';

export interface ServerDeps extends Omit<EventDeliveryDeps, 'siteLimiter' | 'ackTimeoutMs'> {
  config: CollectorConfig;
  intake: Intake;
  metrics: CollectorMetrics;
  /** The text `GET /metrics` answers: this process's metrics, or in a cluster the sum over its processes. */
  metricsText: () => Promise<string>;
  logger: Logger;
  trackers: Map<string, TrackerScript>;
  isReady: () => { ready: boolean; sites: number; log: string };
}

/** The collector's HTTP surface. Routes are few and fixed, so a plain switch beats a framework here. */
export function createCollectorServer(deps: ServerDeps): Server {
  const ips = new ClientIpResolver(deps.config.trustedProxies);
  const limiter = new RateLimiter(deps.config.rateLimit.perSecond, deps.config.rateLimit.burst);
  const delivery: EventDeliveryDeps = {
    ...deps,
    ackTimeoutMs: deps.config.ackTimeoutMs,
    siteLimiter: new RateLimiter(deps.config.siteRateLimit.perSecond, deps.config.siteRateLimit.burst),
  };

  // Node checks header and request timeouts only every connectionsCheckingInterval (30 s by default).
  const checkEveryMs = Math.min(1000, Math.floor(deps.config.timeouts.headersMs / 2));
  const server = createServer({ connectionsCheckingInterval: checkEveryMs }, (request, response) => {
    const route = routeOf(request);
    const started = performance.now();
    response.on('finish', () => {
      deps.metrics.requests.inc({ route, status: String(response.statusCode) });
      deps.metrics.requestDuration.observe({ route }, (performance.now() - started) / 1000);
    });
    handle(route, request, response).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendJson(response, error.status, error, { ...CORS_HEADERS, ...error.headers });
        return;
      }
      if (error instanceof BackpressureError) {
        sendJson(response, 503, new HttpError(503, 'overloaded', 'try again shortly'), {
          ...CORS_HEADERS,
          'retry-after': '2',
        });
        return;
      }
      deps.logger.error({ err: error, route }, 'request failed');
      if (!response.headersSent) {
        // An intake thread that failed, or a failed write to the log: nothing was acknowledged, so the client may
        // retry safely.
        const what = error instanceof IntakeError ? 'the request could not be processed' : 'event log unavailable';
        sendJson(response, 503, new HttpError(503, 'unavailable', `${what}, retry later`), {
          ...CORS_HEADERS,
          'retry-after': '5',
        });
      } else response.destroy();
    });
  });

  /**
   * Both event routes: rate limit by client IP, a bounded body, then preparing (JSON, validation, enrichment) on
   * the intake, then writing each site's batch. A Plausible event for several domains is one batch per domain.
   */
  async function acceptEvents(route: IntakeRoute, request: IncomingMessage): Promise<AcceptResult[]> {
    const ip = ips.resolve(request.socket.remoteAddress, request.headers['x-forwarded-for']);
    const wait = limiter.take(ip);
    if (wait > 0)
      throw new HttpError(429, 'rate_limited', 'too many requests', undefined, { 'retry-after': String(wait) });
    const body = await readBody(request, deps.config.maxBodyBytes);
    checkContentType(request);
    const prepared = await deps.intake.prepare({
      route,
      body,
      ip,
      userAgent: String(request.headers['user-agent'] ?? '').slice(0, 1024),
      acceptLanguage: String(request.headers['accept-language'] ?? '').slice(0, 256),
    });
    if (!prepared.ok) throw errorOf(prepared.error);
    const results: AcceptResult[] = [];
    for (const batch of prepared.batches) results.push(await acceptBatch(batch, delivery));
    return results;
  }

  async function handle(route: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    switch (route) {
      case 'POST /v1/events': {
        const [result] = await acceptEvents(route, request);
        sendJson(response, 202, result, CORS_HEADERS);
        return;
      }
      case 'POST /api/event': {
        const results = await acceptEvents(route, request);
        sendJson(response, 202, { accepted: results.reduce((sum, r) => sum + r.accepted, 0) }, CORS_HEADERS);
        return;
      }
      case 'OPTIONS /v1/events':
      case 'OPTIONS /api/event':
        response.writeHead(204, CORS_HEADERS).end();
        return;
      case 'GET /t.js':
      case 'GET /t.core.js':
        return serveTracker(request, response, deps.trackers.get(route.slice(4)));
      case 'GET /healthz':
        sendJson(response, 200, { status: 'ok' });
        return;
      case 'GET /readyz': {
        const state = deps.isReady();
        sendJson(response, state.ready ? 200 : 503, state);
        return;
      }
      case 'GET /metrics': {
        const text = await deps.metricsText();
        response.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text);
        return;
      }
      default:
        throw new HttpError(404, 'not_found', 'no such route');
    }
  }

  server.requestTimeout = deps.config.timeouts.requestMs;
  server.headersTimeout = deps.config.timeouts.headersMs;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = deps.config.maxConnections;
  return server;
}

const ROUTES = new Set([
  'POST /v1/events',
  'OPTIONS /v1/events',
  'POST /api/event',
  'OPTIONS /api/event',
  'GET /t.js',
  'GET /t.core.js',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
]);

function routeOf(request: IncomingMessage): string {
  const path = (request.url ?? '/').split('?')[0];
  const route = `${request.method} ${path}`;
  return ROUTES.has(route) ? route : 'other';
}

function serveTracker(request: IncomingMessage, response: ServerResponse, script: TrackerScript | undefined): void {
  if (!script)
    throw new HttpError(404, 'not_built', 'the tracker has not been built (npm run build -w packages/tracker)');
  const headers: Record<string, string> = {
    'content-type': 'application/javascript; charset=utf-8',
    'cache-control': 'public, max-age=3600',
    'access-control-allow-origin': '*',
    etag: script.etag,
    vary: 'accept-encoding',
  };
  if (request.headers['if-none-match'] === script.etag) {
    response.writeHead(304, headers).end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  const body = gzip ? script.gzipped : script.plain;
  response.writeHead(200, {
    ...headers,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    'content-length': String(body.length),
  });
  response.end(body);
}
