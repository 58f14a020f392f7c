/**
 * The adapter between a realtime {@link Session} and the transport {@link Connection} under it.
 *
 * @packageDocumentation
 */
import { type CarrierMeter, NO_METERS } from '../observability/meters.ts';
import { encodeProtobufFrame, type OutboundMessage, type WireEncoder } from '../presence/outbound.ts';
import type { SessionCarrier, WireFormat } from '../session/session.ts';
import { type Connection, type FramingConnection, isFraming } from '../transport/connection.ts';

/**
 * A {@link SessionCarrier} over any transport connection: a `/ws` WebSocket (text frames for JSON,
 * binary frames for protobuf) or a GameMaker-framed TCP/WebSocket connection (one packet per envelope).
 *
 * Every {@link OutboundMessage} is encoded once per wire format and the bytes are shared: a push to
 * a thousand `/ws` sessions and a thousand GameMaker sessions encodes twice, not two thousand times.
 * That is only correct if every connection of one format encodes the same message to the same bytes,
 * so the format names the wire form (`json-text`, `protobuf`, `gm-packet`), never the connection.
 */
export class ConnectionCarrier implements SessionCarrier {
  readonly format: WireFormat;
  readonly #connection: Connection;
  readonly #encode: WireEncoder;
  readonly #meter: CarrierMeter;
  /**
   * Set when the connection writes complete frames (a WebSocket): the key under which a message's
   * frames of this format and frame kind are shared, and how they are made.
   */
  readonly #framing:
    | { readonly key: string; readonly frame: WireEncoder; readonly to: FramingConnection }
    | undefined;

  /**
   * @param connection - the transport connection (a `/ws` one sends text frames for `json-text`,
   *   binary frames for `protobuf`)
   * @param format - the wire format, shared by every connection that encodes the same way
   * @param meter - counts what is written (messages by type, bytes) for this connection's carrier
   */
  constructor(connection: Connection, format: WireFormat, meter: CarrierMeter = NO_METERS.carrier) {
    this.format = format;
    this.#connection = connection;
    this.#meter = meter;
    const encode: WireEncoder =
      format === 'protobuf'
        ? encodeProtobufFrame
        : (message) => {
            const frame = connection.encode(message.text);
            // Buffer.from is several times faster than TextEncoder for this, and `ws` sends a Buffer as is.
            return typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
          };
    this.#encode = encode;
    if (isFraming(connection)) {
      // The frame is built straight from the JSON text (or the UTF-8 it arrived as), without the
      // intermediate payload buffer; other formats frame their shared bytes (a protobuf reply's
      // bytes are taken when it is made, so they are framed as they were then).
      this.#framing = {
        key: `${format}+${connection.frameKind}`,
        frame:
          format === 'json-text'
            ? (message) => connection.frame(message.utf8 ?? message.text)
            : (message) => connection.frame(message.bytes(format, encode)),
        to: connection,
      };
    }
  }

  get remoteAddress(): string {
    return this.#connection.remoteAddress;
  }

  get bufferedBytes(): number {
    return this.#connection.bufferedBytes;
  }

  writeBatch(messages: readonly OutboundMessage[]): void {
    const framing = this.#framing;
    const frames = new Array<Uint8Array>(messages.length);
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const frame = framing
        ? message.bytes(framing.key, framing.frame)
        : message.bytes(this.format, this.#encode);
      frames[i] = frame;
      bytes += frame.byteLength;
      this.#meter.sent(message.type);
    }
    if (framing) {
      // Payload bytes, as for carriers whose frames are their payloads.
      for (const frame of frames) bytes -= framing.to.frameOverhead(frame);
      this.#meter.bytesOut.inc(bytes);
      framing.to.sendFramed(frames);
      return;
    }
    this.#meter.bytesOut.inc(bytes);
    this.#connection.sendFrames(frames);
  }

  close(code: number, reason: string): void {
    this.#connection.close(code, reason);
  }
}
