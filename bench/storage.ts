/**
 * `npm run bench:storage`: disk bytes per event in the query benchmark's warehouse (run `npm run bench:query` first),
 * per table and in total, compressed as ClickHouse stores them. Stop anything that holds that warehouse open first:
 * chDB binds a data directory to one process.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openWarehouse } from '../packages/warehouse/src/index.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? join(root, 'bench/.data/query'));

async function main() {
  const warehouse = await openWarehouse({ kind: 'embedded', dataDir: join(dataDir, 'warehouse'), database: 'tern' });
  const result = await warehouse.client.query({
    query: `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS disk, sum(data_uncompressed_bytes) AS raw
      FROM system.parts WHERE active AND database = 'tern' AND table != 'schema_migrations'
      GROUP BY table ORDER BY disk DESC`,
    format: 'JSONEachRow',
  });
  const tables = await result.json<{ table: string; rows: number; disk: number; raw: number }>();
  const events = Number(tables.find((t) => t.table === 'events')?.rows ?? 0);
  console.log(`${events.toLocaleString('en-US')} events\n`);
  console.log('| table | rows | on disk MB | bytes per event | uncompressed MB |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  let total = 0;
  for (const t of tables) {
    total += Number(t.disk);
    console.log(
      `| ${t.table} | ${Number(t.rows).toLocaleString('en-US')} | ${(Number(t.disk) / 1e6).toFixed(0)} | ${(Number(t.disk) / events).toFixed(1)} | ${(Number(t.raw) / 1e6).toFixed(0)} |`,
    );
  }
  console.log(`| total | | ${(total / 1e6).toFixed(0)} | ${(total / events).toFixed(1)} | |`);
  await warehouse.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
