/**
 * The one connection abstraction of the transport layer. A raw TCP stream, a WebSocket and a
 * GameMaker-framed connection (over TCP or WebSocket) all present themselves as MESSAGES through
 * {@link Connection}, so the session layer can run the same envelope protocol over any of them
 * without knowing which.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { type CodedError, closeReasonOf, TransportError } from './errors.ts';
import type { TurnCorks } from './turn-cork.ts';

/** How a message travelled: WebSocket binary or text frame. Streams and GameMaker packets are always binary. */
export type MessageKind = 'binary' | 'text';

/**
 * What carries the connection. `tcp` is a raw byte stream (a "message" is whatever chunk arrived);
 * `ws` is a plain WebSocket; `gm-tcp` / `gm-ws` deliver one message per GameMaker packet.
 */
export type Carrier = 'tcp' | 'ws' | 'gm-tcp' | 'gm-ws';

/**
 * Names the byte form {@link Connection.encode} produces. Connections with the same wire kind can
 * share one encoded frame, which is what makes a broadcast encode once instead of once per peer.
 */
export type WireKind = 'bytes' | 'ws-frame' | 'gm-packet';

/** One message in a connection's wire form: bytes, or (WebSocket only) a string sent as a text frame. */
export type Frame = Uint8Array | string;

/** How a connection ended. */
export interface CloseInfo {
  /** WebSocket close code; streams report 1000 for an orderly end and 1006 for a reset. */
  readonly code: number;
  readonly reason: string;
  /** True when the other side (or the network) ended it, false when this side called close. */
  readonly byPeer: boolean;
  /** The typed error that caused a local close (`ProtocolError` or `TransportError`), if any. */
  readonly error?: CodedError;
}

/** Receives every inbound message in order. */
export type MessageHandler = (data: Uint8Array, kind: MessageKind) => void;
/** Called exactly once when the connection is closed, whoever closed it. */
export type CloseHandler = (info: CloseInfo) => void;

/** A message-oriented connection, whatever carries it. */
export interface Connection {
  /** Unique within the process, for logs (`gm-tcp:7353#12`). */
  readonly id: string;
  readonly carrier: Carrier;
  readonly wireKind: WireKind;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Bytes accepted for sending but not yet handed to the kernel (`writableLength` / `bufferedAmount`). */
  readonly bufferedBytes: number;
  /** False once closing has started. */
  readonly open: boolean;
  /** Resolves once the connection is fully closed. Never rejects. */
  readonly closed: Promise<CloseInfo>;
  /** Sends one message. A string becomes a WebSocket text frame where the carrier has one, else UTF-8 bytes. Returns false when closed. */
  send(message: Uint8Array | string): boolean;
  /** Encodes one message to this connection's wire form, to share it between connections of the same {@link WireKind}. */
  encode(message: Uint8Array | string): Frame;
  /** Writes already-encoded frames in order, in as few writes as the carrier allows. Returns false when closed. */
  sendFrames(frames: readonly Frame[]): boolean;
  /** Orderly close: the peer gets `code`/`reason` where the carrier can carry them. Idempotent. */
  close(code?: number, reason?: string): void;
  /** Immediate close without flushing (used when the peer cannot take more). Idempotent. */
  terminate(code?: number, reason?: string): void;
  /** Closes because of a typed error: its `closeCode` and reason go to the peer, and it appears in {@link CloseInfo.error}. */
  fail(error: CodedError, immediate?: boolean): void;
  /** Adds a message handler; returns a function that removes it. */
  onMessage(handler: MessageHandler): () => void;
  /** Adds a close handler (called at once if already closed); returns a function that removes it. */
  onClose(handler: CloseHandler): () => void;
}

/**
 * A connection straight over a socket (TCP, or a WebSocket's upgraded socket) that reports the bytes
 * it reads as they arrive, before any parsing or buffering above the socket, and can stop reading.
 * Admission uses it to hold a stranger to a small byte budget until it authenticates.
 */
