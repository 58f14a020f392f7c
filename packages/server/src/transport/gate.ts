/**
 * Admission for one listener (or a group of listeners sharing a client limit): counts connections,
 * refuses the ones over the limit cleanly, wraps accepted ones in GameMaker framing when asked, and
 * closes everything with a reason on shutdown.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import type { CloseInfo, Connection } from './connection.ts';
import { TransportError } from './errors.ts';
import { GmFramedConnection, gmCloseNotice } from './gm-framed.ts';

/**
 * Refused GameMaker TCP clients are given a short handshake so they can read why they were
 * refused; at most this many at once, beyond that refused sockets are dropped without a word (a
 * connection storm must not turn into a pile of pending refusals).
 */
export const MAX_PENDING_REFUSALS = 32;
/** How long a refused GameMaker TCP client may take to finish the handshake before it is dropped. */
const REFUSAL_HANDSHAKE_MS = 3000;

/** Options of {@link ConnectionGate}. */
export interface GateOptions {
  readonly logger: Logger;
  /** Connections held at once, including GameMaker ones still in their handshake. */
  readonly maxClients: number;
  /** Wrap each accepted connection in GameMaker framing (handshake + 12-byte headers). */
  readonly framed: boolean;
  /** Largest GameMaker payload (framed only). */
  readonly maxPayload?: number;
  readonly handshakeTimeoutMs?: number;
  readonly maxPacketsPerSecond?: number;
  /** Framed TCP only: on close, send a JSON notice packet with the reason first. */
  readonly closeNotice?: boolean;
  /** Receives each admitted connection: at once when raw, after the handshake when framed. */
  readonly onConnection: (connection: Connection) => void;
}

/** Counts, admits, refuses and finally closes connections. */
export class ConnectionGate {
  readonly #opts: GateOptions;
  readonly #live = new Set<Connection>();
  readonly #refusing = new Set<Connection>();
  #closing = false;

  constructor(opts: GateOptions) {
    this.#opts = opts;
  }

  /** Connections held now (handshaking or ready), not counting pending refusals. */
  get size(): number {
    return this.#live.size;
  }

  /** Takes one freshly accepted raw connection (TCP or WebSocket). */
  admit(base: Connection): void {
    if (this.#closing) {
      base.close(1001, 'server shutting down');
      return;
    }
    if (this.#live.size >= this.#opts.maxClients) {
      this.#refuse(base);
      return;
    }
    const connection = this.#opts.framed ? this.#frame(base, this.#opts.closeNotice ?? false) : base;
    this.#live.add(connection);
    connection.onClose((info) => {
      this.#live.delete(connection);
      this.#logClose(connection, info);
    });
    if (connection instanceof GmFramedConnection) {
      connection.onReady(() => this.#hand(connection));
      connection.start();
    } else {
      this.#hand(connection);
    }
  }

  /**
   * Stops admitting and closes every connection with `code`/`reason`, then waits for them to end
   * (each connection forces itself shut after its close timeout, so this always settles).
   */
  async closeAll(code: number, reason: string): Promise<void> {
    this.#closing = true;
    const all = [...this.#live, ...this.#refusing];
    for (const connection of all) connection.close(code, reason);
    await Promise.all(all.map((c) => c.closed));
  }

  #hand(connection: Connection): void {
    try {
      this.#opts.onConnection(connection);
    } catch (err) {
      this.#opts.logger.error({ err, connection: connection.id }, 'connection handler threw');
      connection.terminate(1011, 'internal error');
    }
  }

  #frame(base: Connection, closeNotice: boolean, handshakeTimeoutMs?: number): GmFramedConnection {
    return new GmFramedConnection(base, {
      logger: this.#opts.logger,
      maxPayload: this.#opts.maxPayload,
      handshakeTimeoutMs: handshakeTimeoutMs ?? this.#opts.handshakeTimeoutMs,
      maxPacketsPerSecond: this.#opts.maxPacketsPerSecond,
      closeNotice,
    });
  }

  /**
   * Over the limit. WebSockets get close 1013 with a reason. A GameMaker TCP client only reads
   * packets after a handshake, so it gets a short one, then a JSON notice packet, then the close.
   * A raw TCP client just sees the connection end.
   */
  #refuse(base: Connection): void {
    const error = new TransportError('SERVER_FULL', `server full (${this.#opts.maxClients} clients)`);
    this.#opts.logger.warn(
      { code: error.code, remote: base.remoteAddress, maxClients: this.#opts.maxClients },
      'connection refused',
    );
    const reason = `server full (${this.#opts.maxClients} clients)`;
    if (!this.#opts.framed || base.carrier !== 'tcp') {
      base.close(error.closeCode, reason);
      return;
    }
    if (this.#refusing.size >= MAX_PENDING_REFUSALS) {
      base.terminate(error.closeCode, reason);
      return;
    }
    const framed = this.#frame(
      base,
      false,
      Math.min(REFUSAL_HANDSHAKE_MS, this.#opts.handshakeTimeoutMs ?? 10_000),
    );
    this.#refusing.add(framed);
    framed.onClose(() => this.#refusing.delete(framed));
    framed.onReady(() => {
      framed.send(gmCloseNotice(error.closeCode, reason));
      framed.close(error.closeCode, reason);
    });
    framed.start();
  }

  #logClose(connection: Connection, info: CloseInfo): void {
    if (info.error) {
      // Every typed failure is logged with its stable code; the server keeps serving others.
      this.#opts.logger.warn(
        {
          code: info.error.code,
          connection: connection.id,
          remote: connection.remoteAddress,
          reason: info.reason,
        },
        'connection closed on error',
      );
    } else {
      this.#opts.logger.debug(
        { connection: connection.id, closeCode: info.code, reason: info.reason, byPeer: info.byPeer },
        'connection closed',
      );
    }
  }
}
