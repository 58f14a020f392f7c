/**
 * `GET /ws`: Nakama's realtime socket. The token is checked before the upgrade, as Nakama does, so a
 * bad token is an HTTP error the client can read, not a socket that opens and dies.
 *
 * @packageDocumentation
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { SessionIdentity, WireFormat } from '../session/session.ts';
import { addressKey, clientAddressOf } from '../shared/client-address.ts';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';
import { parseGoBool } from '../shared/go-bool.ts';
import { parseRequestTarget, type QueryParams, type RequestTarget } from '../shared/request-target.ts';
import { AddressAdmission, type AdmissionTicket } from '../transport/admission.ts';
import type { Connection } from '../transport/connection.ts';
import { TransportError } from '../transport/errors.ts';
import { WsAcceptor } from '../transport/ws.ts';
import type { SessionLifecycle } from './session-lifecycle.ts';
import type { ResumeRequest } from './session-resume.ts';

/** Path of the realtime socket on the main HTTP server. */
export const REALTIME_WS_PATH = '/ws';
/** Longest `lang` accepted (the account API's limit for lang tags). */
const MAX_LANG_CHARS = 18;

/** What the endpoint needs to check a token (the account feature's `SessionAuth`). */
export interface SessionTokenVerifier {
  verifySessionToken(token: string): Promise<VerifiedToken>;
}

/** A valid token's identity and when its session started (Unix seconds). */
export type VerifiedToken = Omit<SessionIdentity, 'lang'> & { readonly issuedAt: number };

/** Connect options parsed from the upgrade request. */
interface ConnectRequest {
  readonly token: string;
  readonly lang: string;
  readonly appearOnline: boolean;
  readonly singleSocket: boolean;
  /** `json-text` (text frames) or `protobuf` (binary frames), from `format`. */
  readonly format: WireFormat;
  /** Tether extension: a resumable session (`resumable=true`). */
  readonly resumable: boolean;
  /** Tether extension: resume a held session (`resume=<token>&resume_seq=<n>`). */
  readonly resume: ResumeRequest | undefined;
}

/** A checked upgrade: who, how, and the revocation mark taken before the check read storage. */
interface Accepted {
  /** The session's identity, built once here and kept by the session. */
  readonly identity: SessionIdentity;
  readonly request: ConnectRequest;
  /** When the token's session started (Unix seconds). */
  readonly issuedAt: number;
  readonly mark: number;
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
 * - `format`: absent or `json`: JSON envelopes in text frames; `protobuf`: Nakama's `Envelope` in
 *   binary frames (docs/protocol-protobuf.md); anything else **400** "Invalid format parameter".
 * - `status`, `single_socket`: booleans as Go's `strconv.ParseBool` reads them (`true`, `1`, `t`,
 *   `false`, `0`, `f`, any case); absent or empty is false; anything else is **400**.
 * - `lang`: language tag, default `en`, at most 18 characters.
 * - Tether's session resume: `resumable` (a boolean, as above) asks for a resumable session;
 *   `resume=<token>&resume_seq=<n>` asks for a held one back (`resume_seq` a decimal integer ≥ 0,
 *   required with `resume`, else **400**). See docs/protocol.md.
 *
 * A query whose percent-escapes are not valid UTF-8 never reaches this endpoint: the server's upgrade
 * dispatch refuses it with **400** `Query parameter '<name>' is not valid UTF-8`.
 *
 * Accepted JSON sockets send text frames only, protobuf sockets binary frames only; every outgoing
 * envelope is encoded once per format, however many sessions receive it.
 */
