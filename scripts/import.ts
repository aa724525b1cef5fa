/**
 * `npm run import -- --site example.com --file events.ndjson`: streams an event history (NDJSON, optionally
 * gzipped; stdin without --file) to the web app's `POST /api/v1/import`, with a progress bar, and prints the
 * summary. Token: --token, else TERN_TOKEN or ADMIN_TOKEN, else `<DATA_DIR>/admin-token` (what `npm start` wrote).
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

interface Summary {
  linesRead: number;
  imported: number;
  rejected: number;
  duplicates: number;
  errors: { line: number; reason: string }[];
  stopped?: string;
}

function fail(message: string): never {
  process.stderr.write(`import: ${message}\n`);
  process.exit(2);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        site: { type: 'string' },
        file: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
      },
    });
    return values;
  } catch (error) {
    fail(
      `${(error as Error).message}\nusage: npm run import -- --site example.com [--file events.ndjson[.gz]] [--url http://localhost:3000] [--token …]`,
    );
  }
}

function tokenFrom(given: string | undefined): string {
  const token = given ?? process.env.TERN_TOKEN ?? process.env.ADMIN_TOKEN;
  if (token) return token;
  const file = join(process.env.DATA_DIR ?? 'data', 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  fail(`--token: not given, and neither TERN_TOKEN, ADMIN_TOKEN nor ${file} exists`);
}

const duration = (seconds: number) =>
  Number.isFinite(seconds) ? `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}` : '–';

async function main() {
  const args = options();
  if (!args.site) fail('--site: required (the registered domain the events belong to)');
  const file = args.file && args.file !== '-' ? args.file : undefined;
  if (file && !existsSync(file)) fail(`--file: ${file} does not exist`);
  const total = file ? statSync(file).size : undefined;
  const url = new URL('/api/v1/import', args.url ?? `http://localhost:${process.env.WEB_PORT ?? 3000}`);
  url.searchParams.set('site_id', args.site);
  const token = tokenFrom(args.token);

  let bytes = 0;
  let lines = 0;
  const started = Date.now();
  const source = file ? createReadStream(file) : process.stdin;
  async function* counted() {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) lines++;
      yield chunk;
    }
  }
  const tty = process.stderr.isTTY;
  const draw = (done = false) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = lines / Math.max(seconds, 0.001);
    const share = total ? Math.min(1, bytes / total) : undefined;
    const bar =
      share === undefined
        ? ''
        : `[${'#'.repeat(Math.round(share * 30)).padEnd(30, '·')}] ${(share * 100).toFixed(0).padStart(3)}%  `;
    const eta = share && share > 0 && !done ? `  ETA ${duration((seconds / share) * (1 - share))}` : '';
    const text = `${bar}${lines.toLocaleString('en-US')} lines  ${Math.round(rate).toLocaleString('en-US')} events/s${eta}`;
    process.stderr.write(tty ? `\r${text.padEnd(90)}` : `${text}\n`);
  };
  const timer = setInterval(draw, tty ? 250 : 5000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: Readable.toWeb(Readable.from(counted())) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
  } catch (error) {
    clearInterval(timer);
    fail(`cannot reach ${url.origin}: ${(error as Error).message} (is the web app running? --url)`);
  }
  clearInterval(timer);
  draw(true);
  process.stderr.write('\n');
  const body = (await response.json().catch(() => ({}))) as Summary & { error?: { message: string; field?: string } };
  if (!response.ok && body.linesRead === undefined) {
    fail(`${response.status}: ${body.error?.message ?? 'the import was refused'}`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `lines read ${body.linesRead.toLocaleString('en-US')}, imported ${body.imported.toLocaleString('en-US')}, ` +
      `rejected ${body.rejected.toLocaleString('en-US')}, duplicates skipped ${body.duplicates.toLocaleString('en-US')} ` +
      `in ${seconds.toFixed(1)} s (${Math.round(body.linesRead / Math.max(seconds, 0.001)).toLocaleString('en-US')} lines/s)`,
  );
  for (const error of body.errors.slice(0, 20)) console.log(`  line ${error.line}: ${error.reason}`);
  if (body.errors.length > 20) console.log(`  … and ${body.rejected - 20} more`);
  if (body.stopped)
    fail(`${body.stopped}; what was read before it is stored, and importing the file again adds only the rest`);
}

await main();
