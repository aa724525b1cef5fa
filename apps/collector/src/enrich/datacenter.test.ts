import { describe, expect, it } from 'vitest';
import { DatacenterRanges } from './datacenter.ts';

describe('DatacenterRanges', () => {
  const packaged = DatacenterRanges.load();

  it('knows cloud and hosting addresses from the packaged ASN database', () => {
    expect(packaged.contains('1.44.96.10')).toBe(true); // Amazon (AS16509)
    expect(packaged.contains('2.28.1.1')).toBe(true); // Hetzner (AS24940)
    expect(packaged.contains('5.101.100.7')).toBe(true); // DigitalOcean (AS14061)
    expect(packaged.contains('2a01:4f8:c17:1::1')).toBe(true); // Hetzner IPv6
    expect(packaged.contains('2600:1f00:5000::9')).toBe(true); // AWS Ireland IPv6
    expect(packaged.contains('::ffff:2.28.1.1')).toBe(true);
  });

  it('leaves residential, CDN, private and documentation addresses alone', () => {
    expect(packaged.contains('2.58.100.20')).toBe(false); // Deutsche Telekom
    expect(packaged.contains('80.120.1.1')).toBe(false); // A1 Telekom Austria
    expect(packaged.contains('2003:e1:1f00::1')).toBe(false); // Deutsche Telekom IPv6
    expect(packaged.contains('1.0.0.1')).toBe(false); // Cloudflare: Private Relay and WARP users are people
    expect(packaged.contains('127.0.0.1')).toBe(false);
    expect(packaged.contains('10.1.2.3')).toBe(false);
    expect(packaged.contains('192.0.2.44')).toBe(false);
    expect(packaged.contains('::1')).toBe(false);
    expect(packaged.contains('not an address')).toBe(false);
    expect(packaged.contains('')).toBe(false);
  });

  it('answers the same from its data cloned for another thread', () => {
    const copy = DatacenterRanges.fromData(structuredClone(packaged.data));
    expect(copy.size).toEqual(packaged.size);
    for (const ip of ['1.44.96.10', '2a01:4f8:c17:1::1', '2.58.100.20', '2003:e1:1f00::1']) {
      expect(copy.contains(ip)).toBe(packaged.contains(ip));
    }
  });

  it('holds thousands of merged ranges', () => {
    expect(packaged.size.v4).toBeGreaterThan(1000);
    expect(packaged.size.v6).toBeGreaterThan(100);
  });

  it('matches range edges exactly and merges touching ranges', () => {
    const ranges = DatacenterRanges.of(
      [
        { start: 0x0a000100, end: 0x0a0001ff }, // 10.0.1.0/24
        { start: 0x0a000000, end: 0x0a0000ff }, // 10.0.0.0/24, touches the one above
        { start: 0xfffffff0, end: 0xffffffff },
      ],
      [{ start: 0x20010db800000000n, end: 0x20010db8ffffffffn }],
    );
    expect(ranges.size).toEqual({ v4: 2, v6: 1 });
    expect(ranges.contains('9.255.255.255')).toBe(false);
    expect(ranges.contains('10.0.0.0')).toBe(true);
    expect(ranges.contains('10.0.1.255')).toBe(true);
    expect(ranges.contains('10.0.2.0')).toBe(false);
    expect(ranges.contains('255.255.255.255')).toBe(true);
    expect(ranges.contains('2001:db8::1')).toBe(true);
    expect(ranges.contains('2001:db8:ffff:ffff:1::')).toBe(true);
    expect(ranges.contains('2001:db9::')).toBe(false);
    expect(ranges.contains('2001:db7:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(false);
    expect(ranges.contains('2001:0db8:0000:0000::192.0.2.1')).toBe(true);
  });
});
