/** A failed warehouse call, with the statement's purpose so logs say what was attempted. */
export class WarehouseError extends Error {
  override readonly name = 'WarehouseError';
  constructor(
    readonly operation: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    super(`${operation} failed${cause instanceof Error ? `: ${cause.message}` : ''}`, options);
  }
}

/** Why ClickHouse stopped a statement that went past QUERY_LIMITS, if that is why. */
export type QueryLimit = 'timeout' | 'memory' | 'rows';

const LIMIT_CODES: Record<number, QueryLimit> = {
  159: 'timeout', // TIMEOUT_EXCEEDED
  160: 'timeout', // TOO_SLOW
  241: 'memory', // MEMORY_LIMIT_EXCEEDED
  158: 'rows', // TOO_MANY_ROWS
  396: 'rows', // TOO_MANY_ROWS_OR_BYTES
};

/** The ClickHouse error code of an error or of anything in its cause chain: a server's or chDB's. */
export function clickHouseCodeOf(error: unknown): number | undefined {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    const { clickhouseCode, code, message, cause } = current as {
      clickhouseCode?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof clickhouseCode === 'number') return clickhouseCode;
    if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
    const inMessage = typeof message === 'string' ? /\bCode: (\d+)\./.exec(message) : null;
    if (inMessage) return Number(inMessage[1]);
    current = cause;
  }
  return undefined;
}

export function queryLimitOf(error: unknown): QueryLimit | undefined {
  const code = clickHouseCodeOf(error);
  return code === undefined ? undefined : LIMIT_CODES[code];
}
