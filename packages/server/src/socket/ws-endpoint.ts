/**
 * `GET /ws`: Nakama's realtime socket. The token is checked before the upgrade, as Nakama does, so a
 * bad token is an HTTP error the client can read, not a socket that opens and dies.
 *
 * @packageDocumentation
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { SessionIdentity } from '../session/session.ts';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';
import { parseGoBool } from '../shared/go-bool.ts';
import { AddressAdmission } from '../transport/admission.ts';
import type { Connection } from '../transport/connection.ts';
import { TransportError } from '../transport/errors.ts';
import { WsAcceptor } from '../transport/ws.ts';
import type { SessionLifecycle } from './session-lifecycle.ts';

/** Path of the realtime socket on the main HTTP server. */
export const REALTIME_WS_PATH = '/ws';
/** Longest `lang` accepted (the account API's limit for lang tags). */
const MAX_LANG_CHARS = 18;

/** What the endpoint needs to check a token (the account feature's `SessionAuth`). */
export interface SessionTokenVerifier {
  verifySessionToken(token: string): Promise<Omit<SessionIdentity, 'lang'>>;
}

/** Connect options parsed from the upgrade request. */
interface ConnectRequest {
  readonly token: string;
  readonly lang: string;
  readonly appearOnline: boolean;
  readonly singleSocket: boolean;
}

/** An upgrade refused with an HTTP status and a Nakama-style JSON error body. */
class UpgradeRefusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * The `/ws` endpoint: `GET /ws?token=&status=&lang=&format=&single_socket=`.
 *
 * - `token`: a session token, from `Authorization: Bearer` when present, else from the query.
 *   Missing, invalid, expired or revoked: **401** with `{"code":16,"message":…}`, no upgrade.
 * - `format`: absent or `json`. `protobuf` is **400** "protobuf format not supported"; anything else
 *   **400** "Invalid format parameter".
 * - `status`, `single_socket`: booleans as Go's `strconv.ParseBool` reads them (`true`, `1`, `t`,
 *   `false`, `0`, `f`, any case); absent or empty is false; anything else is **400**.
 * - `lang`: language tag, default `en`, at most 18 characters.
 *
 * A query whose percent-escapes are not valid UTF-8 never reaches this endpoint: the server's upgrade
 * dispatch refuses it with **400** `Query parameter '<name>' is not valid UTF-8`.
 *
 * Accepted sockets send text frames only; every outgoing envelope is encoded to UTF-8 once, however
 * many sessions receive it.
 */
export class RealtimeWsEndpoint {
  readonly #acceptor: WsAcceptor;
  readonly #sessions: SessionLifecycle;
  readonly #verifier: SessionTokenVerifier;
  readonly #log: Logger;
  /** Connect options of upgrades in flight, handed from the checks to the accepted connection. */
  readonly #accepted = new WeakMap<IncomingMessage, SessionIdentity & ConnectRequest>();
  readonly #admission: AddressAdmission;
  #closed = false;

