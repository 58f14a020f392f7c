/**
 * How envelopes are written on a realtime connection: JSON text frames (Tether's default, and what
 * the GameMaker carriers carry) or Nakama's protobuf `Envelope` in binary frames (`format=protobuf`,
 * from `@tether/client/protobuf`, kept out of this module so the browser bundle does not carry the
 * protobuf library unless a game asks for it).
 *
 * @packageDocumentation
 */

import { type DecodedServerEnvelope, decodeServerEnvelope, decodeUtf8 } from '@tether/protocol';

/** Encodes what the SDK sends and decodes what the server sends, in one wire format. */
export interface EnvelopeCodec {
  /** The `format` query parameter of `/ws` (`json` or `protobuf`). */
  readonly format: 'json' | 'protobuf';
  /** True when envelopes travel in binary frames (the server then refuses text frames, and vice versa). */
  readonly binary: boolean;
  /** `{cid?, <type>: body}` to one frame. */
  encode(envelope: object): string | Uint8Array;
  /** One frame from the server; throws `RealtimeError` for one that cannot be read. */
  decode(frame: string | Uint8Array): DecodedServerEnvelope;
}

/** JSON envelopes in text frames. */
export const JSON_CODEC: EnvelopeCodec = Object.freeze({
  format: 'json',
  binary: false,
  encode: (envelope: object) => JSON.stringify(envelope),
  decode: (frame: string | Uint8Array) =>
    decodeServerEnvelope(typeof frame === 'string' ? frame : decodeUtf8(frame)),
});
