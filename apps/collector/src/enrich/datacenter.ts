import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { DATACENTER_ASNS } from './datacenter-networks.ts';

/**
 * Whether an address belongs to a cloud or hosting network (`DATACENTER_ASNS`). The address ranges of those
 * networks come from `@ip-location-db/asn` (RouteViews, the five RIRs and DB-IP's IP to ASN Lite, CC BY 4.0),
 * filtered once at start-up (about 0.3 s) into sorted, merged ranges searched by bisection. IPv6 ranges are kept
 * at /64 precision, finer than any hosting allocation.
 */
export class DatacenterRanges {
  readonly #v4Starts: Uint32Array;
  readonly #v4Ends: Uint32Array;
  readonly #v6Starts: BigUint64Array;
  readonly #v6Ends: BigUint64Array;

  private constructor(data: DatacenterData) {
    this.#v4Starts = data.v4Starts;
    this.#v4Ends = data.v4Ends;
    this.#v6Starts = data.v6Starts;
    this.#v6Ends = data.v6Ends;
  }

  static #merged(v4: Range<number>[], v6: Range<bigint>[]): DatacenterRanges {
    const merged4 = merge(v4, (end, start) => start <= end + 1);
    const merged6 = merge(v6, (end, start) => start <= end + 1n);
    return new DatacenterRanges({
      v4Starts: Uint32Array.from(merged4, (r) => r.start),
      v4Ends: Uint32Array.from(merged4, (r) => r.end),
      v6Starts: BigUint64Array.from(merged6, (r) => r.start),
      v6Ends: BigUint64Array.from(merged6, (r) => r.end),
    });
  }

  /** Ranges another thread loaded (`data`), so that a process reads the 32 MB of CSV once. */
  static fromData(data: DatacenterData): DatacenterRanges {
    return new DatacenterRanges(data);
  }

  /** The merged ranges as typed arrays, for another thread (`fromData`). */
  get data(): DatacenterData {
    return { v4Starts: this.#v4Starts, v4Ends: this.#v4Ends, v6Starts: this.#v6Starts, v6Ends: this.#v6Ends };
  }

  /** Reads the ranges of `asns` from the packaged ASN database. */
  static load(asns: ReadonlySet<number> = new Set(DATACENTER_ASNS.keys())): DatacenterRanges {
    const require = createRequire(import.meta.url);
    const read = (file: string) => readFileSync(require.resolve(`@ip-location-db/asn/${file}`), 'latin1');
    const v4 = rangesOf(read('asn-ipv4-num.csv'), asns, Number);
    const v6 = rangesOf(read('asn-ipv6-num.csv'), asns, (n) => BigInt(n) >> 64n);
    return DatacenterRanges.#merged(v4, v6);
  }

  /** From explicit ranges, for tests. */
  static of(v4: Range<number>[], v6: Range<bigint>[] = []): DatacenterRanges {
    return DatacenterRanges.#merged([...v4].sort(byStart), [...v6].sort(byStart));
  }

  get size(): { v4: number; v6: number } {
    return { v4: this.#v4Starts.length, v6: this.#v6Starts.length };
  }

  contains(ip: string): boolean {
    const family = isIP(ip);
    if (family === 4) return within(this.#v4Starts, this.#v4Ends, ipv4ToNumber(ip));
    if (family !== 6) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped?.[1]) return within(this.#v4Starts, this.#v4Ends, ipv4ToNumber(mapped[1]));
    return within(this.#v6Starts, this.#v6Ends, ipv6Prefix64(ip));
  }
}

/** Sorted, merged ranges: starts and ends by index. */
export interface DatacenterData {
  v4Starts: Uint32Array;
  v4Ends: Uint32Array;
  v6Starts: BigUint64Array;
  v6Ends: BigUint64Array;
}

export interface Range<T extends number | bigint> {
  start: T;
  end: T;
}

function byStart<T extends number | bigint>(a: Range<T>, b: Range<T>): number {
  return a.start < b.start ? -1 : a.start > b.start ? 1 : 0;
}

/** Lines are `first,last,asn,name`, sorted by `first` and not overlapping. */
function rangesOf<T extends number | bigint>(
  csv: string,
  asns: ReadonlySet<number>,
  parse: (n: string) => T,
): Range<T>[] {
  const ranges: Range<T>[] = [];
  let position = 0;
  while (position < csv.length) {
    let lineEnd = csv.indexOf('\n', position);
    if (lineEnd < 0) lineEnd = csv.length;
    const first = csv.indexOf(',', position);
    const second = csv.indexOf(',', first + 1);
    const third = csv.indexOf(',', second + 1);
    if (first > 0 && third > 0 && third < lineEnd && asns.has(Number(csv.slice(second + 1, third)))) {
      ranges.push({ start: parse(csv.slice(position, first)), end: parse(csv.slice(first + 1, second)) });
    }
    position = lineEnd + 1;
  }
  return ranges;
}

/** Joins ranges that touch or overlap (neighbouring allocations of one provider are common). */
function merge<T extends number | bigint>(sorted: Range<T>[], touches: (end: T, start: T) => boolean): Range<T>[] {
  const out: Range<T>[] = [];
  for (const range of sorted) {
    const last = out.at(-1);
    if (last && touches(last.end, range.start)) {
      if (range.end > last.end) last.end = range.end;
    } else {
      out.push({ ...range });
    }
  }
  return out;
}

function within<T extends number | bigint>(starts: ArrayLike<T>, ends: ArrayLike<T>, value: T): boolean {
  let low = 0;
  let high = starts.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if ((starts[middle] as T) <= value) low = middle + 1;
    else high = middle - 1;
  }
  return high >= 0 && value <= (ends[high] as T);
}

function ipv4ToNumber(ip: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

/** The first 64 bits of an IPv6 address (isIP has already checked its syntax). */
function ipv6Prefix64(ip: string): bigint {
  const address = ip.split('%')[0] ?? '';
  const [head = '', tail] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  // An embedded IPv4 tail counts as two groups; it lies in the last 32 bits, beyond the prefix.
  const tailCount = tailGroups.reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - tailCount).fill('0'), ...tailGroups];
  let prefix = 0n;
  for (let i = 0; i < 4; i++) prefix = (prefix << 16n) | BigInt(Number.parseInt(groups[i] ?? '0', 16) || 0);
  return prefix;
}
