/**
 * GameMaker non-raw framing over any byte carrier: the handshake (hello, signature, ack) and the
 * 12-byte packet header, on top of a raw TCP stream or a WebSocket (where GameMaker sends the very
 * same bytes inside binary messages). The result is a {@link Connection} with one message per
 * GameMaker packet, so code above it cannot tell GameMaker clients from WebSocket ones.
 *
 * @packageDocumentation
 */
import { encodeGmPacket, GM_DEFAULT_MAX_PAYLOAD, type GmOutput, GmServerFramer } from '@tether/protocol';
import type { Logger } from 'pino';
import { BaseConnection, type Connection, type Frame } from './connection.ts';
import { isCodedError, TransportError } from './errors.ts';
import { TokenBucket } from './rate-limit.ts';

/** Default time a new GameMaker connection has to finish the handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * Default packet budget per connection and second (also the burst). Generous for games (60 Hz
 * times a handful of packet types is a few hundred), low enough that one client cannot monopolise
 * the event loop with millions of empty packets.
 */
export const DEFAULT_MAX_PACKETS_PER_SECOND = 20_000;

const utf8 = new TextEncoder();

/**
 * The last packet sent on a GameMaker TCP connection that is closed with a reason, because a TCP
 * stream has no close frame: `{"error":{"code":<WebSocket close code>,"message":<reason>}}` as
 * UTF-8 JSON without a terminator.
 */
export function gmCloseNotice(code: number, reason: string): Uint8Array {
  return utf8.encode(JSON.stringify({ error: { code, message: reason } }));
}

/** Options of {@link GmFramedConnection}. */
export interface GmFramedOptions {
  readonly logger: Logger;
  /** Defaults to the wrapped connection's id with a `gm-` prefix. */
  readonly id?: string;
  /** Largest packet payload accepted; a header announcing more closes the connection (1009). */
  readonly maxPayload?: number;
  /** Run the GameMaker handshake first (default true). */
  readonly handshake?: boolean;
  /** A client that has not completed the handshake by then is cut off (`HANDSHAKE_TIMEOUT`). */
  readonly handshakeTimeoutMs?: number;
  /** Packets per second (and burst) before the connection is closed with `FLOOD`. */
  readonly maxPacketsPerSecond?: number;
  /** On an orderly close over TCP, first send {@link gmCloseNotice} so the client learns the reason. */
  readonly closeNotice?: boolean;
}

/** A GameMaker-framed connection on top of a raw TCP or WebSocket {@link Connection}. */
export class GmFramedConnection extends BaseConnection {
  readonly carrier: 'gm-tcp' | 'gm-ws';
  readonly wireKind = 'gm-packet' as const;
  readonly #inner: Connection;
  readonly #framer: GmServerFramer;
  readonly #handshakeTimeoutMs: number;
  readonly #bucket: TokenBucket;
  readonly #closeNotice: boolean;
  readonly #readyHandlers: ((gameId: number) => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ready = false;
  #started = false;
  #gameId = 0;

