/**
 * Which peers may speak for the client (CONTRACTS.md `TRUST_PROXY`): `X-Forwarded-For` and
 * `X-Forwarded-Proto` are believed only when the connection comes from a configured proxy
 * address or range. Anyone else can write those headers, so from anyone else they are ignored.
 * Pure apart from reading the request.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export interface ProxyTrust {
  /** True when at least one proxy is configured. */
  readonly configured: boolean;
  /** The client's address: the connection's, or the one a trusted proxy reports. */
  clientAddress(req: IncomingMessage): string;
  /** `https` when the connection is TLS or a trusted proxy says the client used https. */
  protocol(req: IncomingMessage): 'http' | 'https';
}

/** `::ffff:10.0.0.1` is the IPv4 peer 10.0.0.1 on a dual-stack socket. */
const plainAddress = (address: string): string => (address.startsWith('::ffff:') && isIP(address.slice(7)) == 4 ? address.slice(7) : address);

/**
 * Reads a comma-separated list of addresses and CIDR ranges ("127.0.0.1, 10.0.0.0/8, ::1");
 * throws an Error naming the first entry it cannot read.
 */
export function createProxyTrust(list: string | undefined): ProxyTrust {
  const blocks = new BlockList();
  const entries = (list ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? (family == 6 ? 128 : 32) : Number(bits);
    if (!family || extra !== undefined || !/^\d*$/.test(bits ?? '') || prefix > (family == 6 ? 128 : 32))
      throw new Error(`trust proxy: "${entry}" is not an address or CIDR range`);
    blocks.addSubnet(address, prefix, family == 6 ? 'ipv6' : 'ipv4');
  }

  const isTrusted = (address: string | undefined): boolean => {
    if (!address || !entries.length) return false;
    const plain = plainAddress(address);
    const family = isIP(plain);
    return !!family && blocks.check(plain, family == 6 ? 'ipv6' : 'ipv4');
  };

  /** The header's comma-separated values when a trusted proxy sent it, else none. */
  const forwarded = (req: IncomingMessage, name: string): string[] => {
    if (!isTrusted(req.socket.remoteAddress)) return [];
    const value = req.headers[name];
    const text = Array.isArray(value) ? value.join(',') : value ?? '';
    return text.split(',').map((part) => part.trim()).filter(Boolean);
  };

  return {
    configured: entries.length > 0,
    clientAddress(req) {
      // Each proxy appends the peer it saw: walk back over our own proxies to the first other hop.
      let client = req.socket.remoteAddress ?? '';
      for (const hop of forwarded(req, 'x-forwarded-for').reverse()) {
        if (!isIP(plainAddress(hop))) break;
        client = hop;
        if (!isTrusted(hop)) break;
      }
      return plainAddress(client);
    },
    protocol(req) {
      if ((req.socket as { encrypted?: boolean }).encrypted) return 'https';
      return forwarded(req, 'x-forwarded-proto').at(-1)?.toLowerCase() == 'https' ? 'https' : 'http';
    },
  };
}
