/**
 * `TetherClient`: the HTTP half of the SDK (authentication, session refresh and logout, the account),
 * over the platform `fetch`, so the same code runs in browsers and Node 20.
 *
 * Every call has a timeout whose timer is cleared however the call ends (a timer left running keeps a
 * Node process alive and, in a long game session, piles up), and every failure is a
 * {@link TetherApiError} carrying the HTTP status, the gRPC code and the server's own message.
 *
 * @packageDocumentation
 */

import { encodeBase64, encodeUtf8 } from '@tether/protocol';
import { ClientError, ClientErrorCode } from '../errors.ts';
import { TetherApiError } from './api-error.ts';
import { Session } from './session.ts';

/** The platform `fetch` signature the client needs (injectable for tests and exotic runtimes). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Options of {@link TetherClient}. */
export interface TetherClientOptions {
  /** Server host (default `127.0.0.1`). */
  host?: string;
  /** HTTP port, also the `/ws` socket's (default 7350). */
  port?: number;
  /** HTTPS and WSS (default false). */
  useSSL?: boolean;
  /** Server key for authentication calls, sent as HTTP Basic user name (default `defaultkey`). */
  serverKey?: string;
  /** Per-call timeout in ms, covering the response body too (default 10 000). */
  timeoutMs?: number;
  /** `fetch` implementation (default `globalThis.fetch`). */
  fetch?: FetchLike;
}

/** Options of the `authenticate*` calls. */
export interface AuthenticateOptions {
  /** Create the account if it does not exist (default true); false answers 404 for unknown ids. */
  create?: boolean;
  /** Username for a new account (ignored for an existing one); the server generates one when absent. */
  username?: string;
  /** Session variables, readable by server code. */
  vars?: Record<string, string>;
}

/** `GET /v2/account` reply (fields the server leaves out are absent). */
export interface Account {
  /** The user (`api.User`): id, username, profile fields, JSON `metadata`, RFC 3339 times. */
  user: {
    id: string;
    username: string;
    display_name?: string;
    avatar_url?: string;
    lang_tag?: string;
    location?: string;
    timezone?: string;
    metadata?: string;
    create_time?: string;
    update_time?: string;
  };
  /** Wallet, JSON text. */
  wallet?: string;
  /** Email, when the account has one. */
  email?: string;
  /** Linked device ids. */
  devices?: { id: string; vars?: Record<string, string> }[];
  /** Custom id, when the account has one. */
  custom_id?: string;
}

/** Default {@link TetherClientOptions.timeoutMs}. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** A request the client sends: method, path with query, auth header, JSON body. */
interface ApiCall {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  auth: string;
  body?: unknown;
}

/**
 * Talks to a Tether (or Nakama) server's HTTP API.
 *
 * @example
 * ```ts
 * const client = new TetherClient({ host: 'game.example.com', port: 443, useSSL: true, serverKey });
 * const session = await client.authenticateDevice(deviceId, { username: 'ann' });
 * const account = await client.getAccount(session);
 * ```
 */
export class TetherClient {
  /** Server host. */
  readonly host: string;
  /** HTTP (and `/ws`) port. */
  readonly port: number;
  /** Whether HTTPS / WSS are used. */
  readonly useSSL: boolean;
  /** Per-call timeout in ms. */
  readonly timeoutMs: number;
  /** `http(s)://host:port`, without a trailing slash. */
  readonly baseUrl: string;
  readonly #serverKey: string;
  readonly #fetch: FetchLike | undefined;

