/**
 * What both processes of the echo benchmark share: the server ports message and reference A's
 * length-prefix framing.
 *
 * @packageDocumentation
 */

/** Where each echo server of `echo-server.ts` listens (all on 127.0.0.1). */
export interface EchoPorts {
  /** Reference A: plain `node:net`, u32 little-endian length prefix. */
  readonly net: number;
  /** Reference B: plain `ws`. */
  readonly ws: number;
  /** Tether network layer, GameMaker-framed TCP. */
  readonly gmTcp: number;
  /** Tether network layer, GameMaker-framed WebSocket. */
  readonly gmWs: number;
  /** Tether network layer, raw WebSocket. */
  readonly rawWs: number;
}

/** One reference A message: a u32 little-endian payload length, then the payload. */
export function lengthPrefixed(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.set(payload, 4);
  return frame;
}

/**
 * Splits a byte stream into u32-LE-length-prefixed messages, calling `onFrame` with each whole frame
 * (prefix included) as a view of the received bytes. Only an unfinished tail is kept between chunks.
 * Used by both ends of reference A.
 */
export class LengthPrefixParser {
  readonly #onFrame: (frame: Buffer) => void;
  #pending: Buffer | null = null;

  /** @param onFrame - receives each whole frame, prefix included; copy it to keep it */
  constructor(onFrame: (frame: Buffer) => void) {
    this.#onFrame = onFrame;
  }

  /** Feeds one received chunk. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    let i = 0;
    while (buf.length - i >= 4) {
      const end = i + 4 + buf.readUInt32LE(i);
      if (end > buf.length) break;
      this.#onFrame(buf.subarray(i, end));
      i = end;
    }
    if (i < buf.length) this.#pending = buf.subarray(i);
  }
}
