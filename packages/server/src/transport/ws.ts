/**
 * WebSocket transport on the `ws` package: a {@link Connection} per WebSocket, an acceptor that
 * attaches to any HTTP server through `handleUpgrade` (the main server's `/gm` path), and a
 * stand-alone listener (ws, or wss with a key and certificate) on its own port.
 *
 * @packageDocumentation
 */
import { isUtf8 } from 'node:buffer';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { clientAddressOf } from '../shared/client-address.ts';
import {
  BaseConnection,
  type ConnectionOptions,
  type Frame,
  type FramingConnection,
  type MeteredConnection,
} from './connection.ts';
import { TransportError } from './errors.ts';
import { enableKeepAlive, keepAliveOnListener } from './keepalive.ts';
import type { Listener } from './tcp.ts';
import { TurnCork, TurnCorks } from './turn-cork.ts';

/** Options of {@link WsConnection} on top of the common ones. */
export interface WsConnectionOptions extends ConnectionOptions {
  /**
   * Send every frame as a text frame, and make {@link WsConnection.encode} return UTF-8 bytes. A
   * text protocol (the realtime JSON socket) then encodes a broadcast to bytes once and shares them
   * between recipients instead of letting `ws` convert the same string once per peer.
   */
  readonly textFrames?: boolean;
}

/** One WebSocket. Binary messages arrive as `binary`, text messages as their UTF-8 bytes with kind `text`. */
export class WsConnection extends BaseConnection implements MeteredConnection, FramingConnection {
  readonly carrier = 'ws' as const;
  readonly wireKind = 'ws-frame' as const;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  readonly #cork: TurnCork;
  readonly #textFrames: boolean;
  /** Told of every pong (and ping) from the peer: usually one target, the session's heartbeat. */
  #alive: PongTarget | PongTarget[] | undefined = undefined;

  /** @param socket - the upgraded TCP/TLS socket under `ws`, corked for the rest of a turn once written to */
  constructor(
    ws: WebSocket,
    socket: Duplex,
    remote: { address: string; port: number },
    opts: WsConnectionOptions,
  ) {
    super(opts);
    this.#ws = ws;
    this.#socket = socket;
    this.#cork = new TurnCork(socket, () => this.checkBackpressure(), opts.turnCorks);
    this.#textFrames = opts.textFrames ?? false;
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    // One listener function per event for every connection (they find theirs on the socket), not
    // four closures per connection: they were a tenth of an idle socket's heap.
    (ws as TetherWebSocket)[CONNECTION] = this;
    ws.on('message', WsConnection.#onWsMessage);
    // A pong (answer to our ping) or a ping from the peer proves it is alive without a message.
    ws.on('pong', WsConnection.#onWsAlive);
    ws.on('ping', WsConnection.#onWsAlive);
    ws.on('error', WsConnection.#onWsError);
    ws.on('close', WsConnection.#onWsClose);
  }

  static readonly #onWsMessage = function (this: WebSocket, data: RawData, isBinary: boolean): void {
    const connection = (this as TetherWebSocket)[CONNECTION];
    const bytes = toBytes(data);
    // `ws` runs with its own check off (it would close 1007 without a reason): this one names it.
    if (!isBinary && !isUtf8(bytes)) connection.fail(new TransportError('INVALID_UTF8'));
    else connection.emitMessage(bytes, isBinary ? 'binary' : 'text');
  };

  static readonly #onWsAlive = function (this: WebSocket): void {
    const alive = (this as TetherWebSocket)[CONNECTION].#alive;
    if (alive === undefined) return;
    if (!Array.isArray(alive)) alive.touch();
    else for (const target of [...alive]) target.touch();
  };

  static readonly #onWsError = function (this: WebSocket, err: Error & { code?: string }): void {
    const connection = (this as TetherWebSocket)[CONNECTION];
    // `ws` has already started closing with the right code (1009, 1002...); record why.
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      connection.fail(new TransportError('MESSAGE_TOO_BIG', err.message, { cause: err }));
    } else {
      connection.logger.debug({ err, connection: connection.id }, 'websocket error');
    }
  };

  static readonly #onWsClose = function (this: WebSocket, code: number, reason: Buffer): void {
    (this as TetherWebSocket)[CONNECTION].finishClose({
      code,
      reason: reason.toString() || (code === 1006 ? 'connection lost' : ''),
    });
  };

