/**
 * Admission for one listener (or a group of listeners sharing a client limit): counts connections,
 * refuses the ones over the limit cleanly, wraps accepted ones in GameMaker framing when asked, and
 * closes everything with a reason on shutdown.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { addressKey } from '../shared/client-address.ts';
import type { AddressAdmission, AdmissionTicket } from './admission.ts';
import { type CloseInfo, type Connection, isMetered } from './connection.ts';
import { TransportError } from './errors.ts';
import { GmFramedConnection, gmCloseNotice } from './gm-framed.ts';

/**
 * Refused GameMaker TCP clients are given a short handshake so they can read why they were
 * refused; at most this many at once, and one per address, beyond that refused sockets are dropped
 * without a word (a connection storm must not turn into a pile of pending refusals).
 */
export const MAX_PENDING_REFUSALS = 32;
/** How long a refused GameMaker TCP client may take to finish the handshake before it is dropped. */
const REFUSAL_HANDSHAKE_MS = 3000;

/** The pre-authentication phase of a connection, from accept until the layer above authenticates it. */
export interface PreAuthLimits {
  /** Bytes the connection may send (handshake and framing included) before it authenticates. */
  readonly maxBytes: number;
  /** Time from accept to authentication; the GameMaker handshake must finish within it too. */
  readonly timeoutMs: number;
}

/**
 * Handed to the connection handler with each admitted connection: the layer above calls
 * {@link authenticated} once the client has proved who it is, which lifts the pre-authentication
 * limits (byte budget, small packet limit) and moves it out of the unauthenticated counts.
 */
export interface Admitted {
  /** Milliseconds left of the handshake-plus-authentication time (never negative; Infinity without one). */
  remainingMs(): number;
  /** Ends the pre-authentication phase. Idempotent. */
  authenticated(): void;
}

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
  /** Per-address (and unauthenticated) limits, counted from accept; none when absent. */
  readonly admission?: AddressAdmission;
  /**
   * Pre-authentication byte budget and time. While it lasts a GameMaker packet may announce at most
   * `maxBytes`; `maxPayload` applies once {@link Admitted.authenticated} is called.
   */
  readonly preAuth?: PreAuthLimits;
  /** Receives each admitted connection: at once when raw, after the handshake when framed. */
  readonly onConnection: (connection: Connection, admitted: Admitted) => void;
}

/** Counts, admits, refuses and finally closes connections. */
export class ConnectionGate {
  readonly #opts: GateOptions;
  readonly #live = new Set<Connection>();
  readonly #refusing = new Set<Connection>();
  /** Addresses ({@link addressKey}) with a refusal being told now: one at a time per address. */
  readonly #refusingAddresses = new Set<string>();
  #closing = false;
  #preAuthBytes = 0;
  readonly #refusals = new Map<string, number>();
  #lastRefusalLog = Number.NEGATIVE_INFINITY;
  #refusalsUnlogged = 0;

  constructor(opts: GateOptions) {
    this.#opts = opts;
  }

  /** Connections held now (handshaking or ready), not counting pending refusals. */
  get size(): number {
    return this.#live.size;
  }

  /**
   * Bytes received from connections that are open and not yet authenticated: an upper bound of what
   * strangers make this gate's connections hold (0 without {@link GateOptions.preAuth}).
   */
  get preAuthBytes(): number {
    return this.#preAuthBytes;
  }

  /**
   * Connections turned away since start, by code: `SERVER_FULL`, `ADDRESS_LIMIT`,
   * `UNAUTHENTICATED_LIMIT` (refused at accept) and `EVICTED` (closed to make room for a newcomer).
   */
  refusals(): IterableIterator<[string, number]> {
    return this.#refusals.entries();
  }

  /** Takes one freshly accepted raw connection (TCP or WebSocket). */
  admit(base: Connection): void {
    if (this.#closing) {
      base.close(1001, 'server shutting down');
      return;
    }
    if (this.#live.size >= this.#opts.maxClients) {
      this.#refuse(
        base,
        new TransportError('SERVER_FULL', `server full (${this.#opts.maxClients} clients)`),
        `server full (${this.#opts.maxClients} clients)`,
      );
      return;
    }
    const ticket = this.#opts.admission?.admit(base.remoteAddress);
    if (ticket instanceof TransportError) {
      this.#refuse(base, ticket, ticket.reason);
      return;
    }
    const preAuth = this.#opts.preAuth;
    const connection = this.#opts.framed
      ? this.#frame(base, this.#opts.closeNotice ?? false, preAuth?.timeoutMs, preAuth?.maxBytes)
      : base;
    this.#live.add(connection);
    const admitted = this.#guard(base, connection, ticket);
    connection.onClose((info) => {
      this.#live.delete(connection);
      this.#logClose(connection, info);
    });
    if (connection instanceof GmFramedConnection) {
      connection.onReady(() => this.#hand(connection, admitted));
      connection.start();
    } else {
      this.#hand(connection, admitted);
    }
  }

