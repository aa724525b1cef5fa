/** A request that parses but cannot be answered, with the field at fault. */
export class InvalidStatsQueryError extends Error {
  override readonly name = 'InvalidStatsQueryError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