  /** Includes frames written this turn that are still corked. */
  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  encode(message: Uint8Array | string): Frame {
    // A Buffer rather than TextEncoder's plain Uint8Array: `ws` sends a Buffer as it is, but wraps
    // any other view in a new Buffer on every send, which for a broadcast is once per recipient.
    return this.#textFrames && typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  }

  /** The opcode this connection's {@link frame}s carry: every connection of one kind can share them. */
  get frameKind(): WsFrameKind {
    return this.#textFrames ? 'ws-text' : 'ws-binary';
  }

  /**
   * One message as a complete WebSocket frame (header and payload in one Buffer), to be shared by
   * every connection of the same {@link frameKind} and written with {@link sendFramed}.
   */
  frame(payload: Uint8Array | string): Buffer {
    return wsFrame(payload, this.#textFrames ? OPCODE_TEXT : OPCODE_BINARY);
  }

  frameOverhead(frame: Uint8Array): number {
    return wsFrameHeaderLength(frame);
  }

  /**
   * Writes frames made by {@link frame} (of this connection's {@link frameKind}) in order: each is
   * written to the socket as it is, one write per frame instead of `ws.send`'s header and payload
   * writes and per-call allocations, which for a broadcast is once per recipient. Only while `ws`'s
   * sender writes its own frames straight to the socket too (its idle state: no compression or
   * Blob in progress, which this server never uses) so frames can never interleave out of order;
   * otherwise each payload goes through `ws.send`. Returns false when the connection is not open.
   */
  sendFramed(frames: readonly Uint8Array[]): boolean {
    if (!this.open || this.#ws.readyState !== WebSocket.OPEN) return false;
    this.#cork.hold();
    const direct = (this.#ws as unknown as WsInternals)._sender?._state === SENDER_IDLE;
    let bytes = 0;
    for (const frame of frames) {
      if (direct) this.#socket.write(frame);
      else this.#ws.send(wsFramePayload(frame), { binary: !this.#textFrames });
      bytes += frame.byteLength;
    }
    this.#cork.wrote(bytes);
    return true;
  }

  sendFrames(frames: readonly Frame[]): boolean {
    if (!this.open || this.#ws.readyState !== WebSocket.OPEN) return false;
    // Every frame of this turn stays corked until the turn ends, then leaves in one write; the
    // backpressure check runs after that flush.
    this.#cork.hold();
    let bytes = 0;
    for (const frame of frames) {
      this.#ws.send(frame, { binary: !this.#textFrames && typeof frame !== 'string' });
      bytes += typeof frame === 'string' ? frame.length : frame.byteLength;
    }
    this.#cork.wrote(bytes);
    return true;
  }

  pauseReading(): void {
    this.#socket.pause();
  }

  protected override meterInbound(): void {
    // Raw bytes as they arrive, before `ws` assembles them into frames and messages (it has already
    // taken each chunk when this listener runs, so what it holds is bounded by what was counted).
    this.#socket.on('data', (chunk: Buffer) => this.countInbound(chunk.length));
  }

  /**
   * Sends a WebSocket protocol ping; browsers and `ws` answer it with a pong on their own, which
   * {@link onPong} reports. Returns false when the connection is not open.
   */
  ping(): boolean {
    if (!this.open || this.#ws.readyState !== WebSocket.OPEN) return false;
    // The same two bytes every time, written as they are while `ws`'s sender writes its own frames
    // straight to the socket too (as sendFramed does): no frame header, options object or corked
    // pair of writes per ping. A server pings every idle socket every period, so this is most of
    // an idle server's work.
    if ((this.#ws as unknown as WsInternals)._sender?._state === SENDER_IDLE) this.#socket.write(PING_FRAME);
    else this.#ws.ping();
    return true;
  }

  /**
   * Calls `target.touch()` on every pong (and every ping) from the peer; returns its remover. A
   * target rather than a function, so a watcher needs no closure per connection.
   */
  onPong(target: PongTarget): () => void {
    const alive = this.#alive;
    if (alive === undefined) this.#alive = target;
    else if (Array.isArray(alive)) alive.push(target);
    else this.#alive = [alive, target];
    return () => {
      const now = this.#alive;
      if (now === target) this.#alive = undefined;
      else if (Array.isArray(now)) {
        const i = now.indexOf(target);
        if (i >= 0) now.splice(i, 1);
      }
    };
  }

  protected closeSocket(code: number, reason: string): void {
    // Frames written this turn go out before the close frame.
    this.#cork.flush();
    try {
      this.#ws.close(code, reason);
    } catch {
      // Codes such as 1005/1006 cannot be sent in a close frame: fall back to a hard close.
      this.#ws.terminate();
    }
  }

  protected destroySocket(): void {
    this.#cork.drop();
    this.#ws.terminate();
  }
}

/** What {@link WsConnection.onPong} tells of each pong: `touch()` (a heartbeat). */
export interface PongTarget {
  touch(): void;
}

/** Where a `ws` WebSocket keeps its {@link WsConnection}, for the listeners all connections share. */
const CONNECTION = Symbol('tether.WsConnection');
type TetherWebSocket = WebSocket & { [CONNECTION]: WsConnection };

/**
 * A server's ping: final, opcode 9, unmasked, no payload (RFC 6455 §5.5.2). Never written to: the
 * same bytes go to every socket.
 */
const PING_FRAME: Buffer = Buffer.from([0x89, 0x00]);

/** The two kinds of frame {@link WsConnection.frame} makes (server frames: unmasked, uncompressed, final). */
export type WsFrameKind = 'ws-text' | 'ws-binary';

const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
/** `ws`'s Sender state in which it writes each frame to the socket at once (its `DEFAULT`). */
const SENDER_IDLE = 0;

/** What {@link WsConnection.sendFramed} reads of `ws`'s internals (ws 8). */
interface WsInternals {
  readonly _sender?: { readonly _state?: number };
}

/**
 * A complete unmasked, uncompressed, final WebSocket frame (RFC 6455 §5.2) of `payload` (a string is
 * written as UTF-8), header and payload in one Buffer: the bytes `ws` would write for it.
 */
export function wsFrame(payload: Uint8Array | string, opcode: number): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | opcode;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  if (typeof payload === 'string') frame.write(payload, header, 'utf8');
  else frame.set(payload, header);
  return frame;
}

/** Header length of an unmasked frame made by {@link wsFrame}. */
export function wsFrameHeaderLength(frame: Uint8Array): number {
  const code = frame[1]! & 0x7f;
  return code < 126 ? 2 : code === 126 ? 4 : 10;
}

/** The payload of a frame made by {@link wsFrame} (a view, no copy). */
export function wsFramePayload(frame: Uint8Array): Uint8Array {
  return frame.subarray(wsFrameHeaderLength(frame));
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Options of {@link WsAcceptor}. */
export interface WsAcceptorOptions {
  readonly logger: Logger;
  /** Largest WebSocket message accepted; bigger ones close the socket with 1009. */
  readonly maxPayload: number;
  readonly maxBufferedBytes?: number;
  readonly closeTimeoutMs?: number;
  /** Prefix of connection ids, e.g. `gm-ws`. */
  readonly name?: string;
  /** Every frame sent is a text frame (see {@link WsConnectionOptions.textFrames}). */
  readonly textFrames?: boolean;
  /** Kernel TCP keepalive on each accepted socket after this much silence (ms; 0 or absent: off). */
  readonly keepAliveMs?: number;
  /** Receives each accepted connection; attach handlers synchronously. */
  readonly onConnection: (connection: WsConnection, req: IncomingMessage) => void;
}

/**
 * Accepts WebSocket upgrades handed to it by an HTTP server (`noServer` mode), so several paths of
 * one HTTP server can each have their own acceptor and limits.
 */
export class WsAcceptor {
  readonly #wss: WebSocketServer;
  readonly #opts: WsAcceptorOptions;
  readonly #corks = new TurnCorks();
  #seq = 0;
  #closed = false;

  constructor(opts: WsAcceptorOptions) {
    this.#opts = opts;
    // clientTracking off: the owner tracks connections (with limits); compression off: CPU and
    // memory per socket matter more than bandwidth for small game messages.
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: opts.maxPayload,
      // Text frames are checked in WsConnection instead, with the same validator (buffer.isUtf8),
      // so the 1007 close carries CloseReason.INVALID_UTF8.
      skipUTF8Validation: true,
    });
  }

  /**
   * Guards a socket during its upgrade. One function for every upgrade, removed once `ws` has the
   * socket: a closure per upgrade would share the upgrade callback's scope and keep the request
   * (and its headers) alive for the socket's whole life.
   */
  readonly #onUpgradeError = (err: Error): void => {
    this.#opts.logger.debug({ err }, 'upgrade socket error');
  };

  /** Completes one upgrade. Suitable as an `upgrade` handler for one path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.on('error', this.#onUpgradeError);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // `ws` handles the socket's errors from here on.
      socket.off('error', this.#onUpgradeError);
      if (this.#opts.keepAliveMs) enableKeepAlive(socket, this.#opts.keepAliveMs);
      const remote = { address: clientAddressOf(req), port: req.socket.remotePort ?? 0 };
      const connection = new WsConnection(ws, socket, remote, {
        id: `${this.#opts.name ?? 'ws'}#${++this.#seq}`,
        logger: this.#opts.logger,
        maxBufferedBytes: this.#opts.maxBufferedBytes,
        closeTimeoutMs: this.#opts.closeTimeoutMs,
        textFrames: this.#opts.textFrames,
        turnCorks: this.#corks,
      });
      try {
        this.#opts.onConnection(connection, req);
      } catch (err) {
        this.#opts.logger.error({ err, connection: connection.id }, 'connection handler threw');
        connection.terminate(1011, 'internal error');
      }
    });
  }

  /** Refuses further upgrades (503). Existing connections are the owner's to close. */
  close(): void {
    this.#closed = true;
  }
}

/** Options of {@link listenWs}. */
export interface WsListenOptions extends WsAcceptorOptions {
  readonly host: string;
  readonly port: number;
  /** Only upgrades to this path are accepted (others get 404); any path when absent. */
  readonly path?: string;
  /** PEM key and certificate: listen as `wss`. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/** A WebSocket (or secure WebSocket) listener on its own port. Plain HTTP requests get 426. */
export function listenWs(opts: WsListenOptions): Promise<Listener> {
  const acceptor = new WsAcceptor(opts);
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    res
      .writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' })
      .end('WebSocket upgrade required\n');
  };
  const server = opts.tls
    ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest)
    : createHttpServer(onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (opts.path !== undefined && path !== opts.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    acceptor.handleUpgrade(req, socket, head);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      if (opts.keepAliveMs) keepAliveOnListener(server, opts.keepAliveMs);
      const address = server.address() as AddressInfo;
      server.on('error', (err) => opts.logger.error({ err, port: address.port }, 'ws listener error'));
      let closing: Promise<void> | undefined;
      resolve({
        address,
        close: () => {
          acceptor.close();
          closing ??= new Promise((done) => server.close(() => done()));
          return closing;
        },
      });
    });
  });
}
