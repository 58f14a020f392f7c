/**
 * GameMaker's `network_*` model for server modules written in TypeScript: small integer socket
 * ids, one event stream shaped like `async_load`, and send functions that take a socket id.
 *
 * @packageDocumentation
 */
import { GmBuffer } from '@tether/protocol';
import type { Logger } from 'pino';
import type { Connection } from '../transport/connection.ts';
import { NetworkError } from './errors.ts';
import { EventQueue } from './event-queue.ts';
import { type OpenedServer, openServer, validateOptions } from './listeners.ts';
import { IdPool } from './socket-ids.ts';
import { SocketTimeouts } from './timeouts.ts';
import type {
  NetworkEvent,
  NetworkEventHandler,
  NetworkServerInfo,
  NetworkServerOptions,
  Sendable,
} from './types.ts';

/** Dependencies of a {@link Network}. */
export interface NetworkDeps {
  readonly logger: Logger;
  /**
   * Enables `poll()` with a queue of at most this many events (see {@link EventQueue} for the
   * overflow policy). Absent: events go to `onEvent` handlers only.
   */
  readonly queueLimit?: number;
}

interface ServerEntry extends NetworkServerInfo {
  readonly opened: OpenedServer;
  readonly clients: Set<number>;
  readonly idleTimeoutMs: number;
}

interface SocketEntry {
  readonly id: number;
  readonly server: ServerEntry;
  readonly connection: Connection;
  readonly timeouts: SocketTimeouts;
}

const utf8 = new TextDecoder();

/**
 * One networking context, like the GameMaker runtime's: every server and client socket created
 * through it shares one id space and one event stream, so a relay can take a message from a TCP
 * client and send it to a WebSocket client by id. No module-level state: create one per game module.
 */
export class Network {
  readonly #logger: Logger;
  readonly #ids = new IdPool();
  readonly #servers = new Map<number, ServerEntry>();
  readonly #sockets = new Map<number, SocketEntry>();
  readonly #handlers = new Set<{ server: number | null; fn: NetworkEventHandler }>();
  readonly #queue: EventQueue<NetworkEvent> | null;
  #closed = false;

  constructor(deps: NetworkDeps) {
    this.#logger = deps.logger;
    this.#queue = deps.queueLimit === undefined ? null : new EventQueue(deps.queueLimit);
  }

