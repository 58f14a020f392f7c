/**
 * Incremental decoder for GameMaker data packets (`DEADC0DE 0000000C <len> <payload>`).
 *
 * @packageDocumentation
 */
import { CloseCode, ErrorCode, ProtocolError } from '../errors.ts';
import { assertMaxPayload, GM_DEFAULT_MAX_PAYLOAD, GM_HEADER_SIZE, readU32LE } from './wire.ts';

/** The fixed first 8 header bytes: the magic 0xDEADC0DE and the header size 12, little-endian. */
const HEADER_PREFIX = [0xde, 0xc0, 0xad, 0xde, 0x0c, 0x00, 0x00, 0x00] as const;

/**
 * First allocation for a payload that arrives in pieces. Growing from here by doubling (never past
 * the declared length) means a peer that announces a 4 MiB packet and then stalls costs us only
 * what it actually sent, not the 4 MiB it promised.
 */
const MIN_PARTIAL_CAPACITY = 16 * 1024;

/** Options for {@link GmPacketDecoder}. */
export interface GmPacketDecoderOptions {
  /** Largest accepted payload in bytes; default {@link GM_DEFAULT_MAX_PAYLOAD} (4 MiB). */
  maxPayload?: number;
}

/**
 * Validates the header bytes available so far (`avail` of them, from `offset`) and returns the
 * payload length once all 12 are present, or -1 before that. Checking byte by byte lets a peer that
 * is not speaking GM framing be rejected on its first wrong byte, and an oversized length be
 * rejected as soon as the header is complete, before any of the payload is buffered.
 */
function checkHeader(bytes: Uint8Array, offset: number, avail: number, maxPayload: number): number {
  const prefix = Math.min(avail, 8);
  for (let k = 0; k < prefix; k++) {
    if (bytes[offset + k] !== HEADER_PREFIX[k]) {
      if (k < 4) {
        throw new ProtocolError(
          ErrorCode.GM_BAD_MAGIC,
          'packet does not start with 0xDEADC0DE (raw data on a non-raw socket?)',
        );
      }
      const size = avail >= 8 ? String(readU32LE(bytes, offset + 4)) : 'not 12';
      throw new ProtocolError(ErrorCode.GM_BAD_HEADER_SIZE, `packet header size is ${size}, expected 12`);
    }
  }
  if (avail < GM_HEADER_SIZE) return -1;
  const len = readU32LE(bytes, offset + 8);
  if (len > maxPayload) {
    throw new ProtocolError(
      ErrorCode.GM_PAYLOAD_TOO_LARGE,
      `packet payload of ${len} bytes exceeds the limit of ${maxPayload}`,
      CloseCode.MESSAGE_TOO_BIG,
    );
  }
  return len;
}

/**
 * Packet decoder alone (used by both framers after the handshake, and for raw tests).
 *
 * Feed it stream chunks in order; it returns every payload completed by each chunk. Chunks may cut
 * anywhere or carry many packets. Design, for bounded memory and linear cost:
 * - Whole packets inside a chunk are returned as zero-copy `subarray` views of that chunk (the
 *   common case: one socket read or one WebSocket message holding exactly whole packets).
 * - Only the one packet still in progress is held: up to 12 header bytes plus its payload so far,
 *   in an array that grows by doubling up to the declared length. Nothing else is ever buffered,
 *   so there is no accumulation buffer to compact and no O(n^2) re-copying; `buffered` never
 *   exceeds 12 + maxPayload (in fact stays below 12 + declared length).
 * - A payload assembled across chunks is returned as that fresh array, which the caller owns.
 *
 * Returned views alias the chunk you passed: if you recycle chunk memory, copy payloads you keep.
 * After a {@link ProtocolError} the decoder is dead: it drops its buffers and rethrows that error.
 */
export class GmPacketDecoder {
  #maxPayload: number;
  /** Header bytes of the packet in progress (only when it arrived split). */
  readonly #header = new Uint8Array(GM_HEADER_SIZE);
  #headerHave = 0;
  /** Declared payload length of the packet in progress, valid once #headerHave is 12. */
  #payloadLen = 0;
  #payload: Uint8Array | null = null;
  #payloadHave = 0;
  #error: ProtocolError | null = null;