export interface MeteredConnection extends Connection {
  /** Adds a handler called with the size of every chunk read from the socket; returns its remover. */
  onInboundBytes(handler: (bytes: number) => void): () => void;
  /** Stops reading from the socket (what the peer still sends stays in the kernel); used when closing on abuse. */
  pauseReading(): void;
}

/**
 * A connection that can build complete wire frames (a WebSocket: header and payload in one buffer)
 * and write them as they are. Frames of one {@link frameKind} are the same bytes on every connection
 * of that kind, so a broadcast frames once and each recipient's write is a plain socket write.
 */
export interface FramingConnection extends Connection {
  /** Names the frames {@link frame} makes; connections of one kind can share them. */
  readonly frameKind: string;
  /** One message as a complete frame of this connection's kind. */
  frame(payload: Uint8Array | string): Uint8Array;
  /** Bytes of `frame` (made by {@link frame}) that are not its payload: its header. */
  frameOverhead(frame: Uint8Array): number;
  /** Writes frames made by {@link frame} (of this kind) in order; false when closed. */
  sendFramed(frames: readonly Uint8Array[]): boolean;
}

/** True for connections that implement {@link FramingConnection}. */
export function isFraming(connection: Connection): connection is FramingConnection {
  return typeof (connection as Partial<FramingConnection>).sendFramed === 'function';
}

/** True for connections that implement {@link MeteredConnection}. */
export function isMetered(connection: Connection): connection is MeteredConnection {
  return typeof (connection as Partial<MeteredConnection>).onInboundBytes === 'function';
}

/** Options every concrete connection shares. */
export interface ConnectionOptions {
  readonly id: string;
  /** Handler exceptions are logged here, never rethrown into socket callbacks (that would crash the process). */
  readonly logger: Logger;
  /** Outbound bytes allowed to pile up before the peer is judged a slow consumer and cut off. */
  readonly maxBufferedBytes?: number;
  /** After an orderly close, how long to wait for the peer before forcing the socket shut. */
  readonly closeTimeoutMs?: number;
  /** The end-of-turn flush shared by the listener's connections (see {@link TurnCorks}). */
  readonly turnCorks?: TurnCorks;
}

/** Default outbound limit: a peer that is 1 MiB behind is not reading. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Default wait for an orderly close before the socket is destroyed. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

/** WebSocket close reasons are limited to 123 bytes of UTF-8; longer ones make `ws` throw. */
export function truncateReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let out = reason.slice(0, 123);
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

/**
 * Shared bookkeeping for concrete connections: handler lists, the once-only close (with a timeout
 * that escalates an orderly close to a forced one), the `closed` promise and the handler-exception
 * guard. Subclasses implement the two socket actions and report events through protected methods.
 */
export abstract class BaseConnection implements Connection {
  readonly id: string;
  abstract readonly carrier: Carrier;
  abstract readonly wireKind: WireKind;
  abstract readonly remoteAddress: string;
  abstract readonly remotePort: number;
  abstract readonly bufferedBytes: number;
  protected readonly logger: Logger;
  readonly #closeTimeoutMs: number;
  readonly #maxBufferedBytes: number;
  // One handler each is the rule (the session's): held as it is, an array only from the second on.
  #messageHandlers: Handlers<MessageHandler> = undefined;
  #closeHandlers: Handlers<CloseHandler> = undefined;
  #inboundHandlers: Handlers<(bytes: number) => void> = undefined;
  /** {@link closed}, made when first asked for: most connections never are (a promise and its resolver per idle socket). */
  #closed: Promise<CloseInfo> | undefined = undefined;
  #resolveClosed: ((info: CloseInfo) => void) | undefined = undefined;
  #local: { code: number; reason: string; error?: CodedError } | undefined;
  #final: CloseInfo | undefined;
  #closeStarted = false;
  #terminated = false;
  #closeTimer: NodeJS.Timeout | undefined;

