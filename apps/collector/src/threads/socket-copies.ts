import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { withDeadline } from '../deadline.ts';

export class SocketCopyError extends Error {
  override readonly name = 'SocketCopyError';
}

/**
 * Sends the handle it is given back `count` times, then leaves. Each copy that crosses the IPC channel is a new
 * descriptor in the receiver: the kernel's dup(2), which Node does not offer.
 */
const HELPER = `process.once('message', ({ count }, handle) => {
  let left = count;
  for (let i = 0; i < count; i++) process.send({ copy: i }, handle, () => --left === 0 && process.disconnect());
});`;

const COPY_TIMEOUT_MS = 10_000;

/**
 * Received handles stay referenced here and are never closed by this thread: the collector thread that accepts on
 * a copy owns it and closes it when it stops or dies.
 */
const received: unknown[] = [];

/**
 * `count` new descriptors of `server`'s listening socket, one for each collector thread. A thread accepts on and
 * closes its own: two threads on one descriptor would close the socket under each other (one thread stopping or
 * crashing would stop the others accepting, and the number could be reused by another socket meanwhile).
 */
export function copyListeningSocket(server: Server, count: number): Promise<number[]> {
  // The libuv handle, not the Server: sent as a Server, the helper would listen on it and take connections.
  const handle = (server as unknown as { _handle?: { fd?: number } })._handle;
  if (!handle || typeof handle.fd !== 'number' || handle.fd < 0) {
    return Promise.reject(new SocketCopyError('the server has no listening socket of its own to copy'));
  }
  const helper = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const copies = new Promise<number[]>((resolve, reject) => {
    const fds: number[] = [];
    helper.on('message', (_message, copy?: { fd?: number }) => {
      received.push(copy);
      if (typeof copy?.fd === 'number' && copy.fd >= 0) fds.push(copy.fd);
      if (fds.length === count) resolve(fds);
    });
    helper.once('error', (error) => reject(new SocketCopyError(`the socket-copying helper failed: ${error.message}`)));
    helper.once('exit', (code) => {
      if (fds.length < count) reject(new SocketCopyError(`the socket-copying helper exited (code ${code})`));
    });
    helper.send({ count }, handle as never);
  });
  return withDeadline(copies, COPY_TIMEOUT_MS, () => new SocketCopyError('no socket copies in time')).finally(() => {
    if (helper.exitCode === null) helper.kill();
  });
}
