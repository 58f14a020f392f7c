/**
 * TCP carrier (`node:net`) for GameMaker's `network_socket_tcp`, framed or raw.
 *
 * @packageDocumentation
 */

import { connect } from 'node:net';
import { CloseCode } from '@tether/protocol';
import type { TransportFactory } from '../transport.ts';

/**
 * Opens a TCP connection. TCP has no close codes, so an orderly end by the server (FIN) is reported as
 * 1000 "connection closed by the server"; a reset or other socket error goes through `sink.failed`
 * with Node's message (e.g. "read ECONNRESET").
 */
export const tcpTransport: TransportFactory = (target, sink, options) => {
  const socket = connect({ host: target.host, port: target.port });
  // Game packets are small and latency-sensitive; Nagle's algorithm would hold them back for tens of ms.
  socket.setNoDelay(true);
  socket.once('connect', () => {
    // Kernel keepalive probes make a half-dead connection fail eventually even when the game sends
    // nothing; the socket's own idle watchdog is what turns silence into a prompt disconnect.
    if (options.keepAliveMs) socket.setKeepAlive(true, options.keepAliveMs);
    sink.opened({ ip: socket.remoteAddress, port: socket.remotePort });
  });
  socket.on('data', (chunk: Buffer) => sink.message(chunk));
  socket.on('error', (error) => sink.failed(error));
  socket.on('close', (hadError) => {
    if (!hadError) sink.closed(CloseCode.NORMAL, 'connection closed by the server', true);
  });
  return {
    messageOriented: false,
    send: (data) => {
      socket.write(data);
    },
    close: () => {
      // Flush what the game already sent, then release the socket without waiting for the server's FIN.
      socket.destroySoon();
    },
    abort: () => {
      // A reset, not an orderly end: the server then treats the connection as broken (and can hold a
      // resumable session for a resume) rather than closed by the client.
      if (socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    },
  };
};
