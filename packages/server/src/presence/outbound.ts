/**
 * One message on its way to any number of sessions. The JSON text is produced once, on first use,
 * and each carrier's byte form (UTF-8, a GameMaker packet, ...) is produced once per carrier kind and
 * shared by every recipient: a broadcast to 1,000 sessions encodes once, not 1,000 times.
 */
export class OutboundMessage {
  readonly #envelope: object;
  #text: string | undefined;
  readonly #encoded = new Map<string, Uint8Array>();

  constructor(envelope: object) {
    this.#envelope = envelope;
  }

  /** Wraps an already-encoded JSON text. */
  static fromText(text: string): OutboundMessage {
    const msg = new OutboundMessage({});
    msg.#text = text;
    return msg;
  }

  /** The envelope object (read-only by convention: it is shared by every recipient). */
  get envelope(): object {
    return this.#envelope;
  }

  /** The JSON text, encoded once. */
  get text(): string {
    this.#text ??= JSON.stringify(this.#envelope);
    return this.#text;
  }

  /**
   * The message as bytes for one kind of carrier, encoded once per `kind` (for example `'utf8'` or
   * `'gm-packet'`). `encode` receives the JSON text.
   */
  bytes(kind: string, encode: (text: string) => Uint8Array): Uint8Array {
    let out = this.#encoded.get(kind);
    if (!out) {
      out = encode(this.text);
      this.#encoded.set(kind, out);
    }
    return out;
  }
}
