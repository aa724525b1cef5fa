import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { GeoLocator } from './geo.ts';

const require = createRequire(import.meta.url);

describe('GeoIP', () => {
  it('finds the country with the default CC0 database, IPv4 and IPv6', () => {
    const geo = new GeoLocator();
    expect(geo.locate('81.2.69.160')).toEqual({ country: 'GB', region: '', city: '' });
    expect(geo.locate('2a00:1450:4001:81b::200e').country).toMatch(/^[A-Z]{2}$/);
    expect(geo.locate('127.0.0.1')).toEqual({ country: '', region: '', city: '' });
    expect(geo.locate('not an ip')).toEqual({ country: '', region: '', city: '' });
  });

  it('adds region and city with the DB-IP city database', () => {
    const geo = new GeoLocator('dbip-city');
    expect(geo.locate('81.2.69.160')).toEqual({ country: 'GB', region: 'England', city: 'London' });
    expect(geo.locate('8.8.8.8')).toMatchObject({ country: 'US', region: 'California' });
  });
});

describe('GeoIP data shared between threads', () => {
  it('looks up in the bytes another thread read, in shared memory, with the same answers', async () => {
    const { Worker } = await import('node:worker_threads');
    const owner = new GeoLocator();
    expect(owner.data.v4.buffer).toBeInstanceOf(SharedArrayBuffer);
    // A thread that answers from the data it was handed; plain JavaScript, so it needs no TypeScript loader.
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Reader } = require(${JSON.stringify(require.resolve('maxmind'))});
      const bytes = workerData.v4;
      const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      bytes[0] = bytes[0]; // touches the shared bytes: a copy would not be the same buffer
      parentPort.postMessage({ shared: bytes.buffer instanceof SharedArrayBuffer, record: reader.get('81.2.69.160') });
    `;
    const worker = new Worker(source, { eval: true, workerData: owner.data });
    const answer = await new Promise<{ shared: boolean; record: { country_code: string } }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer.shared).toBe(true);
    expect(answer.record.country_code).toBe('GB');
    expect(new GeoLocator(owner.data).locate('81.2.69.160')).toEqual(owner.locate('81.2.69.160'));
  });
});
