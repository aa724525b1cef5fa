// The ceiling: a node:http server that reads the body and answers 202, doing nothing else. PROCESSES > 1 runs that
// many on one port (node:cluster), as COLLECTOR_PROCESSES does for the collector.
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const processes = Number(process.env.PROCESSES ?? 1);
if (processes > 1 && cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === processes) process.send?.('ready');
  });
  for (let i = 0; i < processes; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const server = createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'application/json', 'content-length': 2 });
      response.end('{}');
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1', () => cluster.isPrimary && process.send?.('ready'));
}