  /**
   * Holds one admitted connection to the pre-authentication limits until the layer above calls
   * {@link Admitted.authenticated}: counts the raw bytes it sends (a connection past the budget is
   * closed with `PRE_AUTH_LIMIT` and not read any more, so it cannot make the server buffer more),
   * and frees its admission slot and its share of {@link preAuthBytes} when it closes.
   */
  #guard(base: Connection, connection: Connection, ticket: AdmissionTicket | undefined): Admitted {
    const preAuth = this.#opts.preAuth;
    const deadline = performance.now() + (preAuth?.timeoutMs ?? Number.POSITIVE_INFINITY);
    let received = 0;
    let done = false;
    let stopCounting = () => {};
    if (preAuth && isMetered(base)) {
      stopCounting = base.onInboundBytes((bytes) => {
        if (done) return;
        received += bytes;
        this.#preAuthBytes += bytes;
        if (received > preAuth.maxBytes && connection.open) {
          connection.fail(
            new TransportError(
              'PRE_AUTH_LIMIT',
              `${received} bytes received before authentication (limit ${preAuth.maxBytes})`,
            ),
          );
          base.pauseReading();
        }
      });
    }
    const finish = () => {
      if (done) return;
      done = true;
      stopCounting();
      this.#preAuthBytes -= received;
      received = 0;
    };
    connection.onClose(() => {
      finish();
      ticket?.release();
    });
    // Made room for a newcomer (AddressAdmission.admit): closed 1013 with the admission's reason.
    ticket?.onEvict((error) => {
      this.#count('EVICTED');
      connection.fail(error);
    });
    return {
      remainingMs: () => Math.max(0, Math.round(deadline - performance.now())),
      authenticated: () => {
        if (done || !connection.open) return;
        finish();
        ticket?.authenticated();
        if (connection instanceof GmFramedConnection && this.#opts.maxPayload !== undefined) {
          connection.setMaxPayload(this.#opts.maxPayload);
        }
      },
    };
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

  #hand(connection: Connection, admitted: Admitted): void {
    try {
      this.#opts.onConnection(connection, admitted);
    } catch (err) {
      this.#opts.logger.error({ err, connection: connection.id }, 'connection handler threw');
      connection.terminate(1011, 'internal error');
    }
  }

  #frame(
    base: Connection,
    closeNotice: boolean,
    handshakeTimeoutMs?: number,
    preAuthMaxBytes?: number,
  ): GmFramedConnection {
    const max = this.#opts.maxPayload;
    return new GmFramedConnection(base, {
      logger: this.#opts.logger,
      // Until authentication no packet may be larger than the whole pre-authentication budget.
      maxPayload: preAuthMaxBytes === undefined ? max : Math.min(max ?? preAuthMaxBytes, preAuthMaxBytes),
      handshakeTimeoutMs: handshakeTimeoutMs ?? this.#opts.handshakeTimeoutMs,
      maxPacketsPerSecond: this.#opts.maxPacketsPerSecond,
      closeNotice,
    });
  }

  /**
   * Over a limit. WebSockets get close 1013 with a reason. A GameMaker TCP client only reads
   * packets after a handshake, so it gets a short one, then a JSON notice packet, then the close.
   * A raw TCP client just sees the connection end.
   */
  #count(code: string): void {
    this.#refusals.set(code, (this.#refusals.get(code) ?? 0) + 1);
  }

  #refuse(base: Connection, error: TransportError, reason: string): void {
    this.#count(error.code);
    // One line per second at most: a client re-opening as fast as it is refused must not flood the log.
    const now = performance.now();
    if (now - this.#lastRefusalLog >= 1000) {
      this.#opts.logger.warn(
        {
          code: error.code,
          remote: base.remoteAddress,
          detail: error.message,
          refusedSinceLastLine: this.#refusalsUnlogged,
        },
        'connection refused',
      );
      this.#lastRefusalLog = now;
      this.#refusalsUnlogged = 0;
    } else {
      this.#refusalsUnlogged++;
    }
    if (!this.#opts.framed || base.carrier !== 'tcp') {
      base.close(error.closeCode, reason);
      return;
    }
    // One address re-opening as fast as it is refused must not take every refusal slot.
    const key = addressKey(base.remoteAddress);
    if (this.#refusing.size >= MAX_PENDING_REFUSALS || this.#refusingAddresses.has(key)) {
      base.terminate(error.closeCode, reason);
      return;
    }
    // A refused client gets the handshake and the notice, and may send no packet of any size.
    const framed = this.#frame(
      base,
      false,
      Math.min(REFUSAL_HANDSHAKE_MS, this.#opts.handshakeTimeoutMs ?? 10_000),
      0,
    );
    this.#refusing.add(framed);
    this.#refusingAddresses.add(key);
    framed.onClose(() => {
      this.#refusing.delete(framed);
      this.#refusingAddresses.delete(key);
    });
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
          detail: info.error.message,
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