  constructor(deps: {
    sessions: SessionLifecycle;
    verifier: SessionTokenVerifier;
    logger: Logger;
    /** The envelope size limit; the WebSocket layer itself allows 4× that (see docs/protocol.md). */
    maxMessageBytes: number;
    maxBufferedBytes: number;
    /** Connections one address may hold, counted from the upgrade request; 0 = no limit. */
    maxConnectionsPerAddress: number;
  }) {
    this.#admission = new AddressAdmission({
      maxPerAddress: deps.maxConnectionsPerAddress,
      maxUnauthenticated: 0,
      maxUnauthenticatedPerAddress: 0,
    });
    this.#sessions = deps.sessions;
    this.#verifier = deps.verifier;
    this.#log = deps.logger;
    this.#acceptor = new WsAcceptor({
      logger: deps.logger,
      // Room above the envelope limit, so an oversized envelope still reaches the pipeline and is
      // answered with an error naming the limit before the close; far larger frames are cut off by
      // `ws` (close 1009) without ever being buffered whole.
      maxPayload: deps.maxMessageBytes * 4 + 1024,
      maxBufferedBytes: deps.maxBufferedBytes,
      name: 'ws',
      textFrames: true,
      onConnection: (connection, req) => this.#open(connection, req),
    });
  }

  /**
   * The `upgrade` handler for {@link REALTIME_WS_PATH}. The connection counts against its address's
   * limit from this moment (before the token check) until its socket closes; over the limit the
   * upgrade is answered 429 `too many connections from this address`.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until `ws` takes the socket over, a reset during the token check must not crash the process.
    socket.on('error', (err) => this.#log.debug({ err }, 'realtime upgrade socket error'));
    const ticket = this.#admission.admit(req.socket.remoteAddress ?? '');
    if (ticket instanceof TransportError) {
      this.#log.debug({ code: ticket.code, detail: ticket.message }, 'realtime upgrade refused');
      refuse(socket, 429, ticket.reason);
      return;
    }
    if (socket.destroyed) ticket.release();
    else socket.once('close', () => ticket.release());
    void this.#check(req, socket, head);
  }

  /** Refuses further upgrades (503). Open sessions are closed by their owner. */
  close(): void {
    this.#closed = true;
    this.#acceptor.close();
  }

  async #check(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let identity: SessionIdentity & ConnectRequest;
    try {
      if (this.#closed) throw new UpgradeRefusal(503, 'server shutting down');
      const request = parseConnectRequest(req);
      const verified = await this.#verify(request.token);
      identity = { ...verified, ...request };
    } catch (err) {
      if (err instanceof UpgradeRefusal) refuse(socket, err.status, err.message);
      else {
        this.#log.error({ err }, 'realtime upgrade failed');
        refuse(socket, 500, 'Internal server error');
      }
      return;
    }
    // The client may have given up while storage answered the revocation check.
    if (socket.destroyed) return;
    if (this.#closed) {
      refuse(socket, 503, 'server shutting down');
      return;
    }
    this.#accepted.set(req, identity);
    this.#acceptor.handleUpgrade(req, socket, head);
  }

  async #verify(token: string): Promise<Omit<SessionIdentity, 'lang'>> {
    try {
      return await this.#verifier.verifySessionToken(token);
    } catch (err) {
      if (err instanceof DomainError && err.kind === ErrorKind.UNAUTHENTICATED) {
        throw new UpgradeRefusal(401, err.message);
      }
      throw err;
    }
  }

  #open(connection: Connection, req: IncomingMessage): void {
    const identity = this.#accepted.get(req);
    this.#accepted.delete(req);
    if (!identity) {
      connection.close(1011, 'internal error');
      return;
    }
    const { token: _token, appearOnline, singleSocket, ...rest } = identity;
    this.#sessions.open(connection, rest, { format: 'json-text', appearOnline, singleSocket });
  }
}

/** Reads and validates the connect options of an upgrade request. */
function parseConnectRequest(req: IncomingMessage): ConnectRequest {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const format = query.get('format') ?? '';
  if (format === 'protobuf') throw new UpgradeRefusal(400, 'protobuf format not supported');
  if (format !== '' && format !== 'json') throw new UpgradeRefusal(400, 'Invalid format parameter');
  const header = req.headers.authorization;
  const bearer = header && /^bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const token = bearer || query.get('token') || '';
  if (token === '') throw new UpgradeRefusal(401, 'Auth token required');
  const lang = query.get('lang') || 'en';
  if (lang.length > MAX_LANG_CHARS) throw new UpgradeRefusal(400, 'Invalid lang parameter');
  return {
    token,
    lang,
    appearOnline: parseBool('status', query.get('status')),
    singleSocket: parseBool('single_socket', query.get('single_socket')),
  };
}

/** Go's `strconv.ParseBool` spellings; absent or empty means false. */
function parseBool(name: string, value: string | null): boolean {
  if (value === null || value === '') return false;
  const parsed = parseGoBool(value);
  if (parsed === undefined)
    throw new UpgradeRefusal(400, `Invalid ${name} parameter: expected true or false`);
  return parsed;
}

/** gRPC code in the error body, as the HTTP API writes it. */
const GRPC_CODE: Readonly<Record<number, number>> = { 400: 3, 401: 16, 429: 8, 500: 13, 503: 14 };

/** Answers a refused upgrade with an HTTP error and a JSON body, then ends the socket. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ code: GRPC_CODE[status] ?? 2, message, error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