export class RealtimeWsEndpoint {
  /** JSON sockets (text frames) and protobuf sockets (binary frames): `ws` picks the frame type per acceptor. */
  readonly #acceptor: WsAcceptor;
  readonly #pbAcceptor: WsAcceptor;
  readonly #sessions: SessionLifecycle;
  readonly #verifier: SessionTokenVerifier;
  readonly #log: Logger;
  /** Connect options of upgrades in flight, handed from the checks to the accepted connection. */
  readonly #accepted = new WeakMap<IncomingMessage, Accepted>();
  readonly #admission: AddressAdmission;
  /** Addresses with a resume over their limit being checked now (at most one each). */
  readonly #resumesOverLimit = new Set<string>();
  /** The admission ticket of each socket held (see #hold), released when the socket closes. */
  readonly #tickets = new WeakMap<Duplex, AdmissionTicket>();
  /** Every held socket's `close` listener (called with the socket as `this`). */
  readonly #releaseTicket: (this: Duplex) => void;
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
    /** Kernel TCP keepalive on accepted sockets after this much silence (ms; 0 or absent: off). */
    keepAliveMs?: number;
  }) {
    const tickets = this.#tickets;
    this.#releaseTicket = function (this: Duplex) {
      const ticket = tickets.get(this);
      tickets.delete(this);
      ticket?.release();
    };
    this.#admission = new AddressAdmission({
      maxPerAddress: deps.maxConnectionsPerAddress,
      maxUnauthenticated: 0,
      maxUnauthenticatedPerAddress: 0,
    });
    this.#sessions = deps.sessions;
    this.#verifier = deps.verifier;
    this.#log = deps.logger;
    const acceptor = (textFrames: boolean) =>
      new WsAcceptor({
        logger: deps.logger,
        // Room above the envelope limit, so an oversized envelope still reaches the pipeline and is
        // answered with an error naming the limit before the close; far larger frames are cut off by
        // `ws` (close 1009) without ever being buffered whole.
        maxPayload: deps.maxMessageBytes * 4 + 1024,
        maxBufferedBytes: deps.maxBufferedBytes,
        name: textFrames ? 'ws' : 'ws-pb',
        textFrames,
        keepAliveMs: deps.keepAliveMs,
        onConnection: (connection, req) => this.#open(connection, req),
      });
    this.#acceptor = acceptor(true);
    this.#pbAcceptor = acceptor(false);
  }

  /**
   * Until `ws` takes the socket over, a reset during the token check must not crash the process.
   * One function for every upgrade, removed once the socket is handed on: a closure per upgrade
   * would keep the upgrade request (and its headers) alive for the socket's whole life.
   */
  readonly #onUpgradeError = (err: Error): void => {
    this.#log.debug({ err }, 'realtime upgrade socket error');
  };

  /**
   * The `upgrade` handler for {@link REALTIME_WS_PATH}. The connection counts against its address's
   * limit from this moment (before the token check) until its socket closes; over the limit the
   * upgrade is answered 429 `too many connections from this address` — unless it is a session
   * resume taking over a connection of the same address that the server still thinks alive (one
   * such check per address at a time; see #admitResume). `target` is `req.url` read (the server's
   * upgrade dispatch has read it already); read here when not given.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target?: RequestTarget): void {
    const query = (target ?? parseRequestTarget(req.url ?? '/')).searchParams;
    socket.on('error', this.#onUpgradeError);
    const address = clientAddressOf(req);
    const ticket = this.#admission.admit(address);
    if (ticket instanceof TransportError) {
      // A resume may take over a connection of this address the server still thinks alive: decided
      // once its token is checked (#admitResume). One such check at a time per address, so the
      // limit still bounds what an address costs.
      const key = addressKey(address);
      if (
        ticket.code === 'ADDRESS_LIMIT' &&
        !this.#resumesOverLimit.has(key) &&
        /[?&]resume=[^&]/.test(req.url ?? '')
      ) {
        this.#resumesOverLimit.add(key);
        void this.#check(req, query, socket, head, ticket).finally(() => this.#resumesOverLimit.delete(key));
        return;
      }
      this.#log.debug({ code: ticket.code, detail: ticket.message }, 'realtime upgrade refused');
      refuse(socket, 429, ticket.reason);
      return;
    }
    this.#hold(socket, ticket);
    void this.#check(req, query, socket, head);
  }

  /** Keeps `ticket` (the connection's place in its address's count) until `socket` closes. */
  #hold(socket: Duplex, ticket: AdmissionTicket): void {
    if (socket.destroyed) {
      ticket.release();
      return;
    }
    // One listener for every socket and a weak entry, not a `once` wrapper, its bound function and
    // a closure per socket (about 230 bytes of every open socket).
    this.#tickets.set(socket, ticket);
    socket.on('close', this.#releaseTicket);
  }

  /**
   * A resume over its address's limit is admitted only if it takes over a live connection of the
   * same address (closed as the session moves, so the address is over its share only until then);
   * else it is refused as any upgrade over the limit.
   */
  #admitResume(req: IncomingMessage, socket: Duplex, accepted: Accepted): boolean {
    const address = clientAddressOf(req);
    const { resume } = accepted.request;
    const replaced = resume && this.#sessions.takeoverAddress(resume, accepted.identity.userId);
    if (replaced === undefined || addressKey(replaced) !== addressKey(address)) return false;
    this.#hold(socket, this.#admission.admitReplacing(address));
    return true;
  }

  /** Refuses further upgrades (503). Open sessions are closed by their owner. */
  close(): void {
    this.#closed = true;
    this.#acceptor.close();
    this.#pbAcceptor.close();
  }

  /** `overLimit`: the upgrade is over its address's limit and asks for a resume (see #admitResume). */
  async #check(
    req: IncomingMessage,
    query: QueryParams,
    socket: Duplex,
    head: Buffer,
    overLimit?: TransportError,
  ): Promise<void> {
    let accepted: Accepted;
    try {
      if (this.#closed) throw new UpgradeRefusal(503, 'server shutting down');
      const request = parseConnectRequest(req, query);
      // Before storage is read: a revocation applied from now on closes the session it opens.
      const mark = this.#sessions.revocationMark();
      const verified = await this.#verify(request.token);
      const identity: SessionIdentity = {
        userId: verified.userId,
        username: verified.username,
        tokenId: verified.tokenId,
        expiresAt: verified.expiresAt,
        vars: verified.vars,
        lang: request.lang,
      };
      accepted = { identity, request, issuedAt: verified.issuedAt, mark };
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
    if (overLimit && !this.#admitResume(req, socket, accepted)) {
      this.#log.debug({ code: overLimit.code, detail: overLimit.message }, 'realtime upgrade refused');
      refuse(socket, 429, overLimit.reason);
      return;
    }
    this.#accepted.set(req, accepted);
    // The acceptor guards the socket from here on.
    socket.off('error', this.#onUpgradeError);
    const acceptor = accepted.request.format === 'protobuf' ? this.#pbAcceptor : this.#acceptor;
    acceptor.handleUpgrade(req, socket, head);
  }

  async #verify(token: string): Promise<VerifiedToken> {
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
    const accepted = this.#accepted.get(req);
    this.#accepted.delete(req);
    if (!accepted) {
      connection.close(1011, 'internal error');
      return;
    }
    const { request, mark, issuedAt } = accepted;
    this.#sessions.open(connection, accepted.identity, {
      format: request.format,
      appearOnline: request.appearOnline,
      singleSocket: request.singleSocket,
      resumable: request.resumable,
      checked: { mark, issuedAt },
      ...(request.resume ? { resume: request.resume } : {}),
    });
  }
}

