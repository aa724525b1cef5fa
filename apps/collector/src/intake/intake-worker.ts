import { parentPort, workerData } from 'node:worker_threads';
import { prepareRequest } from './prepare.ts';
import { type IntakeSettings, loadPrepareDeps } from './prepare-deps.ts';
import type { IntakeReply, IntakeSubmission } from './threaded-intake.ts';

/** An intake thread: prepares the requests the main thread reads off its sockets, a tick's worth at a time. */
const port = parentPort;
if (!port) throw new Error('intake-worker runs as a worker thread');
const deps = loadPrepareDeps(workerData as IntakeSettings);
port.on('message', ({ clock, requests }: IntakeSubmission) => {
  const replies: IntakeReply[] = requests.map(({ id, request }) => {
    try {
      return { id, prepared: prepareRequest(request, clock, deps) };
    } catch (error) {
      return { id, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
  });
  port.postMessage(replies);
});
port.postMessage('ready');
