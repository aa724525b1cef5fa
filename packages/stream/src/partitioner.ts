import { createHash } from 'node:crypto';

/** Embedded log partitioner: stable across processes and restarts. */
export function partitionFor(key: string, partitions: number): number {
  if (partitions <= 1) return 0;
  return createHash('md5').update(key).digest().readUInt32BE(0) % partitions;
}