  constructor(inner: Connection, opts: GmFramedOptions) {
    super({ id: opts.id ?? `gm-${inner.id}`, logger: opts.logger });
    if (inner.carrier !== 'tcp' && inner.carrier !== 'ws')
      throw new TypeError(`cannot frame a ${inner.carrier} connection`);
    this.carrier = inner.carrier === 'tcp' ? 'gm-tcp' : 'gm-ws';
    this.#inner = inner;
    this.#framer = new GmServerFramer({
      handshake: opts.handshake ?? true,
      maxPayload: opts.maxPayload ?? GM_DEFAULT_MAX_PAYLOAD,
    });
    this.#handshakeTimeoutMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const rate = opts.maxPacketsPerSecond ?? DEFAULT_MAX_PACKETS_PER_SECOND;
    this.#bucket = new TokenBucket(rate, rate);
    this.#closeNotice = opts.closeNotice ?? false;
    inner.onMessage((data, kind) => this.#receive(data, kind));
    inner.onClose((info) => {
      clearTimeout(this.#timer);
      this.finishClose(info);
    });
  }

  get remoteAddress(): string {
    return this.#inner.remoteAddress;
  }

  get remotePort(): number {
    return this.#inner.remotePort;
  }

  get bufferedBytes(): number {
    return this.#inner.bufferedBytes;
  }

  /** True once the handshake has completed; packets can be sent from then on. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The game id from the client signature (0 from the HTML5 runtime, or without handshake). */
  get gameId(): number {
    return this.#gameId;
  }

  /**
   * Changes the largest payload a packet header may announce from now on: the gate keeps it small
   * until the client authenticates, then raises it to the carrier's limit.
   */
  setMaxPayload(maxPayload: number): void {
    this.#framer.setMaxPayload(maxPayload);
  }

  /** Called once when the handshake completes, before any packet that arrived with it is delivered. */
  onReady(handler: (gameId: number) => void): () => void {
    this.#readyHandlers.push(handler);
    return () => {
      const i = this.#readyHandlers.indexOf(handler);
      if (i >= 0) this.#readyHandlers.splice(i, 1);
    };
  }

  /** Sends the hello and starts the handshake timer. Attach `onReady`/`onMessage` handlers first. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#framer.state !== 'ready') {
      this.#timer = setTimeout(
        () => this.fail(new TransportError('HANDSHAKE_TIMEOUT')),
        this.#handshakeTimeoutMs,
      );
      this.#timer.unref();
    }
    this.#apply(this.#framer.start());
  }

  /** Strings are sent as their UTF-8 bytes (no terminator) inside one GameMaker packet. */
  encode(message: Uint8Array | string): Frame {
    return encodeGmPacket(typeof message === 'string' ? utf8.encode(message) : message);
  }

  /** Writes pre-encoded packets; over WebSocket each packet is one binary message. False before the handshake. */
  sendFrames(frames: readonly Frame[]): boolean {
    if (!this.open || !this.#ready) return false;
    return this.#inner.sendFrames(frames);
  }

  protected closeSocket(code: number, reason: string): void {
    if (this.#closeNotice && this.#ready && this.#inner.carrier === 'tcp') {
      this.#inner.sendFrames([this.encode(gmCloseNotice(code, reason))]);
    }
    this.#inner.close(code, reason);
  }

  protected destroySocket(): void {
    this.#inner.terminate();
  }

  #receive(data: Uint8Array, kind: 'binary' | 'text'): void {
    if (!this.open) return;
    if (kind === 'text') {
      this.fail(
        new TransportError('UNSUPPORTED_DATA', 'GameMaker framing expects binary WebSocket messages'),
      );
      return;
    }
    let outputs: GmOutput[];
    try {
      outputs = this.#framer.receive(data);
    } catch (err) {
      if (isCodedError(err)) {
        this.fail(err);
      } else {
        this.logger.error({ err, connection: this.id }, 'GameMaker framer failed unexpectedly');
        this.terminate(1011, 'internal error');
      }
      return;
    }
    this.#apply(outputs);
  }

  #apply(outputs: readonly GmOutput[]): void {
    for (const out of outputs) {
      if (!this.open) return;
      if (out.type === 'send') {
        this.#inner.sendFrames([out.bytes]);
      } else if (out.type === 'ready') {
        clearTimeout(this.#timer);
        this.#ready = true;
        this.#gameId = out.gameId;
        for (const handler of [...this.#readyHandlers]) {
          try {
            handler(out.gameId);
          } catch (err) {
            this.logger.error({ err, connection: this.id }, 'ready handler threw');
          }
        }
      } else {
        // Counting decoded packets (not chunks) is what catches 10k empty packets in one write.
        if (!this.#bucket.take()) {
          this.fail(new TransportError('FLOOD', 'more GameMaker packets per second than allowed'));
          return;
        }
        this.emitMessage(out.payload, 'binary');
      }
    }
  }
}
