/**
 * Opens the transport behind one `network_create_server` call: a TCP, WebSocket or UDP listener
 * with its admission gate. Keeps `network.ts` about ids and events only.
 *
 * @packageDocumentation
 */

import type { AddressInfo } from 'node:net';
import { GM_DEFAULT_MAX_PAYLOAD, GM_HEADER_SIZE } from '@tether/protocol';
import type { Logger } from 'pino';
import { AddressAdmission } from '../transport/admission.ts';
import type { Connection } from '../transport/connection.ts';
import { ConnectionGate } from '../transport/gate.ts';
import { type Listener, listenTcp } from '../transport/tcp.ts';
import { bindUdp, type UdpEndpoint, type UdpRemote } from '../transport/udp.ts';
import { listenWs } from '../transport/ws.ts';
import { NetworkError } from './errors.ts';
import type { NetworkServerOptions } from './types.ts';

/** A listening server as the network sees it. */
export interface OpenedServer {
  readonly address: AddressInfo;
  /** The UDP endpoint, for `udp` servers. */
  readonly udp: UdpEndpoint | null;
  /** Stops accepting, closes every client with `code`/`reason`, resolves once all are gone. */
  close(code: number, reason: string): Promise<void>;
}

/** Callbacks from the transport to the network. */
export interface OpenContext {
  readonly logger: Logger;
  /** Prefix for connection ids in logs. */
  readonly name: string;
  readonly onConnection: (connection: Connection) => void;
  readonly onDatagram: (data: Uint8Array, remote: UdpRemote) => void;
}

/** Checks options up front so mistakes fail with a typed error instead of a half-open server. */
export function validateOptions(o: NetworkServerOptions): void {
  const bad = (message: string) => new NetworkError('BAD_ARGUMENT', message);
  if (!['tcp', 'udp', 'ws', 'wss'].includes(o.type)) throw bad(`unknown server type ${String(o.type)}`);
  if (o.type === 'udp' && !o.raw) {
    throw new NetworkError(
      'UDP_FRAMED_UNSUPPORTED',
      "GameMaker's non-raw UDP header is undocumented; create the UDP server with raw: true and use sendUdp",
    );
  }
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
    throw bad(`port must be 0..65535, got ${o.port}`);
  }
  if (!Number.isInteger(o.maxClients) || o.maxClients < 1) throw bad('maxClients must be a positive integer');
  if (
    o.maxClientsPerAddress !== undefined &&
    (!Number.isInteger(o.maxClientsPerAddress) || o.maxClientsPerAddress < 1)
  ) {
    throw bad('maxClientsPerAddress must be a positive integer');
  }
  for (const key of [
    'maxMessageSize',
    'maxBufferedBytes',
    'handshakeTimeoutMs',
    'maxPacketsPerSecond',
  ] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw bad(`${key} must be a positive number`);
  }
  if (o.idleTimeoutMs !== undefined && !(o.idleTimeoutMs >= 0)) throw bad('idleTimeoutMs must be >= 0');
  if (o.type === 'wss' && !o.tls) throw bad('a wss server needs tls: { key, cert }');
}

/** Opens the listener for one server. */
export async function openServer(o: NetworkServerOptions, ctx: OpenContext): Promise<OpenedServer> {
  const host = o.host ?? '0.0.0.0';
  const port = o.port ?? 0;
  const maxMessageSize = o.maxMessageSize ?? GM_DEFAULT_MAX_PAYLOAD;
  try {
    if (o.type === 'udp') {
      const udp = await bindUdp({
        host,
        port,
        logger: ctx.logger,
        maxDatagramBytes: Math.min(maxMessageSize, 65507),
        onDatagram: ctx.onDatagram,
      });
      return { address: udp.address, udp, close: () => udp.close() };
    }
    const framed = !o.raw;
    const gate = new ConnectionGate({
      logger: ctx.logger,
      maxClients: o.maxClients,
      framed,
      maxPayload: maxMessageSize,
      handshakeTimeoutMs: o.handshakeTimeoutMs,
      maxPacketsPerSecond: o.maxPacketsPerSecond,
      closeNotice: false,
      ...(o.maxClientsPerAddress === undefined
        ? {}
        : {
            admission: new AddressAdmission({
              maxPerAddress: o.maxClientsPerAddress,
              maxUnauthenticatedPerAddress: 0,
              maxUnauthenticated: 0,
            }),
          }),
      onConnection: ctx.onConnection,
    });
    const common = {
      host,
      port,
      logger: ctx.logger,
      maxBufferedBytes: o.maxBufferedBytes,
      name: ctx.name,
      onConnection: (c: Connection) => gate.admit(c),
    };
    let listener: Listener;
    if (o.type === 'tcp') {
      listener = await listenTcp(common);
    } else {
      // A framed WebSocket message is one 12-byte header plus the payload.
      const maxPayload = framed ? maxMessageSize + GM_HEADER_SIZE : maxMessageSize;
      listener = await listenWs({ ...common, maxPayload, path: o.path, tls: o.tls });
    }
    return {
      address: listener.address,
      udp: null,
      async close(code, reason) {
        const stopped = listener.close();
        await gate.closeAll(code, reason);
        await stopped;
      },
    };
  } catch (err) {
    if (err instanceof NetworkError) throw err;
    throw new NetworkError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
