import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { Engine } from './engine.ts';

export interface WarehouseServerOptions {
  engine: Engine;
  host: string;
  port: number;
  password: string | undefined;
  logger: Logger;
  /** Largest request body taken (an insert batch): beyond it the answer is 413. */
  maxBodyBytes?: number;
}

export interface WarehouseServer {
  readonly port: number;
  close(): Promise<void>;
}

/** URL parameters of ClickHouse's HTTP interface that are not settings. */
const PROTOCOL_PARAMS = new Set([
  'query',
  'database',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'compress',
  'decompress',
  'role',
]);

/**
 * ClickHouse's HTTP interface, served from chDB, to the extent `@clickhouse/client` uses it: queries in the body or
 * the `query` parameter, insert data in the body, `param_*` bindings, settings as parameters, `database`, errors in
 * ClickHouse's `Code: N. DB::Exception: … (TYPE)` form that the client parses back, and `/ping`.
 *
 * It exists because chDB binds its data directory to one process: with this in front, several processes (ingest
 * workers, the web app, tests) share one embedded warehouse through the same code path a ClickHouse server takes.
 * Statements run one at a time: `USE` and `SET` are session state in chDB, and interleaving two requests' prefixes
 * would run one request under the other's database or dedup token.
 */
export function startWarehouseServer(options: WarehouseServerOptions): Promise<WarehouseServer> {
  const { engine, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024 * 1024;
  const session = new SessionState(engine);
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://warehouse');
    if (!authorised(request, url, options.password)) {
      return fail(response, 516, 'Code: 516. DB::Exception: Authentication failed. (AUTHENTICATION_FAILED)');
    }
    const urlQuery = url.searchParams.get('query');
    if ((url.pathname === '/ping' || url.pathname === '/') && urlQuery === null && request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n');
      return;
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      return fail(response, 413, `Code: 1001. DB::Exception: body over ${maxBodyBytes} bytes. (TOO_LARGE_REQUEST)`);
    }
    const database = url.searchParams.get('database');
    if (database !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
      return fail(response, 400, 'Code: 81. DB::Exception: invalid database name. (UNKNOWN_DATABASE)');
    }
    const queryParams: Record<string, string> = {};
    const settings: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      if (name.startsWith('param_')) queryParams[name.slice(6)] = value;
      else if (!PROTOCOL_PARAMS.has(name)) settings[name] = value;
    }
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    // Data after the statement: an INSERT's rows, as ClickHouse's server reads them.
    const sql = urlQuery !== null ? (body.length > 0 ? `${urlQuery}\n${body}` : urlQuery) : body;
    const format = settings.default_format ?? 'TabSeparated';
    delete settings.default_format;
    const started = performance.now();
    try {
      const output = await serially(async () => {
        await session.enter(database ?? 'default', settings);
        return engine.run(sql, format, queryParams);
      });
      response.writeHead(200, { 'x-clickhouse-query-id': queryId, 'content-length': output.length }).end(output);
      logger.debug({ ms: Math.round(performance.now() - started), queryId }, 'statement done');
    } catch (error) {
      const text = exceptionText(error);
      logger.warn({ queryId, error: text.slice(0, 500) }, 'statement failed');
      fail(response, 500, text);
    }
  }

  // Query parameters travel in the URL (`param_*`), and a list of ids can make it long: ClickHouse takes URLs of up
  // to 1 MiB (http_max_uri_size), Node only 16 KiB of headers by default.
  const server: Server = createServer({ maxHeaderSize: 1024 * 1024 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!response.headersSent) fail(response, 500, exceptionText(error));
      else response.destroy();
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const port = (server.address() as AddressInfo).port;
      logger.info({ host: options.host, port }, 'warehouse server listening');
      resolvePromise({
        port,
        async close() {
          await new Promise<void>((done) => server.close(() => done()));
          server.closeAllConnections();
          await queue;
          engine.close();
        },
      });
    });
  });
}

function fail(response: ServerResponse, status: number, text: string): void {
  const code = /^Code: (\d+)/.exec(text)?.[1] ?? '1000';
  response.writeHead(status, { 'content-type': 'text/plain', 'x-clickhouse-exception-code': code }).end(`${text}\n`);
}

/** ClickHouse's exception text, which `@clickhouse/client` parses into a `ClickHouseError` with code and type. */
function exceptionText(error: unknown): string {
  const e = error as { code?: unknown; type?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (/^Code: \d+\./.test(message)) return message;
  if (typeof e.code === 'string' && typeof e.type === 'string') {
    return `Code: ${e.code}. DB::Exception: ${message}. (${e.type})`;
  }
  return `Code: 1000. DB::Exception: ${message}. (UNKNOWN_EXCEPTION)`;
}

function authorised(request: IncomingMessage, url: URL, password: string | undefined): boolean {
  if (password === undefined) return true;
  let given = request.headers['x-clickhouse-key'] ?? url.searchParams.get('password') ?? undefined;
  const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (basic) given = Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':');
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(password);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const encoding = request.headers['content-encoding'];
  return (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

/** HTTP SETTINGS parameters seen by chDB's session state: each request gets exactly its own, none left over. */
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
]);

class SessionState {
  #database = 'default';
  #settings = new Map<string, string>();
  constructor(private readonly engine: Engine) {}

  /** Makes the session's database and settings those of one request; runs only what changed. */
  async enter(database: string, settings: Record<string, string>): Promise<void> {
    const statements: string[] = [];
    if (database !== this.#database) statements.push(`USE \`${database}\``);
    const wanted = new Map(Object.entries(settings).filter(([name]) => !HTTP_ONLY_SETTINGS.has(name)));
    for (const [name, value] of wanted) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new Error(`Code: 115. DB::Exception: Unknown setting ${name}. (UNKNOWN_SETTING)`);
      if (this.#settings.get(name) !== value)
        statements.push(`SET ${name} = '${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
    }
    for (const name of this.#settings.keys()) if (!wanted.has(name)) statements.push(`SET ${name} = DEFAULT`);
    if (statements.length === 0) return;
    // Forget the state first: if a statement fails, the next request sets everything again.
    this.#database = '';
    this.#settings = new Map();
    for (const statement of statements) await this.engine.run(statement, 'TabSeparated', {});
    this.#database = database;
    this.#settings = wanted;
  }
}
