/**
 * Connection-oriented socket (WebSocket or TCP) with GameMaker framing, a connect timeout, a heartbeat
 * and the bounded event queue. The carrier itself is injected as a {@link TransportFactory}, so this
 * module stays browser-safe.
 *
 * @packageDocumentation
 */

import {
  CloseCode,
  encodeGmPacket,
  GM_DEFAULT_MAX_PAYLOAD,
  GM_HEADER_SIZE,
  GmClientFramer,
  type GmOutput,
  ProtocolError,
} from '@tether/protocol';
import { NetworkSocket, type Payload, payloadBytes, type QueueOptions, type SendRawOptions } from './base.ts';
import { ClientError, ClientErrorCode, type SocketError, toSocketError } from './errors.ts';
import { type HeartbeatOptions, IdleWatchdog, validateHeartbeat } from './heartbeat.ts';
import { resolveTarget, validateWebSocketClose } from './target.ts';
import type { Transport, TransportFactory, TransportSink } from './transport.ts';

/** Default {@link StreamSocketOptions.connectTimeoutMs}: GameMaker's manual suggests ~4 s on the internet. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** Options shared by every connection-oriented socket. */
export interface StreamSocketOptions extends QueueOptions {
  /** Carrier. `tcp` needs `@tether/client/node`. */
  type: 'ws' | 'wss' | 'tcp';
  /**
   * false (default): GameMaker framing. The client waits for the server's `GM:Studio-Connect` hello,
   * answers with its signature, waits for the ack, and only then reports `succeeded: 1`; every packet
   * carries a 12-byte header. true: no handshake and no headers (GameMaker's `*_raw` functions).
   */
  raw?: boolean;
  /** Game id sent in the handshake signature (default 0, as the HTML5 runtime sends). */
  gameId?: number;
  /** Give up connecting (carrier + handshake) after this many ms (default 5000). */
  connectTimeoutMs?: number;
  /** Largest incoming packet / message payload in bytes (default 4 MiB, GameMaker's server-side limit). */
  maxMessageSize?: number;
  /** Detect dead peers; off by default. See {@link HeartbeatOptions}. */
  heartbeat?: HeartbeatOptions;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A WebSocket or TCP client socket. Create it with `createSocket()`. */
export class StreamSocket extends NetworkSocket {
  /** True when the socket sends and expects no GameMaker framing. */
  readonly raw: boolean;
  readonly #factory: TransportFactory;
  readonly #gameId: number;
  readonly #connectTimeoutMs: number;
  readonly #maxMessageSize: number;
  readonly #heartbeat: HeartbeatOptions | undefined;
  #framer: GmClientFramer | undefined;
  #transport: Transport | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: IdleWatchdog | undefined;

  /**
   * Prefer `createSocket()`, which picks the carrier.
   * @param options - socket options (validated here; bad values throw INVALID_ARGUMENT)
   * @param factory - opens the carrier connection
   */
  constructor(options: StreamSocketOptions, factory: TransportFactory) {
    super(options.type, options);
    this.raw = options.raw ?? false;
    this.#factory = factory;
    this.#gameId = options.gameId ?? 0;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#maxMessageSize = options.maxMessageSize ?? GM_DEFAULT_MAX_PAYLOAD;
    this.#heartbeat = options.heartbeat;
    if (!(this.#connectTimeoutMs > 0)) {
      throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, 'connectTimeoutMs must be > 0');
    }
    // The GameMaker header stores the length as a u32.
    if (
      !Number.isInteger(this.#maxMessageSize) ||
      this.#maxMessageSize < 1 ||
      this.#maxMessageSize >= 2 ** 32
    ) {
      throw new ClientError(
        ClientErrorCode.INVALID_ARGUMENT,
        'maxMessageSize must be an integer from 1 to 2^32-1',
      );
    }
    if (!Number.isInteger(this.#gameId) || this.#gameId < -(2 ** 31) || this.#gameId >= 2 ** 32) {
      throw new ClientError(
        ClientErrorCode.INVALID_ARGUMENT,
        `gameId must be a 32-bit integer, got ${this.#gameId}`,
      );
    }
    if (this.#heartbeat) validateHeartbeat(this.#heartbeat);
  }

  /**
   * Starts connecting and returns at once (GameMaker's `network_connect_async`). The outcome is one
   * `non_blocking_connect` event: `succeeded: 1` once the carrier is open and, unless raw, the
   * GameMaker handshake finished; `succeeded: 0` with `error` on refusal, timeout or handshake failure.
   * A socket connects once; create a new one to reconnect.
   *
   * @param urlOrHost - host / IP, or a WebSocket URL with optional path, e.g. `ws://127.0.0.1:7350/gm`
   * @param port - required for TCP; for WebSockets a non-zero port overrides the URL's
   */
  connect(urlOrHost: string, port?: number): void {
    if (this.state !== 'idle') {
      throw new ClientError(
        ClientErrorCode.INVALID_STATE,
        `connect() was already called (state ${this.state}); create a new socket to reconnect`,
      );
    }
    const target = resolveTarget(this.type, urlOrHost, port);
    const label = target.url ?? `${target.host}:${target.port}`;
    this.setRemote(target.host, target.port);
    this.setState('connecting');
    this.#framer = this.raw
      ? undefined
      : new GmClientFramer({ handshake: true, gameId: this.#gameId, maxPayload: this.#maxMessageSize });
    this.#connectTimer = setTimeout(() => {
      const waiting =
        this.state === 'handshaking'
          ? ' while waiting for the GameMaker handshake (is the server raw, or not a GameMaker server?)'
          : '';
      this.#fail(
        new ClientError(
          ClientErrorCode.CONNECT_TIMEOUT,
          `connect to ${label} timed out after ${this.#connectTimeoutMs} ms${waiting}`,
        ),
      );
    }, this.#connectTimeoutMs);
    try {
      this.#transport = this.#factory(target, this.#sink(label), {
        // A framed WebSocket message carries the 12-byte header on top of the payload.
        maxMessageSize: this.#maxMessageSize + (this.raw ? 0 : GM_HEADER_SIZE),
        keepAliveMs: this.#heartbeat?.intervalMs,
      });
    } catch (err) {
      this.#fail(
        toSocketError(err, ClientErrorCode.CONNECT_FAILED, `could not start connecting to ${label}`),
      );
    }
    // The factory may have failed synchronously through the sink; never leave a carrier running.
    if (this.isClosed()) this.#transport?.abort();
  }

