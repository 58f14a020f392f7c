/**
 * `@tether/client/protobuf`: the realtime socket over Nakama's binary format (`/ws?format=protobuf`,
 * one protobuf `Envelope` per binary frame; docs/protocol-protobuf.md). A separate entry point, so a
 * game that stays on JSON does not ship the protobuf library. Everything above the carrier (requests,
 * events, reconnect, Tether's server resume and re-joining) is the same as on JSON, and so are the
 * bodies the game sees.
 *
 * ```ts
 * import { createRealtimeSocket } from '@tether/client';
 * import { protobufWebSocketCarrier } from '@tether/client/protobuf';
 * const socket = createRealtimeSocket(client, session, { carrier: protobufWebSocketCarrier() });
 * ```
 *
 * @packageDocumentation
 */

import { decodeServerEnvelopePb, encodeClientEnvelopePb, encodeUtf8 } from '@tether/protocol';
import { type RealtimeCarrier, type WebSocketCarrierOptions, webSocketCarrier } from './realtime/carrier.ts';
import type { EnvelopeCodec } from './realtime/codec.ts';

export type { EnvelopeCodec } from './realtime/codec.ts';

/**
 * Nakama's protobuf `Envelope` in binary frames. Pass it as `codec` to a WebSocket carrier (for
 * example `nodeWebSocketCarrier({ codec: protobufCodec })` from `@tether/client/node`).
 */
export const protobufCodec: EnvelopeCodec = Object.freeze({
  format: 'protobuf',
  binary: true,
  encode: (envelope: object) => encodeClientEnvelopePb(envelope),
  // The carrier refuses text frames before they get here; a string is read as its UTF-8 bytes.
  decode: (frame: string | Uint8Array) =>
    decodeServerEnvelopePb(typeof frame === 'string' ? encodeUtf8(frame) : frame),
});

/** `/ws?format=protobuf` with the browser's (or a given) WebSocket: {@link protobufCodec} on `webSocketCarrier`. */
export function protobufWebSocketCarrier(
  options: Omit<WebSocketCarrierOptions, 'codec'> = {},
): RealtimeCarrier {
  return webSocketCarrier({ ...options, codec: protobufCodec });
}
