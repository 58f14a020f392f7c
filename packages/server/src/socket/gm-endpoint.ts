/**
 * The realtime protocol on the GameMaker carriers (TCP on `gmPort`, WebSocket at `/gm`): one
 * envelope per GameMaker packet, authenticated by the first envelope because those carriers have no
 * URL to carry a token.
 *
 * @packageDocumentation
 */
import {
  type Authenticate,
  CloseCode,
  CloseReason,
  type DecodedEnvelope,
  decodeEnvelope,
  decodeGmText,
  encodeEnvelope,
  encodeError,
  RealtimeError,
  RealtimeErrorCode,
} from '@tether/protocol';
import type { Logger } from 'pino';
import { OutboundMessage } from '../presence/outbound.ts';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';
import type { Connection } from '../transport/connection.ts';
import type { Admitted } from '../transport/gate.ts';
import type { SessionLifecycle } from './session-lifecycle.ts';
import type { SessionTokenVerifier } from './ws-endpoint.ts';

/** Settings {@link GmRealtimeEndpoint} reads. */
export interface GmEndpointSettings {
  /**
   * Time to a successful `authenticate`; counted from accept (the handshake included) when the
   * carrier tells how much of it is left ({@link Admitted.remainingMs}).
   */
  readonly socketAuthTimeoutMs: number;
  readonly socketMaxMessageBytes: number;
  /** Envelopes a client may send behind `authenticate` before the reply (bounded, then close 1008). */
  readonly socketMaxPendingMessages: number;
}

/** Who a token belongs to. */
type Verified = Awaited<ReturnType<SessionTokenVerifier['verifySessionToken']>>;

const FIRST_MESSAGE_HINT = 'the first message must be {"authenticate":{"token":"<session token>"}}';

/**
 * Connection handler for the GameMaker carriers (`setConnectionHandler`). Before authentication:
 *
 * | Client sends | Server answers | Then |
 * |---|---|---|
 * | `authenticate` with a valid token | `{"cid":…,"session":{session_id,user_id,username}}` | a normal session |
 * | `authenticate` with a bad, expired or revoked token | error 3 (BAD_INPUT) with the reason, e.g. "Auth token expired" | close 1008 |
 * | any other message | error 3 "Not authenticated: the first message must be …" | close 1008 |
 * | malformed JSON, no message, unknown message | error 1 / 2 / 1 as decoded | close 1008 (1009 if too large) |
 * | nothing within `socketAuthTimeoutMs` | error 3 "Authentication timeout…" | close 1008 |
 *
 * Envelopes sent right behind `authenticate` (without waiting for the reply) are kept, up to
 * `socketMaxPendingMessages`, and handled in order once the session is open.
 *
 * Text decoding is lenient: a trailing NUL (`buffer_string`) is ignored and CESU-8 (how the
 * GameMaker HTML5 runtime writes emoji) decodes to the right characters; other invalid bytes become
 * U+FFFD rather than failing the message.
 */
export class GmRealtimeEndpoint {
  readonly #sessions: SessionLifecycle;
  readonly #verifier: SessionTokenVerifier;
  readonly #settings: GmEndpointSettings;
  readonly #log: Logger;
  #closed = false;

  constructor(deps: {
    sessions: SessionLifecycle;
    verifier: SessionTokenVerifier;
    settings: GmEndpointSettings;
    logger: Logger;
  }) {
    this.#sessions = deps.sessions;
    this.#verifier = deps.verifier;
    this.#settings = deps.settings;
    this.#log = deps.logger;
  }

  /** Takes over one ready GameMaker connection (handshake done). */
  readonly handle = (connection: Connection, admitted?: Admitted): void => {
    if (this.#closed) {
      connection.close(CloseCode.GOING_AWAY, CloseReason.SHUTDOWN);
      return;
    }
    let phase: 'waiting' | 'verifying' | 'done' = 'waiting';
    const early: string[] = [];
    const waitMs = authTimeoutMs(admitted, this.#settings.socketAuthTimeoutMs);
    const timer = setTimeout(() => {
      const error = new RealtimeError(
        RealtimeErrorCode.BAD_INPUT,
        `Authentication timeout: ${FIRST_MESSAGE_HINT}, within ${this.#settings.socketAuthTimeoutMs} ms`,
      );
      reject(connection, undefined, error, CloseCode.POLICY_VIOLATION, CloseReason.AUTH_TIMEOUT);
    }, waitMs).unref();
    const stopMessages = connection.onMessage((data) => {
      const text = decodeGmText(data);
      if (text === undefined) {
        connection.close(CloseCode.INVALID_PAYLOAD, CloseReason.INVALID_UTF8);
        return;
      }
      if (phase === 'verifying') {
        if (early.length < this.#settings.socketMaxPendingMessages) early.push(text);
        else connection.close(CloseCode.POLICY_VIOLATION, CloseReason.AUTH_QUEUE_FULL);
        return;
      }
      if (phase !== 'waiting') return;
      const env = this.#firstEnvelope(connection, text);
      if (!env) return;
      phase = 'verifying';
      // Before storage is read: a revocation applied from now on closes the session it opens.
      const mark = this.#sessions.revocationMark();
      void this.#verify(connection, env.cid, env.body.token).then((verified) => {
        phase = 'done';
        if (!verified) return;
        clearTimeout(timer);
        // Authenticated: the pre-authentication byte budget and packet limit no longer apply.
        admitted?.authenticated();
        // From here on the session owns the connection's messages.
        stopMessages();
        this.#open(connection, env.cid, env.body, verified, early, mark);
      });
    });
    connection.onClose(() => {
      phase = 'done';
      clearTimeout(timer);
    });
  };

