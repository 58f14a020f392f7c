/**
 * The PROXY protocol header (HAProxy's specification, versions 1 and 2) that a layer-4 proxy or load
 * balancer (HAProxy `send-proxy`, nginx `stream` with `proxy_protocol on`, AWS NLB, ...) writes at the
 * start of each TCP connection it opens to the server: the address and port of the client it
 * accepted. Pure: bytes in, a result out.
 *
 * Written here rather than taken from npm: the parser found there rejects the short form
 * `PROXY UNKNOWN\r\n` the specification requires receivers to accept, reads any text as an
 * address, ignores the version 2 length (so TLVs and the application's first bytes run together)
 * and throws values that are not `Error`s. What is needed is small: find where the header ends in a
 * stream, refuse what is malformed as early as possible, and read the source address.
 *
 * @packageDocumentation
 */
import { isIPv4, isIPv6, SocketAddress } from 'node:net';

/** Longest version 1 header, CRLF included (`PROXY UNKNOWN` with two IPv6 addresses and ports). */
export const PROXY_V1_MAX_BYTES = 107;
/**
 * Longest version 2 header accepted: the 16-byte fixed part and up to 1,024 bytes of addresses and
 * TLVs (AWS NLB adds a VPC endpoint id; nothing sends more than a few hundred bytes).
 */
export const PROXY_V2_MAX_BYTES = 16 + 1024;

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A malformed PROXY header (the connection is not from a proxy speaking the protocol). */
export class ProxyHeaderError extends Error {
  readonly code = 'PROXY_HEADER' as const;
}

/** The client a proxy connected on behalf of. */
export interface ProxiedPeer {
  /** Its address (IPv6 in the canonical compressed form). */
  readonly address: string;
  readonly port: number;
}

/** What the start of a connection holds. */
export type ProxyHeader =
  /** Not all of the header yet: read more bytes (the bytes so far are consistent with a header). */
  | { readonly complete: false }
  /**
   * The whole header, `length` bytes; `source` is the proxied client, absent when the header
   * carries none (version 1 `UNKNOWN`, version 2 `LOCAL` or an unspecified or UNIX family): the
   * connection's own peer stands then, as the specification says.
   */
  | { readonly complete: true; readonly length: number; readonly source?: ProxiedPeer };

/**
 * Reads the PROXY header at the start of `bytes` (what a connection has received so far).
 * @throws ProxyHeaderError as soon as the bytes cannot start a valid header, or it is too long
 */
export function readProxyHeader(bytes: Uint8Array): ProxyHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < V2_SIGNATURE.length ? INCOMPLETE : readV2(buf);
  if (startsLike(buf, V1_PREFIX)) return buf.length < V1_PREFIX.length ? INCOMPLETE : readV1(buf);
  throw new ProxyHeaderError('the connection does not start with a PROXY protocol header');
}

const INCOMPLETE: ProxyHeader = { complete: false };

/** Whether `buf` and `prefix` agree on their common length. */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

/** `PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n` or `PROXY UNKNOWN[ anything]\r\n`. */
function readV1(buf: Buffer): ProxyHeader {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end < 0) {
    if (buf.length >= PROXY_V1_MAX_BYTES)
      throw new ProxyHeaderError('PROXY header line longer than 107 bytes');
    return INCOMPLETE;
  }
  const length = end + 2;
  if (length > PROXY_V1_MAX_BYTES) throw new ProxyHeaderError('PROXY header line longer than 107 bytes');
  const fields = buf.toString('latin1', V1_PREFIX.length, end).split(' ');
  if (fields[0] === 'UNKNOWN') return { complete: true, length };
  const [family, source, destination, sourcePort, destinationPort, ...rest] = fields;
  const valid = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : undefined;
  if (!valid) throw new ProxyHeaderError(`PROXY header protocol '${family}' is not TCP4, TCP6 or UNKNOWN`);
  if (rest.length > 0 || !valid(source ?? '') || !valid(destination ?? ''))
    throw new ProxyHeaderError(`PROXY header addresses are not ${family} addresses`);
  const port = v1Port(sourcePort);
  if (port === undefined || v1Port(destinationPort) === undefined)
    throw new ProxyHeaderError('PROXY header ports are not 0-65535');
  return { complete: true, length, source: { address: canonical(source as string, family as string), port } };
}

/** A version 1 port: decimal, no leading zero, 0-65535. */
function v1Port(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** Version 2: signature, version and command, family and transport, length, addresses, TLVs. */
function readV2(buf: Buffer): ProxyHeader {
  if (buf.length < 16) {
    // The version and command byte is checked as soon as it is here.
    if (buf.length > 12) v2Command(buf[12] as number);
    return INCOMPLETE;
  }
  const command = v2Command(buf[12] as number);
  const family = (buf[13] as number) >> 4;
  const transport = (buf[13] as number) & 0x0f;
  const length = 16 + buf.readUInt16BE(14);
  if (length > PROXY_V2_MAX_BYTES)
    throw new ProxyHeaderError(`PROXY header of ${length} bytes (at most ${PROXY_V2_MAX_BYTES})`);
  if (family > 3 || transport > 2) throw new ProxyHeaderError('PROXY header family or transport unknown');
  if (buf.length < length) return INCOMPLETE;
  // LOCAL (a health check of the proxy's own) and the families without an IP address: the real
  // connection's endpoints stand. So does a datagram transport, which a TCP listener never carries.
  if (command === 'local' || family === 0 || family === 3 || transport !== 1)
    return { complete: true, length };
  const bytes = family === 1 ? 4 : 16;
  if (length < 16 + 2 * bytes + 4) throw new ProxyHeaderError('PROXY header shorter than its addresses');
  const raw = buf.subarray(16, 16 + bytes);
  const port = buf.readUInt16BE(16 + 2 * bytes);
  const address =
    family === 1
      ? Array.from(raw).join('.')
      : canonical(
          Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2).toString(16)).join(':'),
          'TCP6',
        );
  return { complete: true, length, source: { address, port } };
}

/** The command of a version 2 header's 13th byte (its version must be 2). */
function v2Command(byte: number): 'local' | 'proxy' {
  if (byte >> 4 !== 2) throw new ProxyHeaderError(`PROXY header version ${byte >> 4} (only 2 is binary)`);
  const command = byte & 0x0f;
  if (command > 1) throw new ProxyHeaderError(`PROXY header command ${command} unknown`);
  return command === 0 ? 'local' : 'proxy';
}

/** An address as Node writes a peer's (`::1`, not `0:0:0:0:0:0:0:1`), so limits key it alike. */
function canonical(address: string, family: string): string {
  return family === 'TCP6' ? new SocketAddress({ address, family: 'ipv6' }).address : address;
}
