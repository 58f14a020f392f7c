import type { GrpcCode } from '@tether/protocol';

/** The HTTP status grpc-gateway maps each gRPC code to. */
const HTTP_STATUS: Record<GrpcCode, number> = {
  0: 200,
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

/** HTTP status for a gRPC code, as grpc-gateway (and so Nakama) maps it. */
export function httpStatusFor(code: GrpcCode): number {
  return HTTP_STATUS[code];
}

/**
 * An API error with a gRPC code and a message that says what was wrong. Thrown anywhere below an
 * HTTP handler; the router turns it into Nakama's error body and the matching status.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly #status: number | undefined;
  /** `options.status` overrides the status mapped from `code` (e.g. 413 for an oversized body). */
  constructor(
    readonly code: GrpcCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.#status = options?.status;
  }
  get status(): number {
    return this.#status ?? httpStatusFor(this.code);
  }
}
