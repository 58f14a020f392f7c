/**
 * The error every HTTP call of `TetherClient` rejects with. It keeps what the server said: the HTTP
 * status, the gRPC code and the message of Nakama's error body (`{"code": 16, "message": "Auth token
 * expired"}`), instead of a bare `Response` or "Failed to fetch" that the game then has to decode.
 *
 * @packageDocumentation
 */

import { GrpcCode } from '@tether/protocol';

/**
 * What went wrong with an HTTP call:
 * - `http`: the server answered with an error status (see `status`, `grpcCode`, `message`);
 * - `timeout`: no complete answer within the client's `timeoutMs`;
 * - `network`: no answer at all (refused, DNS, TLS, CORS in browsers);
 * - `invalid_response`: a success status with a body that is not what the API promises.
 */
export type TetherApiErrorKind = 'http' | 'timeout' | 'network' | 'invalid_response';

/** gRPC status codes that matter to games, as Nakama's error bodies carry them. */
export const GrpcStatus = {
  INVALID_ARGUMENT: GrpcCode.INVALID_ARGUMENT,
  DEADLINE_EXCEEDED: GrpcCode.DEADLINE_EXCEEDED,
  NOT_FOUND: GrpcCode.NOT_FOUND,
  ALREADY_EXISTS: GrpcCode.ALREADY_EXISTS,
  PERMISSION_DENIED: GrpcCode.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: GrpcCode.RESOURCE_EXHAUSTED,
  INTERNAL: GrpcCode.INTERNAL,
  UNAVAILABLE: GrpcCode.UNAVAILABLE,
  UNAUTHENTICATED: GrpcCode.UNAUTHENTICATED,
} as const;

/** A failed HTTP API call. */
export class TetherApiError extends Error {
  /** What kind of failure this is. */
  readonly kind: TetherApiErrorKind;
  /** HTTP status; 0 when no response arrived (`timeout`, `network`). */
  readonly status: number;
  /** gRPC code from the error body (`code`), when the server sent one. */
  readonly grpcCode: number | undefined;
  /** The method and path called, e.g. `POST /v2/account/session/refresh`. */
  readonly request: string;
  /** The parsed error body, if it was JSON. */
  readonly body: unknown;

  /**
   * @param kind - failure kind
   * @param message - the server's message for `http` errors, else a description of what happened
   * @param details - status, gRPC code, request, body and cause
   */
  constructor(
    kind: TetherApiErrorKind,
    message: string,
    details: { status?: number; grpcCode?: number; request: string; body?: unknown; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TetherApiError';
    this.kind = kind;
    this.status = details.status ?? 0;
    this.grpcCode = details.grpcCode;
    this.request = details.request;
    this.body = details.body;
  }

  /** True for 401: the token (or server key, or credentials) was refused; log in again. */
  get unauthenticated(): boolean {
    return this.status === 401;
  }
}
