import { describe, expect, it } from 'vitest';
import { clickHouseCodeOf, isDataError, queryLimitOf } from './errors.ts';

/** The shapes ClickHouse's codes arrive in: chDB's typed error, a server's error code, or only the message text. */
describe('ClickHouse error codes', () => {
  const wrapped = (inner: unknown) => new Error('insert failed', { cause: new Error('client', { cause: inner }) });

  it('are found anywhere in the cause chain, in every shape', () => {
    expect(clickHouseCodeOf(wrapped({ clickhouseCode: 25, message: 'x' }))).toBe(25);
    expect(clickHouseCodeOf(wrapped({ code: '159', message: 'Timeout exceeded' }))).toBe(159);
    expect(clickHouseCodeOf(new Error('Code: 469. DB::Exception: Constraint `c` is violated'))).toBe(469);
    expect(clickHouseCodeOf(new Error('ECONNREFUSED'))).toBeUndefined();
    expect(clickHouseCodeOf(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBeUndefined();
  });

  it('tell rows the warehouse refuses from failures that may pass on a retry', () => {
    for (const code of [25, 27, 72, 376, 469]) expect(isDataError({ clickhouseCode: code })).toBe(true);
    // Down, slow, too many parts, out of memory, a broken statement: not the rows' fault.
    for (const code of [159, 210, 252, 241, 62, 60]) expect(isDataError({ clickhouseCode: code })).toBe(false);
    expect(isDataError(new Error('ECONNREFUSED'))).toBe(false);
  });

  it('name the limit a query reached', () => {
    expect(queryLimitOf({ clickhouseCode: 159 })).toBe('timeout');
    expect(queryLimitOf({ code: '241' })).toBe('memory');
    expect(queryLimitOf(new Error('Code: 396. DB::Exception: Limit for result exceeded'))).toBe('rows');
    expect(queryLimitOf({ clickhouseCode: 25 })).toBeUndefined();
  });
});
