import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader } from 'maxmind';

interface CountryRecord {
  country_code?: string;
}

/**
 * Country from IP with the CC0-licensed geo-whois-asn-country database of the
 * `@ip-location-db/geo-whois-asn-country-mmdb` npm package. The IP is looked up and then forgotten.
 */
export class GeoLocator {
  readonly #reader: { get(ip: string): CountryRecord | null };

  constructor(databasePath = defaultDatabasePath()) {
    // maxmind types its records as MaxMind's own schema; this database has only `country_code`.
    this.#reader = new Reader(readFileSync(databasePath)) as unknown as { get(ip: string): CountryRecord | null };
  }

  country(ip: string): string {
    try {
      const code = this.#reader.get(ip)?.country_code ?? '';
      return /^[A-Z]{2}$/.test(code) ? code : '';
    } catch {
      return '';
    }
  }
}

function defaultDatabasePath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
}
