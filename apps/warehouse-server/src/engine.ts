import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * chDB's engine with ClickHouse's HTTP semantics. Parameters go to the engine as the text the client sent (the HTTP
 * server binds `param_*` values the same way), which the public `queryBind` cannot do: it re-escapes strings and so
 * would corrupt values the client already escaped. Hence the native entry points of the pinned chdb version.
 */
export interface Engine {
  /** Runs one statement and returns its output bytes. */
  run(sql: string, format: string, params: Record<string, string>): Promise<Buffer>;
  close(): void;
}

interface NativeResult {
  bytes: Uint8Array;
  rowsRead?: number;
}
interface NativeBinding {
  QueryAsyncConnection(
    connection: unknown,
    sql: string,
    format: string,
    params?: Record<string, string>,
  ): Promise<NativeResult>;
}
interface ChdbModule {
  Session: new (path: string) => { connection: unknown; close(): void };
}

export function openEngine(dataDir: string): Engine {
  const require = createRequire(import.meta.url);
  const chdb = require('chdb') as ChdbModule;
  const native = (
    require(join(dirname(require.resolve('chdb')), 'dist/loader.js')) as {
      loadNative(): NativeBinding;
    }
  ).loadNative();
  const session = new chdb.Session(dataDir);
  return {
    async run(sql, format, params) {
      const result = Object.keys(params).length
        ? await native.QueryAsyncConnection(session.connection, sql, format, params)
        : await native.QueryAsyncConnection(session.connection, sql, format);
      return Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
    },
    close: () => session.close(),
  };
}
