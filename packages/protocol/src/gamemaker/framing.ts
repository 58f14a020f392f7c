/**
 * GameMaker non-raw framing as pure, incremental state machines (sans-I/O).
 *
 * A framer never touches a socket: the transport feeds it received bytes and performs what it
 * returns (`send` bytes, announce `ready`, deliver `packet`s). That keeps the exact same code usable
 * over TCP, over WebSocket (where GameMaker sends the same bytes inside binary messages) and in
 * browsers, and makes every split/glue case testable with plain byte arrays.
 *
 * @packageDocumentation
 */
import { ErrorCode, ProtocolError } from '../errors.ts';
import { GmPacketDecoder } from './packet-decoder.ts';
import {
  assertGameId,
  encodeClientSignature,
  encodeServerAck,
  GM_HELLO,
  GM_SIGNATURE_SIZE,
  readU32LE,
} from './wire.ts';

export { GmPacketDecoder, type GmPacketDecoderOptions } from './packet-decoder.ts';
export {
  encodeClientSignature,
  encodeGmPacket,
  encodeServerAck,
  GM_CLIENT_MAGIC_1,
  GM_CLIENT_MAGIC_2,
  GM_DEFAULT_MAX_PAYLOAD,
  GM_HEADER_SIZE,
  GM_HELLO,
  GM_PACKET_MAGIC,
  GM_SERVER_MAGIC_1,
  GM_SERVER_MAGIC_2,
} from './wire.ts';

/** What a framer asks its caller to do. */
export type GmOutput =
  /** Write these bytes to the peer now. */
  | { type: 'send'; bytes: Uint8Array }
  /** Handshake complete (gameId 0 on the client side). */
  | { type: 'ready'; gameId: number }
  /** One complete framed payload (a copy, or a view of the chunk passed to `receive`). */
  | { type: 'packet'; payload: Uint8Array };

/** Options for {@link GmServerFramer}. */
export interface GmServerFramerOptions {
  /** Run the GameMaker handshake (hello, signature, ack) first; default true. */
  handshake?: boolean;
  /** Largest accepted payload in bytes; default 4 MiB, GameMaker's limit for accepted sockets. */
  maxPayload?: number;
}

/** Options for {@link GmClientFramer}. */
export interface GmClientFramerOptions {
  /** Expect the GameMaker handshake first; default true. */
  handshake?: boolean;
  /** Game id sent in the client signature; default 0 (what the HTML5 runtime sends). */
  gameId?: number;
  /** Largest accepted payload in bytes; default 4 MiB. */
  maxPayload?: number;
}

/** The 12 signature bytes a server checks (the 4 after them are the game id, any value). */
const SIGNATURE_PREFIX = encodeClientSignature(0).subarray(0, 12);
/** The exact ack bytes a client expects. */
const SERVER_ACK = encodeServerAck();

function badHandshake(what: string): ProtocolError {
  return new ProtocolError(ErrorCode.GM_BAD_HANDSHAKE, what);
}

/**
 * Compares `chunk[i..]` against `expected[have..]` and returns how many bytes matched in total.
 * Matching in place means handshake bytes are never copied, and a wrong byte fails immediately.
 */
function matchPrefix(chunk: Uint8Array, i: number, expected: Uint8Array, have: number, what: string): number {
  const take = Math.min(expected.length - have, chunk.length - i);
  for (let k = 0; k < take; k++) {
    if (chunk[i + k] !== expected[have + k]) throw badHandshake(`unexpected byte in the ${what}`);
  }
  return have + take;
}

/**
 * Server side of one connection. Incremental: chunks may split or glue anything.
 *
 * Flow: `start()` sends the hello; once the 16-byte client signature has arrived (only its first 12
 * bytes are checked, the last 4 are the signed game id) `receive` returns the ack to send, then
 * `ready`, then any packets that arrived glued to the signature.
 */
export class GmServerFramer {
  readonly #handshake: boolean;
  readonly #decoder: GmPacketDecoder;
  #state: 'awaiting-signature' | 'ready' | 'failed';
  /** Signature bytes received so far (the first 12 are only counted, never stored). */
  #sigHave = 0;
  readonly #gameIdBytes = new Uint8Array(4);
  #error: ProtocolError | null = null;

  /** @throws RangeError for an invalid `maxPayload` */
  constructor(opts: GmServerFramerOptions = {}) {
    this.#handshake = opts.handshake ?? true;
    this.#decoder = new GmPacketDecoder(opts.maxPayload === undefined ? {} : { maxPayload: opts.maxPayload });
    this.#state = this.#handshake ? 'awaiting-signature' : 'ready';
  }

  /** `awaiting-signature` until the handshake completes, then `ready`; `failed` after a throw. */
  get state(): 'awaiting-signature' | 'ready' | 'failed' {
    return this.#state;
  }

