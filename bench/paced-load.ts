import { Agent, request } from 'node:http';

/**
 * An open-loop load at a fixed rate, for the latency target. autocannon's `overallRate` gives each connection a quota
 * per second and sends it back to back at the start of each second, so at 80% of a server's maximum every second
 * opens with a burst at full concurrency: with 200 connections, the bare server that does nothing measured a p99 of
 * 158-395 ms at 6,600 requests/s (24-42 ms with 50 connections). Here requests leave evenly spaced, and each one's
 * latency runs from when it was due, so time spent waiting for a free connection counts (no coordinated omission).
 * The first `warmUpSeconds` open the connections and are not counted.
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

export async function pacedLoad(
  url: string,
  options: { rate: number; seconds: number; warmUpSeconds: number; connections: number; next: () => PacedRequest },
): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const { hostname, port } = new URL(url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const total = Math.round(options.rate * (options.warmUpSeconds + options.seconds));
  const started = performance.now();
  const measuredFrom = started + options.warmUpSeconds * 1000;
  let answered = 0;
  const record = (due: number) => {
    answered++;
    if (due >= measuredFrom) latencies.push(performance.now() - due);
  };
  const send = (due: number) => {
    const next = options.next();
    const sending = request(
      { hostname, port, path: next.path, method: 'POST', agent, headers: next.headers },
      (response) => {
        response.resume();
        response.on('end', () => {
          record(due);
          if ((response.statusCode ?? 0) >= 300) non2xx++;
        });
      },
    );
    sending.on('error', () => {
      errors++;
      record(due);
    });
    sending.end(next.body);
  };
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      // Every request due by now leaves, each stamped with the moment it was due.
      while (sent < total && started + (sent * 1000) / options.rate <= now) {
        send(started + (sent * 1000) / options.rate);
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
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p50: Math.round(quantile(sorted, 0.5)),
    p99: Math.round(quantile(sorted, 0.99)),
    non2xx,
    errors: errors + (total - answered),
  };
}
