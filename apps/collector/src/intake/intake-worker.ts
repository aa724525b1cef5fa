import { parentPort, workerData } from 'node:worker_threads';
import { OFF_HEAP_MIN_CHARS } from '../delivery/group-commit.ts';
import { eventMessagesOf, type PreparedRequest, prepareRequest } from './prepare.ts';
import { type IntakeSettings, loadPrepareDeps } from './prepare-deps.ts';
import type { IntakeReply, IntakeSubmission } from './threaded-intake.ts';

/** An intake thread: prepares the requests the main thread reads off its sockets, a tick's worth at a time. */
const port = parentPort;
if (!port) throw new Error('intake-worker runs as a worker thread');
const deps = loadPrepareDeps(workerData as IntakeSettings);
port.on('message', ({ clock, requests }: IntakeSubmission) => {
  const transfer: ArrayBuffer[] = [];
  const replies: IntakeReply[] = requests.map(({ id, request }) => {
    try {
      return { id, prepared: encodeLongMessages(prepareRequest(request, clock, deps), transfer) };
    } catch (error) {
      return { id, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
  });
  port.postMessage(replies, transfer);
});
port.postMessage('ready');

/**
 * Long messages leave as UTF-8 bytes, moved rather than cloned. As strings they were copied out of this heap and
 * into the HTTP thread's, where the committer encoded them (it encodes every message it will not merge): work on
 * the thread that bounds the throughput. One intake thread, three alternations of 20-event batches: 19,600,
 * 24,584 and 25,464 events/s against 19,920, 19,126 and 21,472 (bench/README.md, collector).
 */
function encodeLongMessages(prepared: PreparedRequest, transfer: ArrayBuffer[]): PreparedRequest {
  for (const message of eventMessagesOf(prepared)) {
    if (typeof message.value !== 'string' || message.value.length <= OFF_HEAP_MIN_CHARS) continue;
    // Never a slice of Node's shared pool at this length, but moving one would take the pool from under the rest.
    const bytes = Buffer.from(message.value);
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) continue;
    message.value = bytes;
    transfer.push(bytes.buffer as ArrayBuffer);
  }
  return prepared;
}