  /** Refuses new connections from now on (shutdown). */
  close(): void {
    this.#closed = true;
  }

  /** Decodes the first envelope; anything but `authenticate` ends the connection. */
  #firstEnvelope(
    connection: Connection,
    text: string,
  ): { cid: string | undefined; body: Extract<DecodedEnvelope, { type: 'authenticate' }>['body'] } | null {
    let env: DecodedEnvelope;
    try {
      env = decodeEnvelope(text, { maxBytes: this.#settings.socketMaxMessageBytes });
    } catch (err) {
      const error = err instanceof RealtimeError ? err : internalError(err);
      const code = error.fatal ? error.closeCode : CloseCode.POLICY_VIOLATION;
      reject(connection, error.cid, error, code, CloseReason.NOT_AUTHENTICATED);
      return null;
    }
    if (env.type !== 'authenticate') {
      const error = new RealtimeError(
        RealtimeErrorCode.BAD_INPUT,
        `Not authenticated: ${FIRST_MESSAGE_HINT}`,
      );
      reject(connection, env.cid, error, CloseCode.POLICY_VIOLATION, CloseReason.NOT_AUTHENTICATED);
      return null;
    }
    return { cid: env.cid, body: env.body };
  }

  /** Checks the token; on failure answers and closes, and resolves to null. */
  async #verify(connection: Connection, cid: string | undefined, token: string): Promise<Verified | null> {
    try {
      const verified = await this.#verifier.verifySessionToken(token);
      if (connection.open && !this.#closed) return verified;
      if (connection.open) connection.close(CloseCode.GOING_AWAY, CloseReason.SHUTDOWN);
      return null;
    } catch (err) {
      const known = err instanceof DomainError && err.kind === ErrorKind.UNAUTHENTICATED;
      if (!known) this.#log.error({ err, connection: connection.id }, 'GameMaker authentication failed');
      const error = known ? new RealtimeError(RealtimeErrorCode.BAD_INPUT, err.message) : internalError(err);
      const reason = `${CloseReason.AUTH_FAILED}: ${error.message}`;
      reject(connection, cid, error, CloseCode.POLICY_VIOLATION, reason);
      return null;
    }
  }

  /** Opens the session; its first message out is the `session` reply to `authenticate`. */
  #open(
    connection: Connection,
    cid: string | undefined,
    request: Required<Authenticate>,
    verified: Verified,
    early: readonly string[],
    mark: number,
  ): void {
    this.#sessions.open(
      connection,
      { ...verified, lang: request.lang || 'en' },
      {
        format: 'gm-packet',
        appearOnline: request.status,
        singleSocket: request.single_socket,
        resumable: request.resumable,
        ...(request.resume_token !== ''
          ? { resume: { token: request.resume_token, seq: request.resume_seq } }
          : {}),
        greeting: (session) =>
          OutboundMessage.fromText(
            encodeEnvelope(cid, 'session', {
              session_id: session.id,
              user_id: session.userId,
              username: session.username,
            }),
            'session',
          ),
        pending: early,
        checked: { mark, issuedAt: verified.issuedAt },
      },
    );
  }
}

/** Sends one error envelope, then closes with `code`/`reason` (over TCP a close notice follows). */
function reject(
  connection: Connection,
  cid: string | undefined,
  error: RealtimeError,
  code: number,
  reason: string,
): void {
  if (!connection.open) return;
  connection.send(encodeError(cid, error));
  connection.close(code, reason);
}

/** What is left of the carrier's handshake-plus-authentication time, else the whole setting. */
function authTimeoutMs(admitted: Admitted | undefined, setting: number): number {
  const left = admitted?.remainingMs();
  return left !== undefined && Number.isFinite(left) ? left : setting;
}

function internalError(cause: unknown): RealtimeError {
  return new RealtimeError(RealtimeErrorCode.RUNTIME_EXCEPTION, 'Internal server error', { cause });
}