/** Reads and validates the connect options of an upgrade request (`query`: its parameters). */
function parseConnectRequest(req: IncomingMessage, query: QueryParams): ConnectRequest {
  const format = query.get('format') ?? '';
  if (format !== '' && format !== 'json' && format !== 'protobuf')
    throw new UpgradeRefusal(400, 'Invalid format parameter');
  const header = req.headers.authorization;
  const bearer = header && /^bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const token = bearer || query.get('token') || '';
  if (token === '') throw new UpgradeRefusal(401, 'Auth token required');
  const lang = query.get('lang') || 'en';
  if (lang.length > MAX_LANG_CHARS) throw new UpgradeRefusal(400, 'Invalid lang parameter');
  const resumable = parseBool('resumable', query.get('resumable'));
  const resume = parseResume(query);
  return {
    token,
    lang,
    appearOnline: parseBool('status', query.get('status')),
    singleSocket: parseBool('single_socket', query.get('single_socket')),
    format: format === 'protobuf' ? 'protobuf' : 'json-text',
    resumable,
    resume,
  };
}

/** `resume` and `resume_seq`: both or neither. */
function parseResume(query: QueryParams): ResumeRequest | undefined {
  const token = query.get('resume') ?? '';
  if (token === '') return undefined;
  const seq = query.get('resume_seq') ?? '';
  if (!/^\d{1,15}$/.test(seq))
    throw new UpgradeRefusal(400, 'Invalid resume_seq parameter: expected the number of envelopes received');
  return { token, seq: Number(seq) };
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