  /**
   * Sends one GameMaker-framed packet (`network_send_packet`). Returns the bytes written including the
   * 12-byte header, like native GameMaker, or -1 (with `lastError()` set) when the socket is not open.
   * Throws UNSUPPORTED on a raw socket.
   *
   * @param data - payload bytes or a buffer (its used bytes)
   * @param size - send only the first `size` bytes, e.g. `buffer.tell()`
   */
  sendPacket(data: Payload, size?: number): number {
    if (this.raw) {
      throw new ClientError(
        ClientErrorCode.UNSUPPORTED,
        'sendPacket needs a framed socket (raw: false); use sendRaw',
      );
    }
    const frame = encodeGmPacket(payloadBytes(data, size));
    return this.#send(frame) ? frame.length : -1;
  }

  /**
   * Sends without GameMaker framing (`network_send_raw`). On WebSockets, strings go as text frames and
   * bytes as binary frames unless `options.text` says otherwise. Returns the bytes written (UTF-8 length
   * for text), or -1 when not open. On a framed socket only WebSocket text frames are allowed, since
   * anything else would corrupt the framing.
   */
  sendRaw(data: Payload | string, options: SendRawOptions = {}): number {
    const text = options.text ?? typeof data === 'string';
    const webSocket = this.type !== 'tcp';
    if (!this.raw && !(webSocket && text)) {
      throw new ClientError(
        ClientErrorCode.UNSUPPORTED,
        'sendRaw on a GameMaker-framed socket would corrupt the framing; create it with raw: true ' +
          '(text frames are allowed on framed WebSockets)',
      );
    }
    if (webSocket && text) {
      const str = typeof data === 'string' ? data : decoder.decode(payloadBytes(data, options.size));
      return this.#send(str) ? encoder.encode(str).length : -1;
    }
    // Copy: the carrier may still hold the bytes after we return, and games reuse their send buffers.
    const bytes = typeof data === 'string' ? encoder.encode(data) : payloadBytes(data, options.size).slice();
    return this.#send(bytes) ? bytes.length : -1;
  }

  /** Not available on connection sockets; throws UNSUPPORTED. */
  sendDatagram(_host: string, _port: number, _data: Payload): number {
    throw new ClientError(
      ClientErrorCode.UNSUPPORTED,
      `sendDatagram needs a udp socket, this one is ${this.type}`,
    );
  }

