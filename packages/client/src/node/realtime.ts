/**
 * Node carriers of the realtime socket: WebSocket through the `ws` package (Node 20 has no global
 * `WebSocket`) and GameMaker TCP.
 *
 * @packageDocumentation
 */

import WebSocket from 'ws';
import { type RealtimeCarrier, webSocketCarrier } from '../realtime/carrier.ts';
import type { EnvelopeCodec } from '../realtime/codec.ts';
import { gameMakerCarrier, gameMakerWebSocketCarrier } from '../realtime/gm-carrier.ts';
import { tcpTransport } from './tcp.ts';

/** Creates `ws` sockets that enforce the incoming size limit themselves (`maxPayload`). */
const createWs = (url: string, maxMessageSize: number): object =>
  new WebSocket(url, { maxPayload: maxMessageSize });

/**
 * `/ws` over the `ws` package: the default carrier of `createRealtimeSocket` in Node. `codec`:
 * `protobufCodec` from `@tether/client/protobuf` for `format=protobuf` (JSON by default).
 */
export function nodeWebSocketCarrier(options: { codec?: EnvelopeCodec } = {}): RealtimeCarrier {
  return webSocketCarrier({ create: createWs, ...(options.codec ? { codec: options.codec } : {}) });
}

/** GameMaker framing over WebSocket at `/gm`, with the `ws` package. */
export function nodeGameMakerWebSocketCarrier(): RealtimeCarrier {
  return gameMakerWebSocketCarrier({ create: createWs });
}

/**
 * GameMaker framing over TCP on the server's `--gm-port` (default 7353): handshake, 12-byte packet
 * headers, and `authenticate` as the first envelope. Close codes arrive in the server's close notice.
 *
 * @param options - `port`: the GameMaker TCP port; `gameId`: sent in the handshake
 */
export function gameMakerTcpCarrier(options: { port?: number; gameId?: number } = {}): RealtimeCarrier {
  return gameMakerCarrier({
    transport: tcpTransport,
    kind: 'tcp',
    port: options.port,
    gameId: options.gameId,
  });
}
