import { BlockList, isIP } from 'node:net';

/**
 * The client's address: the socket peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy.
 */
export class ClientIpResolver {
  /** Single IPv4 addresses (one spelling each), checked with a set lookup: the check runs per request. */
  readonly #trustedAddresses = new Set<string>();
  /** Ranges and IPv6 addresses (which have many spellings); BlockList.check builds a SocketAddress per call. */
  readonly #trustedRanges = new BlockList();
  readonly #hasRanges: boolean;
  readonly #any: boolean;

  constructor(trustedProxies: string[]) {
    this.#any = trustedProxies.length > 0;
    let ranges = 0;
    for (const entry of trustedProxies) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (!prefix && family === 'ipv4') {
        this.#trustedAddresses.add(address);
        continue;
      }
      if (prefix) this.#trustedRanges.addSubnet(address, Number(prefix), family);
      else this.#trustedRanges.addAddress(address, family);
      ranges++;
    }
    this.#hasRanges = ranges > 0;
  }

  #isTrusted(ip: string): boolean {
    if (this.#trustedAddresses.has(ip)) return true;
    if (!this.#hasRanges) return false;
    const family = isIP(ip);
    return family !== 0 && this.#trustedRanges.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }

  resolve(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const direct = stripMappedPrefix(peer ?? '');
    if (!this.#any || !this.#isTrusted(direct) || !forwardedFor) return direct;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => stripMappedPrefix(hop.trim()))
      .filter((hop) => isIP(hop) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i];
      if (hop && !this.#isTrusted(hop)) return hop;
    }
    return direct;
  }
}

function stripMappedPrefix(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
