/**
 * UDP datagrams over `node:dgram`. UDP has no connections, so this is an endpoint (receive from
 * anyone, send to anyone) rather than a {@link Connection}.
 *
 * @packageDocumentation
 */
import { createSocket, type Socket } from 'node:dgram';
import { type AddressInfo, isIPv6 } from 'node:net';
import type { Logger } from 'pino';

/** Where a datagram came from. */
export interface UdpRemote {
  readonly address: string;
  readonly port: number;
}

/** A bound UDP socket. */
export interface UdpEndpoint {
  readonly address: AddressInfo;
  /**
   * Sends one datagram. Fire-and-forget like UDP itself: failures (unreachable host, oversized
   * datagram) are logged, not thrown. Returns the number of bytes handed to the socket.
   */
  send(host: string, port: number, data: Uint8Array): number;
  /** Closes the socket; resolves once closed. */
  close(): Promise<void>;
}

/** Options of {@link bindUdp}. */
export interface UdpBindOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Datagrams above this size are dropped (logged at debug). Default 65507, the IPv4 maximum. */
  readonly maxDatagramBytes?: number;
  readonly onDatagram: (data: Uint8Array, remote: UdpRemote) => void;
}

/** Binds a UDP socket (IPv6 when `host` is an IPv6 address, else IPv4). */
export function bindUdp(opts: UdpBindOptions): Promise<UdpEndpoint> {
  const socket: Socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4', reuseAddr: false });
  const max = opts.maxDatagramBytes ?? 65507;
  socket.on('message', (msg, rinfo) => {
    if (msg.length > max) {
      opts.logger.debug(
        { size: msg.length, max, from: rinfo.address },
        'udp datagram over the size limit dropped',
      );
      return;
    }
    try {
      opts.onDatagram(msg, { address: rinfo.address, port: rinfo.port });
    } catch (err) {
      opts.logger.error({ err }, 'udp datagram handler threw');
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', reject);
      socket.on('error', (err) => opts.logger.warn({ err }, 'udp socket error'));
      let closing: Promise<void> | undefined;
      resolve({
        address: socket.address(),
        send(host, port, data) {
          if (closing) return -1;
          socket.send(data, port, host, (err) => {
            if (err) opts.logger.debug({ err, host, port }, 'udp send failed');
          });
          return data.length;
        },
        close() {
          closing ??= new Promise((done) => socket.close(() => done()));
          return closing;
        },
      });
    });
  });
}
