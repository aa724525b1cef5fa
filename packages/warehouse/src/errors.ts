/** A failed warehouse call, with the statement's purpose so logs say what was attempted. */
export class WarehouseError extends Error {
  override readonly name: string = 'WarehouseError';
  constructor(
    readonly operation: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    super(`${operation} failed${cause instanceof Error ? `: ${cause.message}` : ''}`, options);
  }
}

/**
 * ClickHouse refused the rows themselves: they cannot be parsed, do not fit their column or break a constraint.
 * Sending the same rows again cannot succeed; the caller isolates them (ingest dead-letters them and stores the rest).
 */
export class RowsRefusedError extends WarehouseError {
  override readonly name = 'RowsRefusedError';
  constructor(
    operation: string,
    /** ClickHouse's error code and its message, for the dead letter. */
    readonly code: number,
    options: { cause: unknown },
  ) {
    super(operation, false, options);
  }
}

/** Error codes that blame the data, not the connection, the server or the statement. */
const DATA_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE (a lone surrogate in JSON)
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  469, // VIOLATED_CONSTRAINT
]);

/** Whether an insert failed because of its rows (see RowsRefusedError). */
export function isDataError(error: unknown): boolean {
  const code = clickHouseCodeOf(error);
  return code !== undefined && DATA_ERROR_CODES.has(code);
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
