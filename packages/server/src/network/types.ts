/**
 * Types of the `network_*` layer: server options and the events shaped like GameMaker's
 * `async_load` map, plus GameMaker's numeric constants for code ported from GML.
 *
 * @packageDocumentation
 */
import type { GmBuffer } from '@tether/protocol';

/** Socket types a server can listen with (`network_socket_*`). `wss` is ours: GameMaker cannot host it. */
export type NetworkSocketKind = 'tcp' | 'udp' | 'ws' | 'wss';

/** GameMaker's `network_socket_*` values, for porting GML that stores them. */
export const NetworkSocketType = { tcp: 0, udp: 1, ws: 6, wss: 7 } as const;
/** GameMaker's `network_type_*` values (`async_load[? "type"]`). */
export const NetworkType = { connect: 1, disconnect: 2, data: 3, non_blocking_connect: 4 } as const;
/** GameMaker's `network_send_binary` / `network_send_text` (also `async_load[? "message_type"]`). */
export const NetworkSend = { binary: 1, text: 2 } as const;

/** Options of `Network.createServer` / `createNetworkServer` (`network_create_server[_raw]`). */
export interface NetworkServerOptions {
  readonly type: NetworkSocketKind;
  /** Port to listen on; 0 (the default) picks a free one, see `address`. */
  readonly port?: number;
  /** Interface to bind; default `0.0.0.0`. */
  readonly host?: string;
  /**
   * `network_create_server_raw`: no GameMaker handshake or headers. Required for `udp`, because
   * GameMaker's non-raw UDP header is undocumented.
   */
  readonly raw?: boolean;
  /** Clients at once (connections still in their handshake count too). Ignored for UDP. */
  readonly maxClients: number;
  /**
   * Clients one address may hold at once (handshaking ones included, counted from accept; IPv6 by
   * /64); a client over it is refused like one over `maxClients`, with close 1013 `too many
   * connections from this address`. No limit when absent. Ignored for UDP, which holds no per-peer state.
   */
  readonly maxClientsPerAddress?: number;
  /**
   * Largest inbound message: a GameMaker payload (framed), a WebSocket message (raw ws) or a
   * datagram (udp). Default 4 MiB, GameMaker's `network_config_message_size_limit` for accepted sockets.
   * Raw TCP has no messages, so there it does not apply.
   */
  readonly maxMessageSize?: number;
  /** Disconnect a client that sends nothing for this long (reason `read timeout`); 0 = never (default). */
  readonly idleTimeoutMs?: number;
  /** Outbound bytes a client may fall behind before it is dropped as a slow consumer (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Framed only: time to complete the GameMaker handshake (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Framed only: packets per second before a client is dropped for flooding (default 20,000). */
  readonly maxPacketsPerSecond?: number;
  /** ws/wss only: accept upgrades on this path only (any path when absent). */
  readonly path?: string;
  /** wss only: PEM key and certificate. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/** Keys every event has, as in `async_load`. */
interface NetworkEventBase {
  /**
   * connect/disconnect: the server. data: the client socket that sent it (GameMaker's rule for
   * servers); for UDP, the UDP server itself.
   */
  readonly id: number;
  /** The client socket (for UDP data: the UDP server, as UDP has no client sockets). */
  readonly socket: number;
  /** The server that accepted the client. */
  readonly server: number;
  /** Remote IP address. */
  readonly ip: string;
  /** Remote port. */
  readonly port: number;
}

/** A client connected (framed: its handshake completed). `network_type_connect`. */
export interface NetworkConnectEvent extends NetworkEventBase {
  readonly type: 'connect';
}

/**
 * A client is gone, whoever ended it. `network_type_disconnect`. Unlike GameMaker, every connect is
 * paired with exactly one disconnect, including after timeouts, limits and `destroy`.
 */
export interface NetworkDisconnectEvent extends NetworkEventBase {
  readonly type: 'disconnect';
  /** Why: `closed by peer`, `read timeout`, `slow consumer`, a close reason... */
  readonly reason: string;
  /** WebSocket close code (streams: 1000 for an orderly end, 1006 for a reset). */
  readonly closeCode: number;
  /** Stable error code when a typed error ended it (`GM_BAD_MAGIC`, `SLOW_CONSUMER`, ...). */
  readonly code?: string;
}

/** A message arrived. `network_type_data`. */
export interface NetworkDataEvent extends NetworkEventBase {
  readonly type: 'data';
  /** The payload in a `grow` buffer, alignment 1, position 0 (a copy the handler may keep). */
  readonly buffer: GmBuffer;
  /** Payload size in bytes. */
  readonly size: number;
  /** ws/wss only: how the message was sent. Framed packets are always `binary`. */
  readonly messageType?: 'binary' | 'text';
}

/** Any network event: switch on `type`, as a GML Networking event switches on `async_load[? "type"]`. */
export type NetworkEvent = NetworkConnectEvent | NetworkDisconnectEvent | NetworkDataEvent;

/** Event handler; may be async. Whatever it throws or rejects with is logged, never fatal. */
export type NetworkEventHandler = (event: NetworkEvent) => void | Promise<void>;

/** What `createServer` returns: the server's id and where it listens. */
export interface NetworkServerInfo {
  readonly id: number;
  readonly type: NetworkSocketKind;
  readonly raw: boolean;
  /** Bound address; with `port: 0` this tells the chosen port. */
  readonly address: { readonly address: string; readonly family: string; readonly port: number };
}

/** Bytes to send: a GameMaker buffer (its used bytes, or the first `size`) or a byte array. */
export type Sendable = GmBuffer | Uint8Array;
