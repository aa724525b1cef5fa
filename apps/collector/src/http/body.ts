import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

/**
 * Reads a request body, refusing (413) as soon as it passes `limit` bytes. Plain listeners, not `for await`: the
 * async iterator costs a few promises per chunk, on the hottest path of the collector.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new HttpError(413, 'body_too_large', `request body is larger than ${limit} bytes`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish();
        // Stop reading; the answer closes the connection rather than reading the rest of an unbounded body.
        request.pause();
        reject(
          new HttpError(413, 'body_too_large', `request body is larger than ${limit} bytes`, undefined, {
            connection: 'close',
          }),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      finish();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      finish();
      reject(error);
    };
    // An aborted request ends without 'end'; 'close' before 'end' is a client gone mid-body.
    const onClose = () => {
      finish();
      reject(new HttpError(400, 'aborted', 'the request body was cut off'));
    };
    function finish() {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    }
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/** Event bodies are JSON sent as application/json or as text/plain (sendBeacon avoids a CORS preflight that way). */
export function checkContentType(request: IncomingMessage): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'application/json' && type !== 'text/plain') {
    throw new HttpError(415, 'unsupported_media_type', 'send application/json or text/plain');
  }
}
