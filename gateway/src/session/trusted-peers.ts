/** Which source addresses may send calls in (SIP_TRUSTED_PEERS): CIDR blocks, checked with node:net's BlockList. */
import net from 'node:net';

export class TrustedPeers {
  readonly #list = new net.BlockList();
  readonly cidrs: readonly string[];

  /** `cidrs`: '127.0.0.0/8', '10.1.2.3' (a single host), '::1/128'. Throws on a malformed entry. */
  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    for (const entry of cidrs) {
      const [address = '', prefixText] = entry.trim().split('/');
      const family = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : null;
      if (family === null) throw new Error(`SIP_TRUSTED_PEERS: '${entry}' is not an address or CIDR block`);
      const prefix = prefixText === undefined ? (family === 'ipv4' ? 32 : 128) : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128)) throw new Error(`SIP_TRUSTED_PEERS: bad prefix in '${entry}'`);
      this.#list.addSubnet(address, prefix, family);
    }
  }

  static parse(value: string | undefined): TrustedPeers {
    const entries = (value ?? '127.0.0.0/8').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    return new TrustedPeers(entries);
  }

  allows(address: string): boolean {
    const bare = address.startsWith('::ffff:') ? address.slice(7) : address;
    if (net.isIPv4(bare)) return this.#list.check(bare, 'ipv4');
    if (net.isIPv6(bare)) return this.#list.check(bare, 'ipv6');
    return false;
  }
}
