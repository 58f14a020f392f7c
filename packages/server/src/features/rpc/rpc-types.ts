/**
 * The types of RPC functions, as game modules write them (re-exported by the runtime API).
 *
 * @packageDocumentation
 */

/**
 * "Returned nothing": `void` is in the union so that `() => {}` and `async () => {}` type-check as RPCs
 * and hooks without a return statement.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: see above; a function with no return statement is void.
export type NoResult = null | undefined | void;

/** Who called an RPC and how. Fields about the user are absent for server-to-server calls (`http_key`). */
export interface RpcContext {
  /**
   * `socket` (the `rpc` envelope), `http` (Bearer session), `http_key` (server to server) or
   * `console` (the admin console's RPC explorer, as the user it chose, or as no user).
   */
  readonly source: 'socket' | 'http' | 'http_key' | 'console';
  readonly node: string;
  readonly userId?: string;
  readonly username?: string;
  /** The calling socket session (socket calls only). */
  readonly sessionId?: string;
  /** Session variables from authentication. */
  readonly vars: Readonly<Record<string, string>>;
  /** Client language tag (socket calls). */
  readonly lang?: string;
  /** Session token expiry, Unix seconds. */
  readonly expiry?: number;
  /** The client's address. */
  readonly clientIp: string;
  /** Query parameters (HTTP calls). */
  readonly queryParams?: Readonly<Record<string, string>>;
}

/**
 * An RPC: receives the payload string (usually JSON) and returns a string (usually JSON; nakama-js
 * `client.rpc` parses it), nothing, or a promise of either. Throwing fails the call: over the socket
 * with code 7 and the error's message; over HTTP with status 500, or the gRPC code in a numeric `code`
 * property of the error (for example 3 for 400, 5 for 404, 7 for 403).
 */
export type RpcFunction = (
  ctx: RpcContext,
  payload: string,
) => string | NoResult | Promise<string | NoResult>;
