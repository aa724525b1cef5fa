import { connect, type Socket } from 'node:net';

/**
 * An open-loop load at a fixed rate, for the latency target. autocannon's `overallRate` gives each connection a quota
 * per second and sends it back to back at the start of each second, so at 80% of a server's maximum every second
 * opens with a burst at full concurrency: with 200 connections, the bare server that does nothing measured a p99 of
 * 158-395 ms at 6,600 requests/s (24-42 ms with 50 connections). Here requests leave evenly spaced, and each one's
 * latency runs from when it was due, so time spent waiting for a free connection counts (no coordinated omission).
 * The first `warmUpSeconds` open the connections and are not counted. Requests are written as prebuilt HTTP/1.1 bytes
 * on kept-alive sockets, one outstanding per socket: node:http's client cost 1.5 times autocannon's CPU per request,
 * which on two shared cores the server under test would have lost.
 */
export interface PacedResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface PacedRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

const quantile = (sorted: number[], share: number) =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] as number);

function encode(host: string, request: PacedRequest): Buffer {
  const body = Buffer.from(request.body);
  const head = [
    `POST ${request.path} HTTP/1.1`,
    `host: ${host}`,
    'connection: keep-alive',
    `content-length: ${body.length}`,
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]);
}

/** One kept-alive connection with at most one request outstanding; answers are read by their Content-Length. */
class Connection {
  #socket: Socket;
  #pending: Buffer = Buffer.alloc(0);
  #done: ((status: number) => void) | undefined;
  constructor(host: string, port: number, onClose: () => void) {
    this.#socket = connect(port, host);
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk));
    this.#socket.on('error', () => this.#finish(0));
    this.#socket.on('close', () => {
      this.#finish(0);
      onClose();
    });
  }
  send(bytes: Buffer, done: (status: number) => void) {
    this.#done = done;
    this.#socket.write(bytes);
  }
  close() {
    this.#socket.destroy();
  }
  #finish(status: number) {
    const done = this.#done;
    this.#done = undefined;
    done?.(status);
  }
  #read(chunk: Buffer) {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const end = this.#pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.#pending.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#pending.length < end + 4 + length) return;
    this.#pending = this.#pending.subarray(end + 4 + length);
    this.#finish(Number(head.slice(9, 12)));
  }
}

export async function pacedLoad(
  url: string,
  options: { rate: number; seconds: number; warmUpSeconds: number; connections: number; next: () => PacedRequest },
): Promise<PacedResult> {
  const { hostname, port, host } = new URL(url);
  const idle: Connection[] = [];
  const waiting: number[] = [];
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let answered = 0;
  let sent = 0;
  const total = Math.round(options.rate * (options.warmUpSeconds + options.seconds));
  const started = performance.now();
  const measuredFrom = started + options.warmUpSeconds * 1000;
  const open = () => {
    const connection: Connection = new Connection(hostname, Number(port), () => {
      const at = idle.indexOf(connection);
      if (at >= 0) idle.splice(at, 1);
    });
    return connection;
  };
  const use = (connection: Connection, due: number) => {
    connection.send(encode(host, options.next()), (status) => {
      answered++;
      if (due >= measuredFrom) latencies.push(performance.now() - due);
      if (status === 0) errors++;
      else if (status >= 300) non2xx++;
      const queued = waiting.shift();
      if (status === 0) {
        if (queued !== undefined) use(open(), queued);
      } else if (queued !== undefined) use(connection, queued);
      else idle.push(connection);
    });
  };
  for (let i = 0; i < options.connections; i++) idle.push(open());
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      // Every request due by now leaves (or queues for a free connection), stamped with the moment it was due.
      while (sent < total && started + (sent * 1000) / options.rate <= now) {
        const due = started + (sent * 1000) / options.rate;
        // The longest idle first, so that no connection idles into the server's keep-alive timeout.
        const connection = idle.shift();
        if (connection) use(connection, due);
        else waiting.push(due);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  const deadline = performance.now() + 30_000;
  while (answered < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (performance.now() - measuredFrom) / 1000;
  for (const connection of idle) connection.close();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p50: Math.round(quantile(sorted, 0.5)),
    p99: Math.round(quantile(sorted, 0.99)),
    non2xx,
    errors: errors + (total - answered),
  };
}