  /**
   * `network_create_server` / `network_create_server_raw`. Throws {@link NetworkError}
   * (`UDP_FRAMED_UNSUPPORTED`, `BAD_ARGUMENT`, `LISTEN_FAILED`) where GameMaker would return < 0.
   */
  async createServer(options: NetworkServerOptions): Promise<NetworkServerInfo> {
    if (this.#closed) throw new NetworkError('CLOSED', 'network closed');
    validateOptions(options);
    const id = this.#ids.take();
    let entry: ServerEntry | undefined;
    try {
      const opened = await openServer(options, {
        logger: this.#logger,
        name: `net-${options.type}${options.raw ? '-raw' : ''}`,
        onConnection: (c) => (entry ? this.#attach(entry, c) : c.terminate(1011, 'server not ready')),
        onDatagram: (data, remote) => {
          this.#emit({
            type: 'data',
            id,
            socket: id,
            server: id,
            ip: remote.address,
            port: remote.port,
            ...payload(data),
          });
        },
      });
      const { address, family, port } = opened.address;
      entry = {
        id,
        type: options.type,
        raw: options.raw ?? false,
        address: { address, family, port },
        opened,
        clients: new Set(),
        idleTimeoutMs: options.idleTimeoutMs ?? 0,
      };
    } catch (err) {
      this.#ids.release(id);
      throw err;
    }
    this.#servers.set(id, entry);
    this.#logger.info(
      { server: id, type: entry.type, raw: entry.raw, port: entry.address.port },
      'network server listening',
    );
    return { id, type: entry.type, raw: entry.raw, address: entry.address };
  }

  /**
   * Adds an event handler (the Networking async event); with `server`, only that server's events.
   * Returns a function that removes it.
   */
  onEvent(handler: NetworkEventHandler, server?: number): () => void {
    const entry = { server: server ?? null, fn: handler };
    this.#handlers.add(entry);
    return () => this.#handlers.delete(entry);
  }

  /** The oldest queued event, or undefined. Requires `queueLimit`. */
  poll(): NetworkEvent | undefined {
    if (!this.#queue) throw new NetworkError('QUEUE_DISABLED', 'create the Network with queueLimit to poll');
    return this.#queue.shift();
  }

  /** Events waiting in the poll queue (0 without one). */
  get queued(): number {
    return this.#queue?.length ?? 0;
  }

  /** Client sockets of a server, in connection order. */
  clients(server: number): number[] {
    return [...(this.#servers.get(server)?.clients ?? [])];
  }

  /** The server a socket id belongs to, or undefined. */
  serverInfo(server: number): NetworkServerInfo | undefined {
    const s = this.#servers.get(server);
    return s && { id: s.id, type: s.type, raw: s.raw, address: s.address };
  }

  /**
   * `network_send_packet`: one GameMaker packet (12-byte header + payload) to a framed client.
   * Returns bytes sent including the header, or -1 if the socket is gone.
   * @throws NetworkError `MIXED_FRAMING` on a raw socket
   */
  sendPacket(socket: number, data: Sendable, size?: number): number {
    const entry = this.#socket(socket, 'sendPacket');
    if (!entry) return -1;
    if (entry.server.raw) throw new NetworkError('MIXED_FRAMING', `socket ${socket} is raw: use sendRaw`);
    const bytes = slice(data, size);
    if (!entry.connection.send(bytes)) return -1;
    entry.timeouts.afterSend();
    return bytes.length + 12;
  }

  /**
   * `network_send_raw`: bytes as they are to a raw client. `text` sends a WebSocket text frame
   * (`network_send_text`); on TCP a string is sent as UTF-8. Returns bytes sent, or -1.
   * @throws NetworkError `MIXED_FRAMING` on a framed socket
   */
  sendRaw(socket: number, data: Sendable | string, opts: { text?: boolean; size?: number } = {}): number {
    const entry = this.#socket(socket, 'sendRaw');
    if (!entry) return -1;
    if (!entry.server.raw)
      throw new NetworkError('MIXED_FRAMING', `socket ${socket} is framed: use sendPacket`);
    let message: Uint8Array | string;
    if (typeof data === 'string') message = data;
    else {
      // Copy: the caller may reuse its buffer right away while the socket still holds the bytes.
      const bytes = slice(data, opts.size).slice();
      message = opts.text ? utf8.decode(bytes) : bytes;
    }
    if (!entry.connection.send(message)) return -1;
    entry.timeouts.afterSend();
    return typeof message === 'string' ? Buffer.byteLength(message) : message.length;
  }

  /** `network_send_udp_raw`: one datagram from a UDP server. Returns bytes sent, or -1 if the server is gone. */
  sendUdp(server: number, host: string, port: number, data: Sendable, size?: number): number {
    const entry = this.#servers.get(server);
    if (!entry) return -1;
    if (!entry.opened.udp)
      throw new NetworkError('WRONG_SOCKET_KIND', `server ${server} is not a UDP server`);
    return entry.opened.udp.send(host, port, slice(data, size).slice());
  }

  /**
   * Sends to every client of a server (framed servers: one packet each, encoded once; raw servers:
   * raw bytes). Returns how many clients it was sent to.
   */
  broadcast(
    server: number,
    data: Sendable | string,
    opts: { except?: number | readonly number[]; text?: boolean } = {},
  ): number {
    const entry = this.#servers.get(server);
    if (!entry) return 0;
    if (entry.opened.udp)
      throw new NetworkError('WRONG_SOCKET_KIND', 'broadcast needs a TCP or WebSocket server; use sendUdp');
    const except = new Set(typeof opts.except === 'number' ? [opts.except] : (opts.except ?? []));
    let sent = 0;
    let frame: ReturnType<Connection['encode']> | undefined;
    for (const id of entry.clients) {
      if (except.has(id)) continue;
      const s = this.#sockets.get(id);
      if (!s) continue;
      if (entry.raw) {
        if (this.sendRaw(id, data, { text: opts.text ?? false }) >= 0) sent++;
        continue;
      }
      frame ??= s.connection.encode(typeof data === 'string' ? data : slice(data));
      if (s.connection.sendFrames([frame])) {
        s.timeouts.afterSend();
        sent++;
      }
    }
    return sent;
  }

  /** `network_set_timeout`: read and write timeouts in ms (0 = off). A timeout disconnects with a reason. */
  setTimeout(socket: number, readMs: number, writeMs: number): void {
    this.#socket(socket, 'setTimeout')?.timeouts.set(readMs, writeMs);
  }

  /**
   * `network_destroy`: closes a client socket (reason `destroyed`) or a whole server (its clients
   * get close 1001). Resolves once closed; callers from GML-style code may ignore the promise.
   */
  async destroy(id: number, reason = 'destroyed'): Promise<void> {
    const socket = this.#sockets.get(id);
    if (socket) {
      socket.connection.close(1000, reason);
      await socket.connection.closed;
      return;
    }
    const server = this.#servers.get(id);
    if (!server) return;
    this.#servers.delete(id);
    await server.opened.close(1001, reason);
    this.#ids.release(id);
    this.#logger.info({ server: id, reason }, 'network server closed');
  }

  /** Destroys every server (clients get close 1001 with `reason`). Idempotent. */
  async close(reason = 'server shutting down'): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#servers.keys()].map((id) => this.destroy(id, reason)));
  }

  #socket(id: number, fn: string): SocketEntry | undefined {
    const entry = this.#sockets.get(id);
    if (!entry && this.#servers.has(id)) {
      throw new NetworkError('WRONG_SOCKET_KIND', `${fn} needs a client socket; ${id} is a server`);
    }
    return entry;
  }

  #attach(server: ServerEntry, connection: Connection): void {
    const id = this.#ids.take();
    const ip = connection.remoteAddress;
    const port = connection.remotePort;
    const timeouts = new SocketTimeouts(connection, (err) =>
      connection.fail(err, err.code === 'WRITE_TIMEOUT'),
    );
    const entry: SocketEntry = { id, server, connection, timeouts };
    this.#sockets.set(id, entry);
    server.clients.add(id);
    const ws = server.type === 'ws' || server.type === 'wss';
    connection.onMessage((data, kind) => {
      timeouts.touch();
      this.#emit({
        type: 'data',
        id,
        socket: id,
        server: server.id,
        ip,
        port,
        ...payload(data),
        ...(ws ? { messageType: kind } : {}),
      });
    });
    connection.onClose((info) => {
      timeouts.dispose();
      this.#sockets.delete(id);
      server.clients.delete(id);
      const reason = info.reason || (info.byPeer ? 'closed by peer' : 'closed');
      this.#emit({
        type: 'disconnect',
        id: server.id,
        socket: id,
        server: server.id,
        ip,
        port,
        reason,
        closeCode: info.code,
        ...(info.error ? { code: info.error.code } : {}),
      });
      // Released after the event so handlers never see an id that already names someone else.
      this.#ids.release(id);
    });
    if (server.idleTimeoutMs > 0) timeouts.set(server.idleTimeoutMs, 0);
    this.#emit({ type: 'connect', id: server.id, socket: id, server: server.id, ip, port });
  }

  #emit(event: NetworkEvent): void {
    if (this.#queue && !this.#queue.push(event, event.type === 'disconnect')) {
      // Overflow policy: drop this event and disconnect its client (see EventQueue).
      const victim = this.#sockets.get(event.socket);
      this.#logger.warn(
        { code: 'EVENT_QUEUE_FULL', socket: event.socket, limit: this.#queue.limit },
        'event queue full',
      );
      victim?.connection.fail(new NetworkError('EVENT_QUEUE_FULL', 'event queue full'));
    }
    for (const h of this.#handlers) {
      if (h.server !== null && h.server !== event.server) continue;
      try {
        const result = h.fn(event);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.#handlerFailed(err, event));
        }
      } catch (err) {
        this.#handlerFailed(err, event);
      }
    }
  }

  #handlerFailed(err: unknown, event: NetworkEvent): void {
    this.#logger.error(
      { err, type: event.type, socket: event.socket, server: event.server },
      'network event handler threw',
    );
  }
}

/** The bytes to send: a buffer's used bytes (or the first `size`), or the array (or its first `size`). */
function slice(data: Sendable, size?: number): Uint8Array {
  const bytes = data instanceof GmBuffer ? data.bytes() : data;
  if (size === undefined) return bytes;
  if (!Number.isInteger(size) || size < 0 || size > bytes.length) {
    throw new NetworkError('BAD_ARGUMENT', `size ${size} outside 0..${bytes.length}`);
  }
  return bytes.subarray(0, size);
}

function payload(data: Uint8Array): { buffer: GmBuffer; size: number } {
  return { buffer: GmBuffer.from(data, 'grow', 1), size: data.length };
}
