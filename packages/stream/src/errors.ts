/** Failures of the log. `retriable` says whether trying the same call again can succeed. */
export class StreamError extends Error {
  override readonly name: string = 'StreamError';
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The group gave the partition to another member: this one must not write for it (not retriable here). */
export class FencedError extends StreamError {
  override readonly name = 'FencedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

export class LogUnavailableError extends StreamError {
  override readonly name = 'LogUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, options);
  }
}
