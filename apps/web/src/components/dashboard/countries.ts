import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json';

countries.registerLocale(en);

/** "DE" → "Germany"; unknown codes are shown as they are. */
export function countryName(code: string): string {
  return countries.getName(code, 'en', { select: 'official' }) ?? code;
}

/** ISO 3166-1 numeric code, as world-atlas names its shapes ("DE" → "276"). */
export function numericCode(code: string): string | undefined {
  return countries.alpha2ToNumeric(code) ?? undefined;
}

export function flag(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return '';
  return String.fromCodePoint(...[...code].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}
