/**
 * `createNetworkServer`: the one-call way to get a GameMaker-style server. It returns a handle whose
 * methods are the {@link Network} functions bound to this server; pass a shared `network` to run
 * several servers (say TCP and WebSocket) with one id space and one event stream.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { Network } from './network.ts';
import type {
  NetworkEvent,
  NetworkEventHandler,
  NetworkServerInfo,
  NetworkServerOptions,
  Sendable,
} from './types.ts';

/** A listening server and the `network_*` functions, bound to it where GameMaker takes a server. */
export interface NetworkServer extends NetworkServerInfo {
  /** The networking context this server lives in (shared when passed in). */
  readonly network: Network;
  /** This server's events only. Returns a function that removes the handler. */
  onEvent(handler: NetworkEventHandler): () => void;
  /** Next queued event of the whole network (needs `queueLimit`). */
  poll(): NetworkEvent | undefined;
  /** Connected client sockets. */
  clients(): number[];
  /** `network_send_packet` to any framed client socket of the network. */
  sendPacket(socket: number, data: Sendable, size?: number): number;
  /** `network_send_raw` to any raw client socket of the network. */
  sendRaw(socket: number, data: Sendable | string, opts?: { text?: boolean; size?: number }): number;
  /** `network_send_udp_raw` from this (UDP) server. */
  sendUdp(host: string, port: number, data: Sendable, size?: number): number;
  /** Sends to every client of this server; returns how many. */
  broadcast(data: Sendable | string, opts?: { except?: number | readonly number[]; text?: boolean }): number;
  /** `network_set_timeout` for one client socket. */
  setTimeout(socket: number, readMs: number, writeMs: number): void;
  /** `network_destroy`: a client socket, or this server when given its own id (or nothing). */
  destroy(id?: number, reason?: string): Promise<void>;
  /** Closes this server and all its clients. */
  close(reason?: string): Promise<void>;
}

/** Dependencies of {@link createNetworkServer}. */
export interface NetworkServerDeps {
  readonly logger: Logger;
  /** Share a network between servers; a private one is created otherwise. */
  readonly network?: Network;
  /** For a private network: enable `poll()` with this queue limit. */
  readonly queueLimit?: number;
}

/**
 * `network_create_server[_raw]` as a function: listens and returns the server handle.
 *
 * @example
 * ```ts
 * const server = await createNetworkServer({ type: 'tcp', port: 6510, maxClients: 32 }, { logger });
 * server.onEvent((e) => {
 *   if (e.type === 'data') server.sendPacket(e.id, e.buffer); // echo
 * });
 * ```
 */
export async function createNetworkServer(
  options: NetworkServerOptions,
  deps: NetworkServerDeps,
): Promise<NetworkServer> {
  const network =
    deps.network ??
    new Network({
      logger: deps.logger,
      ...(deps.queueLimit === undefined ? {} : { queueLimit: deps.queueLimit }),
    });
  const info = await network.createServer(options);
  const { id } = info;
  return {
    ...info,
    network,
    onEvent: (handler) => network.onEvent(handler, id),
    poll: () => network.poll(),
    clients: () => network.clients(id),
    sendPacket: (socket, data, size) => network.sendPacket(socket, data, size),
    sendRaw: (socket, data, opts) => network.sendRaw(socket, data, opts),
    sendUdp: (host, port, data, size) => network.sendUdp(id, host, port, data, size),
    broadcast: (data, opts) => network.broadcast(id, data, opts),
    setTimeout: (socket, readMs, writeMs) => network.setTimeout(socket, readMs, writeMs),
    destroy: (target = id, reason) => network.destroy(target, reason),
    close: (reason) => network.destroy(id, reason ?? 'server shutting down'),
  };
}