  protected constructor(opts: ConnectionOptions) {
    this.id = opts.id;
    this.logger = opts.logger;
    this.#closeTimeoutMs = opts.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.#maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  /** Resolves once the connection is fully closed. Never rejects. */
  get closed(): Promise<CloseInfo> {
    if (this.#closed === undefined) {
      const final = this.#final;
      this.#closed = final
        ? Promise.resolve(final)
        : new Promise((resolve) => {
            this.#resolveClosed = resolve;
          });
    }
    return this.#closed;
  }

  get open(): boolean {
    return this.#local === undefined && this.#final === undefined;
  }

  abstract encode(message: Uint8Array | string): Frame;
  abstract sendFrames(frames: readonly Frame[]): boolean;
  /** Starts an orderly close of the underlying socket (called at most once). */
  protected abstract closeSocket(code: number, reason: string): void;
  /** Destroys the underlying socket now (called at most once). */
  protected abstract destroySocket(): void;

  send(message: Uint8Array | string): boolean {
    return this.sendFrames([this.encode(message)]);
  }

  close(code = 1000, reason = ''): void {
    this.#requestClose({ code, reason }, false);
  }

  terminate(code = 1006, reason = ''): void {
    this.#requestClose({ code, reason }, true);
  }

  /**
   * Closes because of a typed error (`ProtocolError` or `TransportError`); the error's close code and
   * reason go to the peer and `error` appears in {@link CloseInfo}, where the owner logs its code.
   */
  fail(error: CodedError, immediate = false): void {
    this.#requestClose({ code: error.closeCode, reason: closeReasonOf(error), error }, immediate);
  }

  onMessage(handler: MessageHandler): () => void {
    this.#messageHandlers = addHandler(this.#messageHandlers, handler);
    return () => {
      this.#messageHandlers = removeHandler(this.#messageHandlers, handler);
    };
  }

  /** See {@link MeteredConnection.onInboundBytes}; only socket-level subclasses report bytes. */
  onInboundBytes(handler: (bytes: number) => void): () => void {
    if (this.#inboundHandlers === undefined) this.meterInbound();
    this.#inboundHandlers = addHandler(this.#inboundHandlers, handler);
    return () => {
      this.#inboundHandlers = removeHandler(this.#inboundHandlers, handler);
    };
  }

  /**
   * Called when the first {@link onInboundBytes} handler is added: a subclass that has to listen to
   * its socket to count bytes starts here, so connections nobody meters pay nothing.
   */
  protected meterInbound(): void {}

  onClose(handler: CloseHandler): () => void {
    if (this.#final) {
      this.#callClose(handler, this.#final);
      return () => {};
    }
    this.#closeHandlers = addHandler(this.#closeHandlers, handler);
    return () => {
      this.#closeHandlers = removeHandler(this.#closeHandlers, handler);
    };
  }

  /** The first close request fixes code and reason; a later `terminate` may still escalate it. */
  #requestClose(local: { code: number; reason: string; error?: CodedError }, immediate: boolean): void {
    if (this.#final || this.#terminated) return;
    this.#local ??= { ...local, reason: truncateReason(local.reason) };
    const { code, reason } = this.#local;
    if (immediate) {
      this.#terminated = true;
      this.destroySocket();
      return;
    }
    if (this.#closeStarted) return;
    this.#closeStarted = true;
    this.closeSocket(code, reason);
    // A peer that never finishes the close must not hold the socket (or shutdown) forever.
    if (!this.#final) {
      this.#closeTimer = setTimeout(() => this.terminate(), this.#closeTimeoutMs);
      this.#closeTimer.unref();
    }
  }

  /**
   * Outbound policy, called after every write: memory per peer is bounded by `maxBufferedBytes`.
   * A peer past it is not reading; it is cut off at once (an orderly close would only queue behind
   * the data it is not reading) and its close reports `SLOW_CONSUMER`.
   */
  protected checkBackpressure(): void {
    if (this.open && this.bufferedBytes > this.#maxBufferedBytes) {
      this.fail(
        new TransportError(
          'SLOW_CONSUMER',
          `outbound buffer ${this.bufferedBytes} bytes exceeds ${this.#maxBufferedBytes}`,
        ),
        true,
      );
    }
  }

  /** Reports `bytes` read from the socket to the {@link onInboundBytes} handlers (before parsing). */
  protected countInbound(bytes: number): void {
    const handlers = this.#inboundHandlers;
    if (typeof handlers === 'function') handlers(bytes);
    else if (handlers) for (const handler of [...handlers]) handler(bytes);
  }

  /** Delivers one inbound message to every handler; drops it once closing has started. */
  protected emitMessage(data: Uint8Array, kind: MessageKind): void {
    if (!this.open) return;
    const handlers = this.#messageHandlers;
    if (handlers === undefined) return;
    // The common case, one handler (the session's), without copying a list for every message.
    if (typeof handlers === 'function') {
      try {
        handlers(data, kind);
      } catch (err) {
        this.logger.error({ err, connection: this.id }, 'message handler threw; connection kept open');
      }
      return;
    }
    for (const handler of [...handlers]) {
      try {
        handler(data, kind);
      } catch (err) {
        this.logger.error({ err, connection: this.id }, 'message handler threw; connection kept open');
      }
      if (!this.open) return;
    }
  }

  /**
   * Called by subclasses when the underlying socket is gone. A local close's code and reason take
   * precedence over what the socket reports (ws reports the peer's echo, or 1006 after a forced close).
   * Wrappers pass `byPeer: false` when the connection they wrap closed itself (e.g. slow consumer).
   */
  protected finishClose(peer: { code: number; reason: string; byPeer?: boolean; error?: CodedError }): void {
    if (this.#final) return;
    clearTimeout(this.#closeTimer);
    const local = this.#local;
    const info: CloseInfo = local
      ? {
          code: local.code,
          reason: local.reason,
          byPeer: false,
          ...(local.error ? { error: local.error } : {}),
        }
      : {
          code: peer.code,
          reason: peer.reason,
          byPeer: peer.byPeer ?? true,
          ...(peer.error ? { error: peer.error } : {}),
        };
    this.#final = info;
    this.#messageHandlers = undefined;
    this.#inboundHandlers = undefined;
    const handlers = handlerList(this.#closeHandlers);
    this.#closeHandlers = undefined;
    for (const handler of handlers) this.#callClose(handler, info);
    this.#resolveClosed?.(info);
    this.#resolveClosed = undefined;
  }

  #callClose(handler: CloseHandler, info: CloseInfo): void {
    try {
      handler(info);
    } catch (err) {
      this.logger.error({ err, connection: this.id }, 'close handler threw');
    }
  }
}

/**
 * Handlers of one event: none, one held as it is, or an array from the second on. Connections
 * nearly always have exactly one of each, and an array per list (with its backing store) cost
 * about 180 bytes per connection and event.
 */
export type Handlers<H extends (...args: never[]) => unknown> = H | H[] | undefined;

/** `handlers` with `handler` added (the same array when it already is one). */
export function addHandler<H extends (...args: never[]) => unknown>(
  handlers: Handlers<H>,
  handler: H,
): Handlers<H> {
  if (handlers === undefined) return handler;
  if (typeof handlers === 'function') return [handlers, handler];
  handlers.push(handler);
  return handlers;
}

/** `handlers` without one occurrence of `handler`. */
export function removeHandler<H extends (...args: never[]) => unknown>(
  handlers: Handlers<H>,
  handler: H,
): Handlers<H> {
  if (handlers === handler) return undefined;
  if (typeof handlers !== 'object') return handlers;
  const i = handlers.indexOf(handler);
  if (i >= 0) handlers.splice(i, 1);
  return handlers.length === 0 ? undefined : handlers.length === 1 ? handlers[0] : handlers;
}

/** A copy of `handlers` as a list, safe to iterate while handlers add or remove themselves. */
export function handlerList<H extends (...args: never[]) => unknown>(handlers: Handlers<H>): readonly H[] {
  if (handlers === undefined) return [];
  return typeof handlers === 'function' ? [handlers] : [...handlers];
}
