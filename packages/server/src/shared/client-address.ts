/**
 * The address of the client behind a request: its TCP peer's, or, when that peer is a trusted
 * reverse proxy, the one the proxy forwarded in `X-Forwarded-For`.
 *
 * @packageDocumentation
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, isIPv6 } from 'node:net';

/** `::ffff:10.0.0.1` (an IPv4 peer of a dual-stack socket) as `10.0.0.1`; other text unchanged. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/**
 * The key an address is counted under by per-address limits and throttles: an IPv4 address as it
 * is (also when written as an IPv4-mapped IPv6 address, `::ffff:1.2.3.4`), an IPv6 address by its
 * /64 prefix, because one host (or one customer of a provider) is usually given a whole /64 and
 * could otherwise rotate through it.
 */
export function addressKey(address: string): string {
  // Every IPv6 form has a colon; an IPv4 address (most requests) is its own key.
  if (!address.includes(':')) return address;
  const plain = plainAddress(address);
  if (plain !== address || !isIPv6(address)) return plain;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** One `X-Forwarded-For` entry as a bare address: `[2001:db8::1]:443` and `192.0.2.1:80` lose the port. */
function hopAddress(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1] as string;
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return plainAddress(v4WithPort ? (v4WithPort[1] as string) : hop);
}

/**
 * The reverse proxies whose `X-Forwarded-For` is believed (`trustedProxies`: addresses and CIDR
 * ranges, IPv4 or IPv6). Without any, every request's client is its TCP peer, whatever it sends.
 */
export class TrustedProxies {
  readonly #blocks = new BlockList();
  readonly size: number;

  private constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', prefix, ...rest] = entry.split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? undefined : Number(prefix);
      const max = family === 6 ? 128 : 32;
      if (
        family === 0 ||
        rest.length > 0 ||
        (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= max))
      )
        throw new RangeError(`'${entry}' is not an IP address or a CIDR range`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#blocks.addAddress(address, type);
      else this.#blocks.addSubnet(address, bits, type);
    }
    this.size = entries.length;
  }

  /**
   * Reads a comma-separated list (`10.0.0.0/8, 192.0.2.7, fd00::/8`; empty: none).
   * @throws RangeError naming the first entry that is neither an address nor a CIDR range
   */
  static parse(list: string): TrustedProxies {
    return new TrustedProxies(
      list
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== ''),
    );
  }

  /** Whether `address` is one of the trusted proxies. */
  has(address: string): boolean {
    return this.#trusts(plainAddress(address));
  }

  /** {@link has} for an address already without its IPv4-mapped prefix. */
  #trusts(plain: string): boolean {
    const family = isIP(plain);
    return family !== 0 && this.#blocks.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client of a request from TCP peer `peer` carrying `forwardedFor`: the peer itself unless it
   * is trusted; else the `X-Forwarded-For` entries are read from the right (each proxy appends the
   * address it got the request from) past every trusted one, and the first that is not trusted is the
   * client. An entry that is not an address ends the walk at the last trusted hop, which is then
   * taken as the client (a proxy cannot vouch for what came before it); if every entry is trusted,
   * the leftmost is the client.
   */
  clientAddress(peer: string, forwardedFor: string | readonly string[] | undefined): string {
    const plainPeer = plainAddress(peer);
    if (this.size === 0 || forwardedFor === undefined || !this.#trusts(plainPeer)) return plainPeer;
    const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(','))
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    let client = plainPeer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hopAddress(hops[i] as string);
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.#trusts(hop)) return hop;
    }
    return client;
  }
}

/** Where a request's client address is kept once read (see {@link stampClientAddress}). */
const CLIENT_ADDRESS = Symbol('tether.clientAddress');
type Stamped = IncomingMessage & { [CLIENT_ADDRESS]?: string };

/**
 * Reads the client address of `req` once, as the server receives it (an HTTP request or a WebSocket
 * upgrade), so that every later reader ({@link clientAddressOf}) sees the same one. Nothing is kept
 * without trusted proxies: the peer's address is the answer then.
 */
export function stampClientAddress(req: IncomingMessage, proxies: TrustedProxies): void {
  if (proxies.size === 0) return;
  (req as Stamped)[CLIENT_ADDRESS] = proxies.clientAddress(
    req.socket.remoteAddress ?? '',
    req.headers['x-forwarded-for'],
  );
}

/** The client address of `req`: what {@link stampClientAddress} read, else its TCP peer's. */
export function clientAddressOf(req: IncomingMessage): string {
  return (req as Stamped)[CLIENT_ADDRESS] ?? req.socket.remoteAddress ?? '';
}
