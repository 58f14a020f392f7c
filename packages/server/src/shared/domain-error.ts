/**
 * What went wrong, in the vocabulary every adapter understands. The names are gRPC status names
 * because Nakama's clients expect those codes: the HTTP layer maps each to its gRPC number and HTTP
 * status, and the socket layer can map them to its own error codes. Domain code never imports the
 * HTTP layer.
 */
export const ErrorKind = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/**
 * An expected failure of a domain operation (bad input, unknown account, revoked token...). The
 * message is meant for the client: it says what was wrong and never contains secrets.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly kind: ErrorKind;
  /** For {@link ErrorKind.RESOURCE_EXHAUSTED}: seconds until a retry can succeed. */
  readonly retryAfterSec: number | undefined;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; retryAfterSec?: number }) {
    super(message, options);
    this.kind = kind;
    this.retryAfterSec = options?.retryAfterSec;
  }
}

/** Shorthand for `new DomainError(ErrorKind.INVALID_ARGUMENT, message)`. */
export function invalid(message: string): DomainError {
  return new DomainError(ErrorKind.INVALID_ARGUMENT, message);
}

/** Shorthand for `new DomainError(ErrorKind.UNAUTHENTICATED, message)`. */
export function unauthenticated(message: string): DomainError {
  return new DomainError(ErrorKind.UNAUTHENTICATED, message);
}
