import { encodeEnvelopePb, RealtimeError, RealtimeErrorCode } from '@tether/protocol';

/**
 * Encodes one message to one wire format's bytes. It reads {@link OutboundMessage.text} (the JSON
 * formats) or {@link OutboundMessage.envelope} (protobuf); it must give the same bytes for the same
 * message on every connection of that format, since the result is shared.
 */
export type WireEncoder = (message: OutboundMessage) => Uint8Array;

/**
 * One message on its way to any number of sessions. The JSON text is produced once, on first use,
 * and each carrier's byte form (UTF-8, a GameMaker packet, a protobuf Envelope, ...) is produced once
 * per wire format and shared by every recipient: a broadcast to 1,000 sessions encodes once, not
 * 1,000 times, and a match mixing `/ws` JSON, `/ws` protobuf and GameMaker players encodes three times.
 */
export class OutboundMessage {
  #envelope: object | undefined;
  #text: string | undefined;
  #type: string | undefined;
  // Two slots cover the common cases (every recipient on one wire format, or a format and its
  // WebSocket frames) without allocating a Map per message; a third form adds the Map.
  #format: string | undefined;
  #bytes: Uint8Array | undefined;
  #format2: string | undefined;
  #bytes2: Uint8Array | undefined;
  #more: Map<string, Uint8Array> | undefined;
  /** The UTF-8 bytes this message was made from ({@link fromUtf8}), if so. */
  #utf8: Uint8Array | undefined;
  #utf8Length = -1;

  /** Writes the JSON text of {@link envelope} faster than `JSON.stringify` would, when first needed. */
  #textOf: (() => string) | undefined;
  /** Writes the protobuf Envelope from parts the caller keeps ({@link fromParts}). */
  #protobufOf: (() => Uint8Array) | undefined;

  /**
   * @param envelope - the JSON-shaped envelope (`{cid?, <type>: body}`), shared by every recipient
   * @param type - its message type when the caller knows it (saves the scan of {@link type})
   * @param textOf - gives exactly `JSON.stringify(envelope)`, built more cheaply (a hot message
   *   whose parts are already known as JSON); called at most once, only if some recipient needs text
   */
  constructor(envelope: object, type?: string, textOf?: () => string) {
    this.#envelope = envelope;
    this.#type = type;
    this.#textOf = textOf;
  }

  /**
   * Wraps an already-encoded JSON text. `type` names its envelope field (`rpc`, `error`...; metrics
   * count sent messages by it), since the text is not parsed again to find it.
   */
  static fromText(text: string, type: string): OutboundMessage {
    const msg = new OutboundMessage(EMPTY, type);
    msg.#envelope = undefined;
    msg.#text = text;
    return msg;
  }

  /**
   * A message whose wire forms its caller writes from parts it keeps (a relayed `match_data`: the
   * sender's pieces, the op code and the payload). `textOf` must give exactly the JSON text of the
   * envelope and `protobufOf` (when given; else the generic encoder runs on the parsed envelope) exactly what
   * `encodeEnvelopePb` gives for it; each runs at most once,
   * only if some recipient needs that form. The envelope object is parsed from the text only if
   * something asks for it.
   */
  static fromParts(
    type: string,
    textOf: () => string,
    protobufOf: (() => Uint8Array) | undefined,
  ): OutboundMessage {
    const msg = new OutboundMessage(EMPTY, type, textOf);
    msg.#envelope = undefined;
    msg.#protobufOf = protobufOf;
    return msg;
  }

  /** The writer of the protobuf form given to {@link fromParts}, if any. */
  get protobufOf(): (() => Uint8Array) | undefined {
    return this.#protobufOf;
  }

