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
