/**
 * What went wrong, in the vocabulary every adapter understands. The names are gRPC status names
 * because Nakama's clients expect those codes: the HTTP layer maps each to its gRPC number and HTTP
 * status, and the socket layer can map them to its own error codes. Domain code never imports the
 * HTTP layer.
 */
export const ErrorKind = {
  CANCELLED: 'CANCELLED',
  UNKNOWN: 'UNKNOWN',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  ABORTED: 'ABORTED',
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  UNIMPLEMENTED: 'UNIMPLEMENTED',
  INTERNAL: 'INTERNAL',
  UNAVAILABLE: 'UNAVAILABLE',
  DATA_LOSS: 'DATA_LOSS',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** Options of a {@link DomainError}. */
export interface DomainErrorOptions {
  readonly cause?: unknown;
  readonly retryAfterSec?: number;
  readonly socketCode?: number;
  readonly context?: Readonly<Record<string, string>>;
}

/**
 * An expected failure of a domain operation (bad input, unknown account, revoked token...). The
 * message is meant for the client: it says what was wrong and never contains secrets.
 */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  readonly kind: ErrorKind;
  /** For {@link ErrorKind.RESOURCE_EXHAUSTED}: seconds until a retry can succeed. */
  readonly retryAfterSec: number | undefined;
  /**
   * The realtime socket's error code when it is not the one the kind maps to (Nakama's
   * `MATCH_NOT_FOUND`, `RUNTIME_FUNCTION_NOT_FOUND`, ...). The socket pipeline reads it; HTTP ignores it.
   */
  readonly socketCode: number | undefined;
  /** Details the socket sends in `error.context` (Nakama's `map<string,string>`), e.g. the match id. */
  readonly context: Readonly<Record<string, string>> | undefined;

  constructor(kind: ErrorKind, message: string, options?: DomainErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.retryAfterSec = options?.retryAfterSec;
    this.socketCode = options?.socketCode;
    this.context = options?.context;
  }
}

/** The kind of a gRPC status code (1–16); anything else is INTERNAL. */
export function errorKindOfGrpc(code: number): ErrorKind {
  const kinds = Object.values(ErrorKind);
  return Number.isInteger(code) && code >= 1 && code <= 16 ? kinds[code - 1]! : ErrorKind.INTERNAL;
}

/** Shorthand for `new DomainError(ErrorKind.INVALID_ARGUMENT, message, options)`. */
export function invalid(message: string, options?: DomainErrorOptions): DomainError {
  return new DomainError(ErrorKind.INVALID_ARGUMENT, message, options);
}

/** Shorthand for `new DomainError(ErrorKind.NOT_FOUND, message, options)`. */
export function notFound(message: string, options?: DomainErrorOptions): DomainError {
  return new DomainError(ErrorKind.NOT_FOUND, message, options);
}

/** Shorthand for `new DomainError(ErrorKind.UNAUTHENTICATED, message)`. */
export function unauthenticated(message: string): DomainError {
  return new DomainError(ErrorKind.UNAUTHENTICATED, message);
}