  /**
   * Closes the socket (GameMaker's `network_destroy`). When it was connected, a `disconnect` event with
   * this code and reason is queued at once; while connecting, the connect fails with CONNECT_ABORTED.
   *
   * @param code - WebSocket close code: 1000 or 3000-4999 (any integer for TCP, reported locally only)
   * @param reason - close reason, at most 123 UTF-8 bytes on WebSockets
   */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (this.type !== 'tcp') validateWebSocketClose(code, reason);
    switch (this.state) {
      case 'idle':
        this.setState('closed');
        return;
      case 'connecting':
      case 'handshaking':
        this.#fail(
          new ClientError(
            ClientErrorCode.CONNECT_ABORTED,
            'connect aborted: close() was called before it finished',
          ),
        );
        return;
      case 'open': {
        this.#stopTimers();
        const transport = this.#transport;
        this.emitDisconnect(code, reason, true);
        transport?.close(code, reason);
        return;
      }
      case 'closed':
        return;
    }
  }

  #send(data: Uint8Array | string): boolean {
    if (this.state !== 'open' || !this.#transport) {
      this.recordError(`cannot send: socket is ${this.state}, not open`);
      return false;
    }
    try {
      this.#transport.send(data);
      return true;
    } catch (err) {
      this.recordError(err instanceof Error && err.message ? err.message : 'send failed');
      return false;
    }
  }

  #sink(label: string): TransportSink {
    return {
      opened: (remote) => {
        if (this.state !== 'connecting') return;
        if (remote?.ip) this.setRemote(remote.ip, remote.port ?? 0);
        if (!this.#framer) {
          this.#becomeOpen();
          return;
        }
        this.setState('handshaking');
        this.#handle(this.#framer.start());
      },
      message: (data) => {
        if (this.state === 'closed') return;
        this.#watchdog?.touch();
        this.#receive(data);
      },
      alive: () => this.#watchdog?.touch(),
      closed: (code, reason, wasClean) => {
        if (this.state === 'open') {
          this.#stopTimers();
          this.emitDisconnect(code, reason, wasClean);
        } else if (this.state === 'connecting' || this.state === 'handshaking') {
          const stage = this.state === 'handshaking' ? 'the GameMaker handshake finished' : 'it opened';
          const detail = `code ${code}${reason ? `, reason "${reason}"` : ''}`;
          this.#fail(
            new ClientError(
              ClientErrorCode.CONNECT_FAILED,
              `${label} closed the connection before ${stage} (${detail})`,
              {
                closeCode: code,
              },
            ),
          );
        }
      },
      failed: (err) => {
        if (this.state === 'closed') return;
        const code = this.state === 'open' ? ClientErrorCode.CONNECTION_LOST : ClientErrorCode.CONNECT_FAILED;
        this.#fail(toSocketError(err, code, `connection to ${label} failed`));
      },
    };
  }

  #receive(data: Uint8Array | string): void {
    if (typeof data === 'string') {
      // Text frames are never GameMaker-framed; during the handshake they mean the peer is not a GM server.
      if (this.state !== 'open') {
        this.#fail(
          new ClientError(
            ClientErrorCode.CONNECT_FAILED,
            'received a text frame during the GameMaker handshake',
            {
              closeCode: CloseCode.PROTOCOL_ERROR,
            },
          ),
        );
        return;
      }
      const bytes = encoder.encode(data);
      if (this.#tooLarge(bytes.length) || this.emitData(bytes, data)) return;
      this.#overflow();
      return;
    }
    if (!this.#framer) {
      if (this.#transport?.messageOriented !== false && this.#tooLarge(data.length)) return;
      if (!this.emitData(data)) this.#overflow();
      return;
    }
    let outputs: GmOutput[];
    try {
      outputs = this.#framer.receive(data);
    } catch (err) {
      const fallback = 'GameMaker framing error';
      this.#fail(
        err instanceof ProtocolError ? err : toSocketError(err, ClientErrorCode.CONNECTION_LOST, fallback),
      );
      return;
    }
    this.#handle(outputs);
  }

  /** Applies framer outputs in order, so the connect event always precedes packets glued to the ack. */
  #handle(outputs: GmOutput[]): void {
    for (const output of outputs) {
      if (this.state === 'closed') return;
      if (output.type === 'send') this.#transport?.send(output.bytes);
      else if (output.type === 'ready') this.#becomeOpen();
      else if (!this.emitData(output.payload)) {
        this.#overflow();
        return;
      }
    }
  }

  #tooLarge(size: number): boolean {
    if (size <= this.#maxMessageSize) return false;
    this.#fail(
      new ClientError(
        ClientErrorCode.MESSAGE_TOO_LARGE,
        `received a ${size}-byte message, larger than maxMessageSize (${this.#maxMessageSize})`,
      ),
    );
    return true;
  }

  #overflow(): void {
    this.#fail(this.overflowError());
  }

  #becomeOpen(): void {
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.setState('open');
    this.emitConnected();
    if (this.#heartbeat) {
      this.#watchdog = new IdleWatchdog(
        this.#heartbeat,
        () => this.#transport?.ping?.(),
        (error) => this.#fail(error),
      );
    }
  }

  /** Ends the socket because of `error`: a failed connect before `open`, error + disconnect after. */
  #fail(error: SocketError): void {
    if (this.state === 'closed' || this.state === 'idle') return;
    this.#stopTimers();
    const transport = this.#transport;
    if (this.state === 'open') this.emitDisconnect(error.closeCode, error.message, false, error);
    else this.emitConnectFailed(error, error.closeCode);
    // The peer is gone or misbehaving: do not wait for a close handshake it may never answer.
    transport?.abort();
  }

  #stopTimers(): void {
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#watchdog?.stop();
    this.#watchdog = undefined;
  }
}
