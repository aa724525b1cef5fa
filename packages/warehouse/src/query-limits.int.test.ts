import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers.ts';
import { openWarehouse, QUERY_LIMITS, type Warehouse } from './client.ts';
import { queryLimitOf } from './errors.ts';

/**
 * The bounds of a statement a request shapes, on the real engine: ClickHouse stops it, and the error says which
 * bound it reached, so the API can answer 503 or 400 instead of 500 (or a process out of memory).
 */
let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await openWarehouse({ kind: 'embedded', dataDir: tempDir('limits'), database: 'limits' });
});
afterAll(async () => warehouse?.close());

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'answered',
    (error: unknown) => queryLimitOf(error) ?? `other: ${String(error)}`,
  );

describe('statement limits of the query client', () => {
  it('are the reader’s settings', async () => {
    const result = await warehouse.reader.query({
      query: "SELECT getSetting('max_execution_time') AS t, getSetting('max_result_rows') AS r",
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ t: number; r: string }>();
    expect(Number(row?.t)).toBe(QUERY_LIMITS.max_execution_time);
    expect(String(row?.r)).toBe(QUERY_LIMITS.max_result_rows);
  });

  it('stop a statement that runs too long, uses too much memory or returns too many rows, and say which', async () => {
    const run = (query: string, settings: Record<string, string | number>) =>
      warehouse.reader.query({ query, format: 'JSONEachRow', clickhouse_settings: settings }).then((r) => r.json());
    expect(await refusal(run('SELECT count() FROM numbers(100000000000)', { max_execution_time: 1 }))).toBe('timeout');
    expect(
      await refusal(
        run('SELECT groupArray(number) FROM numbers(50000000)', { max_memory_usage: String(64 * 1024 ** 2) }),
      ),
    ).toBe('memory');
    expect(await refusal(run('SELECT number FROM numbers(1000)', { max_result_rows: '10' }))).toBe('rows');
  });

  it('leave the writer unbounded, whatever the reader ran before it on the same engine', async () => {
    await warehouse.reader.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
    const result = await warehouse.client.query({
      query: "SELECT getSetting('max_execution_time') AS t, getSetting('max_result_rows') AS r",
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ t: number; r: string }>();
    expect(Number(row?.t)).toBe(0);
    expect(Number(row?.r)).toBe(0);
  });
});