  /**
   * Wraps a JSON text already encoded as UTF-8 bytes in wire format `format` (one whose bytes are
   * exactly the text's UTF-8, such as `json-text`): those bytes are shared as they are, and the text
   * is decoded only if another format asks for it. A message that crossed the cluster bus arrives so.
   */
  static fromUtf8(format: string, bytes: Uint8Array, type: string): OutboundMessage {
    const msg = new OutboundMessage(EMPTY, type);
    msg.#envelope = undefined;
    msg.#format = format;
    msg.#bytes = bytes;
    msg.#utf8 = bytes;
    return msg;
  }

  /** The envelope's message type: its first field other than `cid`, found once (`unknown` if none). */
  get type(): string {
    if (this.#type === undefined) {
      this.#type = 'unknown';
      for (const key in this.envelope) {
        if (key === 'cid') continue;
        this.#type = key;
        break;
      }
    }
    return this.#type;
  }

  /**
   * The envelope object (read-only by convention: it is shared by every recipient). A message made
   * from its text ({@link fromText}, {@link fromUtf8}) parses the text once, on first use.
   */
  get envelope(): object {
    this.#envelope ??= JSON.parse(this.text) as object;
    return this.#envelope;
  }

  /** The JSON text, encoded once. */
  get text(): string {
    if (this.#text === undefined) {
      const utf8 = this.#utf8;
      this.#text = utf8
        ? Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength).toString('utf8')
        : this.#textOf
          ? this.#textOf()
          : JSON.stringify(this.#envelope);
      this.#textOf = undefined;
    }
    return this.#text;
  }

  /** The UTF-8 bytes of the JSON text when the message was made from them ({@link fromUtf8}). */
  get utf8(): Uint8Array | undefined {
    return this.#utf8;
  }

  /** Bytes of the JSON text in UTF-8, computed once (resume buffers are bounded by it). */
  get utf8Length(): number {
    if (this.#utf8Length < 0)
      this.#utf8Length = this.#utf8 ? this.#utf8.byteLength : Buffer.byteLength(this.text, 'utf8');
    return this.#utf8Length;
  }

  /**
   * The message as bytes in one wire format, encoded once per `format` (`'json-text'`, `'gm-packet'`,
   * `'protobuf'`): `encode` runs on the first call for a format, later calls share its result.
   */
  bytes(format: string, encode: WireEncoder): Uint8Array {
    if (this.#format === format) return this.#bytes!;
    if (this.#format2 === format) return this.#bytes2!;
    let out = this.#more?.get(format);
    if (out) return out;
    // An encoder may ask for another format first (WebSocket frames of the protobuf bytes), so the
    // free slot is chosen after it ran.
    out = encode(this);
    if (this.#format === undefined) {
      this.#format = format;
      this.#bytes = out;
    } else if (this.#format2 === undefined) {
      this.#format2 = format;
      this.#bytes2 = out;
    } else {
      this.#more ??= new Map();
      this.#more.set(format, out);
    }
    return out;
  }
}

/** Placeholder envelope of messages made from their text (replaced before anyone reads it). */
const EMPTY: object = Object.freeze({});

/**
 * The `protobuf` wire format's encoder: the message's own protobuf writer when it has one
 * ({@link OutboundMessage.fromParts}), else the envelope as a serialized Nakama `Envelope` (legacy `Party`
 * numbering, the one nakama-js-protobuf reads; see docs/protocol-protobuf.md). An envelope with no
 * protobuf form (a Tether-only message) is a server bug; the client then gets a RUNTIME_EXCEPTION
 * error with the message's cid instead, so a pending request fails at once rather than timing out.
 */
export const encodeProtobufFrame: WireEncoder = (message) => {
  const own = message.protobufOf;
  if (own) return own();
  const envelope = message.envelope;
  try {
    return encodeEnvelopePb(envelope);
  } catch (err) {
    const cid = (envelope as { cid?: unknown }).cid;
    const error =
      err instanceof RealtimeError
        ? err
        : new RealtimeError(RealtimeErrorCode.RUNTIME_EXCEPTION, 'Cannot encode envelope as protobuf');
    return encodeEnvelopePb({ cid: typeof cid === 'string' ? cid : undefined, error: error.toWire() });
  }
};
