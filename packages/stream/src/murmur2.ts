import type { ICustomPartitioner } from 'kafkajs';

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which kafkajs's default partitioner reproduces), on 32-bit
 * integer arithmetic. kafkajs computes it with 64-bit `Long` objects, which took ~3% of the collector's CPU under
 * the bench (bench/README.md); this gives the same partition for every key (stream's murmur2 test).
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) h = Math.imul(h ^ (data[whole] as number), m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a keyed message: Kafka's default, the key's murmur2 made positive, modulo the count. */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  return (murmur2(typeof key === 'string' ? Buffer.from(key) : key) & 0x7fffffff) % partitions;
}

/**
 * kafkajs's default partitioner with the integer murmur2: a message's own partition, else the key's hash modulo
 * the partition count, else round robin over the partitions that have a leader.
 */
export const fastDefaultPartitioner: ICustomPartitioner = () => partitionerSeeing(new Map());

/** The default partitioner, noting each topic's partition count in `counts` as kafkajs's metadata gives it. */
export function partitionerSeeing(counts: Map<string, number>): ReturnType<ICustomPartitioner> {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    counts.set(topic, partitionMetadata.length);
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return partitionOfKey(message.key, partitionMetadata.length);
    const counter = ((counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1) & 0x7fffffff;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return (available[counter % available.length] as { partitionId: number }).partitionId;
    return counter % partitionMetadata.length;
  };
}
