/** The slice of a structured logger (pino's shape) that the stream package writes to. */
export interface StreamLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: StreamLogger = { info() {}, warn() {}, error() {} };
