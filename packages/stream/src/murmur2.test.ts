import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fastDefaultPartitioner, murmur2, partitionerSeeing, partitionOfKey } from './murmur2.ts';

// kafkajs's own implementation, the reference: both must put every key in the same partition.
const require = createRequire(import.meta.url);
const reference = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

describe('murmur2', () => {
  it('equals kafkajs (and so the Java client) for keys of every length and byte', () => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let n = 0; n < 5000; n++) {
      const bytes = Buffer.from(Array.from({ length: next() % 41 }, () => next() % 256));
      expect(murmur2(bytes), bytes.toString('hex')).toBe(reference(bytes));
    }
    for (const key of ['', 'a', 'visitor-1234567890', '12345678901234567', 'ü🚀 site.example']) {
      expect(murmur2(Buffer.from(key))).toBe(reference(key));
    }
  });

  it('partitions keyed messages as kafkajs does, and spreads the others over partitions with a leader', () => {
    const partitionMetadata = Array.from({ length: 6 }, (_, i) => ({
      partitionId: i,
      leader: i === 2 ? -1 : 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const partition = fastDefaultPartitioner();
    for (const key of ['a', 'b', '7712364113518582000', 'site.example']) {
      const expected = (reference(key) & 0x7fffffff) % 6;
      expect(partition({ topic: 't', partitionMetadata, message: { key, value: null } })).toBe(expected);
      expect(partition({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } })).toBe(
        expected,
      );
    }
    expect(partition({ topic: 't', partitionMetadata, message: { key: 'a', value: null, partition: 4 } })).toBe(4);
    const unkeyed = new Set(
      Array.from({ length: 20 }, () => partition({ topic: 't', partitionMetadata, message: { value: null } })),
    );
    expect([...unkeyed].sort()).toEqual([0, 1, 3, 4, 5]);
  });

  it('tells a writer the partition of a key under the count it last saw', () => {
    const partitionMetadata = Array.from({ length: 6 }, (_, i) => ({
      partitionId: i,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const counts = new Map<string, number>();
    const partition = partitionerSeeing(counts);
    expect(counts.get('t')).toBeUndefined();
    for (const key of ['a', 'b', 'site.example:7712364113518582000']) {
      const chosen = partition({ topic: 't', partitionMetadata, message: { key, value: null } });
      expect(counts.get('t')).toBe(6);
      expect(partitionOfKey(key, 6)).toBe(chosen);
    }
  });
});
