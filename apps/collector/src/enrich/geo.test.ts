import { describe, expect, it } from 'vitest';
import { GeoLocator } from './geo.ts';

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