  /** @param options - server address, key and timeout; bad values throw ClientError INVALID_ARGUMENT */
  constructor(options: TetherClientOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 7350;
    this.useSSL = options.useSSL ?? false;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.#serverKey = options.serverKey ?? 'defaultkey';
    this.#fetch = options.fetch;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65_535) {
      throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `port must be 1-65535, got ${this.port}`);
    }
    if (!(this.timeoutMs > 0)) {
      throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `timeoutMs must be > 0, got ${this.timeoutMs}`);
    }
    const host = this.host.includes(':') && !this.host.startsWith('[') ? `[${this.host}]` : this.host;
    this.baseUrl = `${this.useSSL ? 'https' : 'http'}://${host}:${this.port}`;
  }

  /** Logs in with a device id (10–128 bytes), creating the account unless `create: false`. */
  authenticateDevice(id: string, options: AuthenticateOptions = {}): Promise<Session> {
    return this.#authenticate('device', { id, vars: options.vars }, options);
  }

  /** Logs in with a custom id from your own identity system (6–128 bytes). */
  authenticateCustom(id: string, options: AuthenticateOptions = {}): Promise<Session> {
    return this.#authenticate('custom', { id, vars: options.vars }, options);
  }

  /** Logs in with email and password (creating the account unless `create: false`). */
  authenticateEmail(email: string, password: string, options: AuthenticateOptions = {}): Promise<Session> {
    return this.#authenticate('email', { email, password, vars: options.vars }, options);
  }

  /**
   * Exchanges the refresh token for a new session token. Rejects with a 401 {@link TetherApiError}
   * when the refresh token expired or the session was logged out: the player must log in again.
   *
   * @param session - the session to refresh
   * @param vars - new session variables (default: the session's own)
   */
  async sessionRefresh(session: Session, vars?: Record<string, string>): Promise<Session> {
    const body = await this.#call({
      method: 'POST',
      path: '/v2/account/session/refresh',
      auth: this.#basic(),
      body: { token: session.refreshToken, vars },
    });
    return this.#toSession(body, 'POST /v2/account/session/refresh', false);
  }

  /**
   * Revokes the session (both tokens). Its realtime sockets are closed by the server with 4002, which
   * stops their reconnection.
   */
  async sessionLogout(session: Session): Promise<void> {
    await this.#call({
      method: 'POST',
      path: '/v2/session/logout',
      auth: `Bearer ${session.token}`,
      body: { token: session.token, refresh_token: session.refreshToken },
    });
  }

  /** The caller's account. */
  async getAccount(session: Session): Promise<Account> {
    const body = await this.#call({ method: 'GET', path: '/v2/account', auth: `Bearer ${session.token}` });
    if (typeof body !== 'object' || body === null || !('user' in body)) {
      throw new TetherApiError('invalid_response', 'GET /v2/account answered without a user', {
        status: 200,
        request: 'GET /v2/account',
        body,
      });
    }
    return body as Account;
  }

  /**
   * Calls a server RPC over HTTP (`POST /v2/rpc/{id}`); the socket's `rpc` does the same over the
   * realtime connection. Resolves to the function's payload ("" when it returned nothing).
   */
  async rpc(session: Session, id: string, payload = ''): Promise<string> {
    const body = await this.#call({
      method: 'POST',
      path: `/v2/rpc/${encodeURIComponent(id)}`,
      auth: `Bearer ${session.token}`,
      // Nakama's gateway takes the payload as a JSON-encoded string.
      body: payload,
    });
    const out = (body as { payload?: unknown } | null)?.payload;
    return typeof out === 'string' ? out : '';
  }

  async #authenticate(
    kind: 'device' | 'custom' | 'email',
    body: Record<string, unknown>,
    options: AuthenticateOptions,
  ): Promise<Session> {
    const query = new URLSearchParams({ create: String(options.create ?? true) });
    if (options.username !== undefined) query.set('username', options.username);
    const path = `/v2/account/authenticate/${kind}?${query.toString()}`;
    const reply = await this.#call({ method: 'POST', path, auth: this.#basic(), body });
    return this.#toSession(reply, `POST /v2/account/authenticate/${kind}`, undefined);
  }

  #basic(): string {
    return `Basic ${encodeBase64(encodeUtf8(`${this.#serverKey}:`))}`;
  }

  /** Builds a Session from `{token, refresh_token, created?}`; a malformed reply is `invalid_response`. */
  #toSession(body: unknown, request: string, created: boolean | undefined): Session {
    const b = body as { token?: unknown; refresh_token?: unknown; created?: unknown } | null;
    if (typeof b?.token !== 'string' || typeof b.refresh_token !== 'string') {
      throw new TetherApiError('invalid_response', `${request} answered without token and refresh_token`, {
        status: 200,
        request,
        body,
      });
    }
    try {
      return new Session(b.token, b.refresh_token, created ?? b.created === true);
    } catch (cause) {
      throw new TetherApiError('invalid_response', `${request} returned an unreadable token`, {
        status: 200,
        request,
        body,
        cause,
      });
    }
  }

  /**
   * One request with a timeout that covers the body. The timer is cleared in `finally`, whatever
   * happens (success, HTTP error, network failure, abort).
   */
  async #call(call: ApiCall): Promise<unknown> {
    const request = `${call.method} ${call.path.split('?')[0]}`;
    const doFetch = this.#fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!doFetch) {
      throw new ClientError(ClientErrorCode.UNSUPPORTED, 'no fetch implementation: pass { fetch }');
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    let status = 0;
    let text: string;
    try {
      const headers: Record<string, string> = { Authorization: call.auth, Accept: 'application/json' };
      if (call.body !== undefined) headers['Content-Type'] = 'application/json';
      const response = await doFetch(`${this.baseUrl}${call.path}`, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: controller.signal,
      });
      status = response.status;
      text = await response.text();
    } catch (cause) {
      if (timedOut) {
        const stage = status === 0 ? 'no response' : `status ${status}, body incomplete`;
        throw new TetherApiError('timeout', `${request} timed out after ${this.timeoutMs} ms (${stage})`, {
          status,
          request,
          cause,
        });
      }
      // Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED …) is in `cause`.
      const inner = (cause as { cause?: { message?: unknown } } | null)?.cause?.message;
      const outer = cause instanceof Error ? cause.message : String(cause);
      const detail = typeof inner === 'string' && inner !== '' ? `${outer}: ${inner}` : outer;
      throw new TetherApiError('network', `${request} to ${this.baseUrl} failed: ${detail}`, {
        request,
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
    return parseReply(request, status, text);
  }
}

/** Parses a reply body; an error status becomes a TetherApiError with the server's code and message. */
function parseReply(request: string, status: number, text: string): unknown {
  let body: unknown;
  let json = true;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    json = false;
    body = text;
  }
  if (status >= 200 && status < 300) {
    if (!json) {
      throw new TetherApiError(
        'invalid_response',
        `${request} answered ${status} with a body that is not JSON`,
        {
          status,
          request,
          body,
        },
      );
    }
    return body;
  }
  const b = body as { code?: unknown; message?: unknown } | null;
  const message =
    json && typeof b?.message === 'string' && b.message !== ''
      ? b.message
      : `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  const grpcCode = json && typeof b?.code === 'number' ? b.code : undefined;
  throw new TetherApiError('http', message, { status, grpcCode, request, body });
}