  /** @throws RangeError if `maxPayload` is not an integer in [0, 2^32) */
  constructor(opts: GmPacketDecoderOptions = {}) {
    const maxPayload = opts.maxPayload ?? GM_DEFAULT_MAX_PAYLOAD;
    assertMaxPayload(maxPayload);
    this.#maxPayload = maxPayload;
  }

  /** Bytes held waiting for the rest of a header or payload (bounded by 12 + maxPayload). */
  get buffered(): number {
    return this.#headerHave + this.#payloadHave;
  }

  /** The largest payload a header may announce now. */
  get maxPayload(): number {
    return this.#maxPayload;
  }

  /**
   * Changes the payload limit for headers completed from now on (a packet already announced keeps
   * its length). A server raises it once the peer has authenticated, so a stranger can never make it
   * hold a large packet.
   * @throws RangeError if `maxPayload` is not an integer in [0, 2^32)
   */
  setMaxPayload(maxPayload: number): void {
    assertMaxPayload(maxPayload);
    this.#maxPayload = maxPayload;
  }

  /**
   * Consumes `chunk` and returns the payloads it completed, in order. It fails fast: when a chunk
   * holds good packets followed by bad bytes it throws, and those packets are dropped with the
   * connection (which a protocol error ends anyway) rather than the error being deferred.
   * @throws ProtocolError `GM_BAD_MAGIC`, `GM_BAD_HEADER_SIZE` (close 1002) or
   *   `GM_PAYLOAD_TOO_LARGE` (close 1009); the decoder then stays failed
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#error) throw this.#error;
    try {
      return this.#push(chunk);
    } catch (err) {
      if (err instanceof ProtocolError) this.#fail(err);
      throw err;
    }
  }

  #push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const n = chunk.length;
    let i = 0;
    if (this.#headerHave > 0) {
      i = this.#continue(chunk, 0, out);
      // #continue either finished the pending packet or used up the whole chunk.
      if (this.#headerHave > 0) return out;
    }
    // Fast path: whole packets straight out of the chunk, no copies.
    while (n - i >= GM_HEADER_SIZE) {
      const len = checkHeader(chunk, i, GM_HEADER_SIZE, this.#maxPayload);
      const end = i + GM_HEADER_SIZE + len;
      if (end > n) break;
      out.push(chunk.subarray(i + GM_HEADER_SIZE, end));
      i = end;
    }
    if (i < n) this.#continue(chunk, i, out);
    return out;
  }

  /**
   * Feeds bytes from `chunk[i..]` into the packet in progress (starting one if none is). Returns the
   * index of the first unused byte: the packet completed there, or the chunk ran out first.
   */
  #continue(chunk: Uint8Array, i: number, out: Uint8Array[]): number {
    const n = chunk.length;
    if (this.#headerHave < GM_HEADER_SIZE) {
      const take = Math.min(GM_HEADER_SIZE - this.#headerHave, n - i);
      this.#header.set(chunk.subarray(i, i + take), this.#headerHave);
      this.#headerHave += take;
      i += take;
      const len = checkHeader(this.#header, 0, this.#headerHave, this.#maxPayload);
      if (len < 0) return i;
      this.#payloadLen = len;
    }
    const take = Math.min(this.#payloadLen - this.#payloadHave, n - i);
    if (take > 0) {
      this.#reserve(this.#payloadHave + take);
      this.#payload!.set(chunk.subarray(i, i + take), this.#payloadHave);
      this.#payloadHave += take;
      i += take;
    }
    if (this.#payloadHave === this.#payloadLen) {
      // Capacity never exceeds the declared length, so a finished payload fills its array exactly.
      out.push(this.#payload ?? new Uint8Array(0));
      this.#headerHave = 0;
      this.#payload = null;
      this.#payloadHave = 0;
      this.#payloadLen = 0;
    }
    return i;
  }

  /** Ensures room for `need` payload bytes: doubling, at least 16 KiB, at most the declared length. */
  #reserve(need: number): void {
    const cap = this.#payload?.length ?? 0;
    if (need <= cap) return;
    const next = new Uint8Array(Math.min(this.#payloadLen, Math.max(need, cap * 2, MIN_PARTIAL_CAPACITY)));
    if (this.#payload) next.set(this.#payload.subarray(0, this.#payloadHave));
    this.#payload = next;
  }

  #fail(err: ProtocolError): void {
    this.#error = err;
    this.#headerHave = 0;
    this.#payload = null;
    this.#payloadHave = 0;
  }
}
