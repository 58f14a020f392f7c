/**
 * The small seam between a socket (framing, events, heartbeat) and the carrier that moves bytes
 * (browser WebSocket, the `ws` package, `node:net`). Keeping carriers this thin lets the browser entry
 * point avoid every Node import while TCP and `ws` live behind `@tether/client/node`.
 *
 * @packageDocumentation
 */

/** Where to connect, after the socket has parsed `connect(url | host, port)`. */
export interface ConnectTarget {
  /** Full URL for WebSocket carriers (path and query kept); absent for TCP. */
  readonly url?: string;
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  /** Remote port. */
  readonly port: number;
}

/** Callbacks a carrier invokes; the socket ignores any that arrive after it has closed. */
export interface TransportSink {
  /** The carrier is connected; `ip`/`port` refine the remote address when the carrier knows it. */
  opened(remote?: { ip?: string | undefined; port?: number | undefined }): void;
  /** Bytes (binary frame or stream chunk) or a string (WebSocket text frame) arrived. */
  message(data: Uint8Array | string): void;
  /** Proof of life without data (a WebSocket pong); resets the heartbeat's idle clock. */
  alive(): void;
  /** The carrier closed in an orderly way, with the close code and reason if it has them. */
  closed(code: number, reason: string, wasClean: boolean): void;
  /** The carrier failed; the error must carry a readable message. Nothing else follows. */
  failed(error: unknown): void;
}

/** One live carrier connection. */
export interface Transport {
  /** True when one `message()` is one peer message (WebSocket); false for byte streams (TCP). */
  readonly messageOriented: boolean;
  /** Sends bytes as one binary message / stream write, or a string as one text frame (UTF-8 on streams). */
  send(data: Uint8Array | string): void;
  /** Orderly close; `code`/`reason` are already validated for the carrier. */
  close(code: number, reason: string): void;
  /** Immediate teardown without waiting for the peer (dead peer, local failure). */
  abort(): void;
  /** Sends a protocol-level keepalive if the carrier has one (Node `ws` ping). */
  ping?(): void;
}

/** Per-connection settings a carrier may use. */
export interface TransportOptions {
  /** Largest incoming carrier message (payload plus any GameMaker header), if the carrier can enforce it. */
  readonly maxMessageSize: number;
  /** Heartbeat interval, used for TCP keepalive probes. */
  readonly keepAliveMs?: number | undefined;
}

/** Opens a carrier connection; errors must be reported through `sink.failed`, not thrown. */
export type TransportFactory = (
  target: ConnectTarget,
  sink: TransportSink,
  options: TransportOptions,
) => Transport;
