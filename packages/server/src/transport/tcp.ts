/**
 * Raw TCP: a listener and a {@link Connection} over `node:net`. A TCP stream has no message
 * boundaries, so each received chunk is one "message"; wrap the connection in a
 * `GmFramedConnection` to get one message per GameMaker packet.
 *
 * @packageDocumentation
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { BaseConnection, type ConnectionOptions, type Frame, type MeteredConnection } from './connection.ts';
import { enableKeepAlive, keepAliveOnListener } from './keepalive.ts';
import { ProxiedAccept, type ProxyProtocolOptions } from './proxied-accept.ts';
import type { ProxiedPeer } from './proxy-protocol.ts';
import { TurnCork, TurnCorks } from './turn-cork.ts';

const utf8 = new TextEncoder();

/** A byte-stream connection over one TCP socket. */
export class TcpConnection extends BaseConnection implements MeteredConnection {
  readonly carrier = 'tcp' as const;
  readonly wireKind = 'bytes' as const;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #socket: Socket;
  readonly #cork: TurnCork;

  /** `client`: the peer a PROXY header named, when the socket's own peer is a proxy. */
  constructor(socket: Socket, opts: ConnectionOptions, client?: ProxiedPeer) {
    super(opts);
    this.#socket = socket;
    this.#cork = new TurnCork(socket, () => this.checkBackpressure(), opts.turnCorks);
    this.remoteAddress = client?.address ?? socket.remoteAddress ?? '';
    this.remotePort = client?.port ?? socket.remotePort ?? 0;
    socket.on('data', (chunk: Buffer) => this.#received(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // ECONNRESET and friends are the peer's business; 'close' follows and reports 1006.
      this.logger.debug({ err, connection: this.id }, 'tcp socket error');
    });
    socket.on('close', (hadError) => {
      this.finishClose({
        code: hadError ? 1006 : 1000,
        reason: hadError ? 'connection reset' : 'closed by peer',
      });
    });
  }

  #received(chunk: Buffer): void {
    this.countInbound(chunk.length);
    this.emitMessage(chunk, 'binary');
  }

  /** Delivers bytes read off the socket before this connection existed (after a PROXY header). */
  receivedEarlier(chunk: Buffer): void {
    if (chunk.length > 0 && this.open) this.#received(chunk);
  }

  /** Includes bytes written this turn that are still corked (they are counted, just not yet flushed). */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  encode(message: Uint8Array | string): Frame {
    return typeof message === 'string' ? utf8.encode(message) : message;
  }

  pauseReading(): void {
    this.#socket.pause();
  }

  sendFrames(frames: readonly Frame[]): boolean {
    if (!this.open || this.#socket.destroyed) return false;
    // Every write of this turn (one batch or one packet per call) stays corked until the turn ends,
    // then leaves in one syscall; the backpressure check runs after that flush.
    this.#cork.hold();
    let bytes = 0;
    for (const frame of frames) {
      const data = typeof frame === 'string' ? utf8.encode(frame) : frame;
      this.#socket.write(data);
      bytes += data.byteLength;
    }
    this.#cork.wrote(bytes);
    return true;
  }

  protected closeSocket(): void {
    // A stream has no close frame: code and reason stay local (GameMaker framing adds a notice packet).
    // What this turn wrote (a final packet, the close notice) goes out before the FIN.
    this.#cork.flush();
    this.#socket.end();
  }

  protected destroySocket(): void {
    this.#cork.drop();
    this.#socket.destroy();
  }
}

/** A bound listener. */
export interface Listener {
  /** The bound address (useful with port 0). */
  readonly address: AddressInfo;
  /** Stops accepting; resolves once the listening socket is closed and every accepted socket has ended. */
  close(): Promise<void>;
}

/** Options of {@link listenTcp}. */
export interface TcpListenOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Passed to every accepted connection. */
  readonly maxBufferedBytes?: number;
  readonly closeTimeoutMs?: number;
  /** Prefix of connection ids, e.g. `gm-tcp`. */
  readonly name?: string;
  /** Kernel TCP keepalive on each accepted socket after this much silence (ms; 0 or absent: off). */
  readonly keepAliveMs?: number;
  /** Every connection begins with a PROXY protocol header (absent: none is read). */
  readonly proxyProtocol?: ProxyProtocolOptions;
  /** Receives each accepted connection; attach handlers synchronously. */
  readonly onConnection: (connection: TcpConnection) => void;
}

/** Listens for TCP connections and wraps each one in a {@link TcpConnection}. */
export function listenTcp(opts: TcpListenOptions): Promise<Listener> {
  let seq = 0;
  const keepAliveMs = opts.keepAliveMs ?? 0;
  const server = createServer({ noDelay: true, allowHalfOpen: false });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      if (keepAliveMs > 0) keepAliveOnListener(server, keepAliveMs);
      const address = server.address() as AddressInfo;
      const name = opts.name ?? 'tcp';
      const turnCorks = new TurnCorks();
      const proxied = opts.proxyProtocol && new ProxiedAccept(opts.proxyProtocol, opts.logger);
      const accept = (socket: Socket, client?: ProxiedPeer, rest?: Buffer): void => {
        const connection = new TcpConnection(
          socket,
          {
            id: `${name}:${address.port}#${++seq}`,
            logger: opts.logger,
            maxBufferedBytes: opts.maxBufferedBytes,
            closeTimeoutMs: opts.closeTimeoutMs,
            turnCorks,
          },
          client,
        );
        try {
          opts.onConnection(connection);
        } catch (err) {
          opts.logger.error({ err, connection: connection.id }, 'connection handler threw');
          connection.terminate(1011, 'internal error');
          return;
        }
        if (rest) connection.receivedEarlier(rest);
      };
      server.on('error', (err) => opts.logger.error({ err, port: address.port }, 'tcp listener error'));
      server.on('connection', (socket) => {
        // Without a remote address the socket is already gone (reset before accept).
        if (!socket.remoteAddress) {
          socket.destroy();
          return;
        }
        if (keepAliveMs > 0) enableKeepAlive(socket, keepAliveMs);
        if (proxied) proxied.accept(socket, (client, rest) => accept(socket, client, rest));
        else accept(socket);
      });
      let closing: Promise<void> | undefined;
      resolve({
        address,
        close: () => {
          closing ??= new Promise((done) => server.close(() => done()));
          // Sockets still sending their PROXY header belong to no one who would close them.
          proxied?.closeAll();
          return closing;
        },
      });
    });
  });
}