  /** Bytes held waiting for the rest of a signature, header or payload (bounded by 12 + maxPayload). */
  get buffered(): number {
    if (this.#state === 'awaiting-signature') return this.#sigHave;
    return this.#state === 'ready' ? this.#decoder.buffered : 0;
  }

  /**
   * Changes the payload limit for packet headers read from now on (see
   * {@link GmPacketDecoder.setMaxPayload}): small until the peer authenticates, then the full limit.
   * @throws RangeError for an invalid `maxPayload`
   */
  setMaxPayload(maxPayload: number): void {
    this.#decoder.setMaxPayload(maxPayload);
  }

  /** Call once right after accept/open: `[send GM_HELLO]` when handshaking, else `[ready 0]`. */
  start(): GmOutput[] {
    return this.#handshake ? [{ type: 'send', bytes: GM_HELLO }] : [{ type: 'ready', gameId: 0 }];
  }

  /**
   * Feeds received bytes.
   * @throws ProtocolError `GM_BAD_HANDSHAKE`, `GM_BAD_MAGIC`, `GM_BAD_HEADER_SIZE` (1002) or
   *   `GM_PAYLOAD_TOO_LARGE` (1009). After a throw the framer is dead and rethrows that error.
   */
  receive(chunk: Uint8Array): GmOutput[] {
    if (this.#error) throw this.#error;
    try {
      const out: GmOutput[] = [];
      let i = 0;
      if (this.#state === 'awaiting-signature') {
        i = this.#takeSignature(chunk);
        if (this.#sigHave < GM_SIGNATURE_SIZE) return out;
        this.#state = 'ready';
        const gameId = readU32LE(this.#gameIdBytes, 0) | 0;
        out.push({ type: 'send', bytes: encodeServerAck() }, { type: 'ready', gameId });
      }
      return deliver(this.#decoder, chunk, i, out);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.#error = err;
        this.#state = 'failed';
      }
      throw err;
    }
  }

  /** Consumes signature bytes from the start of `chunk`; returns how many it used. */
  #takeSignature(chunk: Uint8Array): number {
    let i = 0;
    if (this.#sigHave < SIGNATURE_PREFIX.length) {
      const have = matchPrefix(chunk, 0, SIGNATURE_PREFIX, this.#sigHave, 'client signature');
      i = have - this.#sigHave;
      this.#sigHave = have;
    }
    while (i < chunk.length && this.#sigHave < GM_SIGNATURE_SIZE) {
      this.#gameIdBytes[this.#sigHave - SIGNATURE_PREFIX.length] = chunk[i]!;
      this.#sigHave++;
      i++;
    }
    return i;
  }
}

/**
 * Client side: waits for GM_HELLO, sends the signature, waits for the ack, then decodes packets
 * (a packet glued to the ack, which the HTML5 runtime explicitly tolerates, is delivered).
 */
export class GmClientFramer {
  readonly #handshake: boolean;
  readonly #gameId: number;
  readonly #decoder: GmPacketDecoder;
  #state: 'awaiting-hello' | 'awaiting-ack' | 'ready' | 'failed';
  /** Handshake bytes matched so far in the current step (hello or ack). */
  #have = 0;
  #error: ProtocolError | null = null;

  /** @throws RangeError for an invalid `gameId` or `maxPayload` */
  constructor(opts: GmClientFramerOptions = {}) {
    this.#handshake = opts.handshake ?? true;
    this.#gameId = opts.gameId ?? 0;
    assertGameId(this.#gameId);
    this.#decoder = new GmPacketDecoder(opts.maxPayload === undefined ? {} : { maxPayload: opts.maxPayload });
    this.#state = this.#handshake ? 'awaiting-hello' : 'ready';
  }

  /** Handshake progress; `failed` after a throw. */
  get state(): 'awaiting-hello' | 'awaiting-ack' | 'ready' | 'failed' {
    return this.#state;
  }

  /** Bytes held waiting for the rest of a handshake step, header or payload. */
  get buffered(): number {
    if (this.#state === 'ready') return this.#decoder.buffered;
    return this.#state === 'failed' ? 0 : this.#have;
  }

  /** `[]` when handshaking (the server speaks first), `[ready 0]` otherwise. */
  start(): GmOutput[] {
    return this.#handshake ? [] : [{ type: 'ready', gameId: 0 }];
  }

  /**
   * Feeds received bytes; returns `send` (the signature), `ready` and `packet` outputs in order.
   * @throws ProtocolError as {@link GmServerFramer.receive}; the framer is then dead
   */
  receive(chunk: Uint8Array): GmOutput[] {
    if (this.#error) throw this.#error;
    try {
      const out: GmOutput[] = [];
      let i = 0;
      if (this.#state === 'awaiting-hello') {
        const have = matchPrefix(chunk, 0, GM_HELLO, this.#have, 'server hello');
        i = have - this.#have;
        this.#have = have;
        if (have < GM_HELLO.length) return out;
        this.#state = 'awaiting-ack';
        this.#have = 0;
        out.push({ type: 'send', bytes: encodeClientSignature(this.#gameId) });
      }
      if (this.#state === 'awaiting-ack') {
        const have = matchPrefix(chunk, i, SERVER_ACK, this.#have, 'server ack');
        i += have - this.#have;
        this.#have = have;
        if (have < SERVER_ACK.length) return out;
        this.#state = 'ready';
        this.#have = 0;
        out.push({ type: 'ready', gameId: 0 });
      }
      return deliver(this.#decoder, chunk, i, out);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.#error = err;
        this.#state = 'failed';
      }
      throw err;
    }
  }
}

/** Runs the rest of `chunk` (from `i`) through the decoder and appends the packets to `out`. */
function deliver(decoder: GmPacketDecoder, chunk: Uint8Array, i: number, out: GmOutput[]): GmOutput[] {
  if (i >= chunk.length) return out;
  for (const payload of decoder.push(i === 0 ? chunk : chunk.subarray(i))) {
    out.push({ type: 'packet', payload });
  }
  return out;
}
